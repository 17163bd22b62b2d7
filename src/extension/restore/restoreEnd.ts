// The end of a restore this window saw running. Completed: the verification, as the CLI runs it
// after tar (every archive member the restore took must be in the target as archived), its
// verdict in the log, its report in an editor tab and a notification. Failed or cancelled: the
// final notification only. The verification runs once per job: not again when the job file
// already names a report (another window or the CLI was first).
import * as vscode from 'vscode';
import { verifyRestore } from '../../core/restore/restoreJob';
import { verificationText } from '../../core/restore/restoreText';
import { showFinalNotification } from '../backup/jobNotifications';
import type { TrackedJob } from '../backup/trackedJob';
import type { ClusterSession } from '../session';
import { verdictMessage, type VerdictMessage } from './restoreText';
import { errorText } from '../errorText';

function notify(m: VerdictMessage, log: vscode.LogOutputChannel): void {
  const show = m.severity === 'error' ? vscode.window.showErrorMessage : m.severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void show(m.text, 'Show Log').then((c) => c && log.show(true));
}

export class RestoreEnds {
  private readonly verified = new Set<string>();

  constructor(
    private readonly session: ClusterSession,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async ended(t: TrackedJob): Promise<void> {
    // The record as the node has it: the verification records its outcome in that file.
    const job = t.nodeRecord();
    if (job.state !== 'completed') {
      showFinalNotification(this.session, t);
      return;
    }
    const cluster = this.session.cluster;
    if (!cluster || this.verified.has(t.key)) return;
    this.verified.add(t.key);
    const tag = `[${job.node}] restore ${job.id}`;
    if (job.restore?.report) {
      this.log.info(`${tag}: verified already (${job.restore.report}): ${job.restore.differences ?? '?'} differences`);
      notify(verdictMessage(job, { recorded: job.restore.differences ?? 0 }), this.log);
      return;
    }
    this.log.info(`${tag}: tar finished; verifying ${job.restore?.target} against the archive…`);
    // The plan's index, when this window started the restore: held no longer than needed.
    const indexed = t.planIndex;
    t.planIndex = undefined;
    try {
      const { verification, job: recorded, notSaved } = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Verifying the restore into ${job.restore?.target} on ${job.node}…` },
        () => this.session.hold(cluster, () => verifyRestore(cluster, job, indexed ? { indexed } : {})),
      );
      t.setRecord(recorded);
      const text = verificationText(verification);
      const [headline, ...rest] = text.trimEnd().split('\n');
      if (verification.verdict === 'verified') this.log.info(`${tag}: ${headline}`);
      else this.log.warn(`${tag}: ${headline}`);
      for (const l of rest) this.log.info(`${tag}: ${l.trim()}`);
      const where = notSaved ? `not saved: ${notSaved}` : `${recorded.restore?.report} on ${job.node}`;
      if (notSaved) this.log.warn(`${tag}: report ${where}`);
      else this.log.info(`${tag}: report saved on ${job.node}: ${recorded.restore?.report}`);
      const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: `${text}\nreport: ${where}\n` });
      await vscode.window.showTextDocument(doc, { preview: false });
      notify(verdictMessage(job, { verification }), this.log);
    } catch (e) {
      this.log.error(`${tag}: tar finished, but the verification failed: ${errorText(e)}`);
      notify(verdictMessage(job, { error: errorText(e) }), this.log);
    }
  }
}
