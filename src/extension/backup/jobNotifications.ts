// What the operator sees of a running job outside the tree: a status bar item while any job
// runs, a cancellable progress notification for jobs started from this window, and one final
// notification per job this window saw running.
import * as vscode from 'vscode';
import { isFinal } from '../../core/backup/jobs';
import type { JobRecord, JobState } from '../../core/backup/types';
import { Cmd } from '../commandIds';
import { humanSize, plural } from '../format';
import type { ClusterSession } from '../session';
import type { JobMonitor } from './jobMonitor';
import { archiveArgOf } from '../commands/archiveArg';
import { FINAL_ACTIONS, bytesVerb, countTotal, finalActions, finalMessage, hasReplicaVolume, jobPercent, kindWord, statusBarText } from '../jobText';
import type { TrackedJob } from './trackedJob';

/** The status bar item, and what it shows now (undefined while hidden): the extension-host tests read it. */
export interface JobStatusBar extends vscode.Disposable {
  shown(): string | undefined;
}

export function createJobStatusBar(monitor: JobMonitor): JobStatusBar {
  const item = vscode.window.createStatusBarItem('glusterBackup.backupJob', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Gluster Backup job';
  let visible = false;
  const update = () => {
    const running = monitor.running();
    const text = statusBarText(running.map((t) => ({ job: t.job(), bytes: t.bytes })));
    visible = !!text;
    if (!text) {
      item.hide();
      return;
    }
    item.text = text;
    item.tooltip = running
      .map((t) => {
        const j = t.job();
        const warnings = t.warnings().count;
        return `${j.id} on ${j.node}: ${j.state === 'unknown' ? `node unreachable (${j.reason ?? ''})` : `${humanSize(t.bytes ?? 0)} ${bytesVerb(j)}`}${warnings ? `, ${plural(warnings, 'tar warning')}` : ''}`;
      })
      .join('\n');
    // One job: its panel directly; several: showProgress asks which.
    item.command = { title: 'Show Job Progress', command: Cmd.showProgress, arguments: running.length === 1 ? [running[0].key] : [] };
    item.show();
  };
  const sub = monitor.onDidChange(update);
  const both = vscode.Disposable.from(item, sub);
  return { dispose: () => both.dispose(), shown: () => (visible ? item.text : undefined) };
}

/**
 * The notification of a job started here; its Cancel asks (modally) before cancelling. A
 * settings change makes a new Cluster, and the job a new TrackedJob: the notification moves to
 * it, and ends once a scan does not find it where it would be (its node answered without it,
 * or is no longer configured).
 */
export function showRunningNotification(monitor: JobMonitor, first: TrackedJob): void {
  const job = first.job();
  const key = first.key;
  let t = first;
  // A restore's id repeats the archive's name: the target says more.
  const title = job.kind === 'restore' && job.restore ? `Restore into ${job.restore.target} on ${job.node}` : `${kindWord(job)} ${job.id} on ${job.node}`;
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (progress, token) =>
      new Promise<'ended' | 'cancelAsked'>((resolve) => {
        let reported = 0;
        const update = () => {
          const j = t.job();
          const pct = jobPercent(j, t.bytes);
          const increment = pct !== undefined && pct > reported ? pct - reported : undefined;
          if (increment) reported = pct!;
          const warnings = t.warnings().count;
          progress.report({
            increment,
            message: `${j.state === 'unknown' ? 'node unreachable, ' : ''}${pct !== undefined ? `${pct}% · ` : ''}${humanSize(t.bytes ?? 0)}${j.kind === 'restore' ? ` ${bytesVerb(j)}` : ''}${warnings ? ` · ${plural(warnings, 'warning')}` : ''}`,
          });
        };
        const onState = (state: JobState) => {
          if (isFinal(state)) finish('ended');
        };
        update();
        let stateSub = t.onState(onState);
        const subs = [
          monitor.onDidChange((node) => {
            if (node === job.node || node === '') update();
          }),
          monitor.onDidTrack((found) => {
            if (found.key !== key || found === t) return;
            stateSub.dispose();
            t = found;
            stateSub = t.onState(onState);
            update();
            if (!t.running) finish('ended');
          }),
          monitor.onDidScan(() => {
            // Not found again where it would be (its node answered, or is gone from the settings).
            if (!monitor.get(key) && (!monitor.configures(job.node) || monitor.reachedInLastScan(job.node))) finish('ended');
          }),
          token.onCancellationRequested(() => finish('cancelAsked')),
        ];
        function finish(why: 'ended' | 'cancelAsked'): void {
          for (const s of [...subs, stateSub]) s.dispose();
          resolve(why);
        }
        if (!t.running) finish('ended');
      }),
  ).then((why) => {
    if (why !== 'cancelAsked' || !t.running) return;
    // The notification is gone with its Cancel: confirm, and bring it back if the job goes on.
    // By its key: a settings change while the modal waited replaces the job's TrackedJob.
    void vscode.commands.executeCommand(Cmd.cancelBackup, key).then(() => {
      const now = monitor.get(key);
      if (now?.running) showRunningNotification(monitor, now);
    });
  });
}

/** completed / completed with warnings / failed / cancelled, with "Show Log" (and what to do next, when there is something). */
export function showFinalNotification(session: ClusterSession, t: TrackedJob): void {
  const job: JobRecord = t.job();
  const replica = hasReplicaVolume(session.cluster?.status(job.node)?.volumes ?? []) ||
    session.shownNodes().some((n) => hasReplicaVolume(session.cluster?.status(n.name)?.volumes ?? []));
  const m = finalMessage(job, replica, countTotal(t.counts) ? t.counts : undefined);
  const show = m.severity === 'error' ? vscode.window.showErrorMessage : m.severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  void show(m.text, ...finalActions(job, m)).then((choice) => {
    if (choice === FINAL_ACTIONS.validate) void vscode.commands.executeCommand(Cmd.validateBackup, archiveArgOf(job));
    // The partial's row, as the tree would pass it: its own path, so its directory is the job's.
    else if (choice === FINAL_ACTIONS.publish && job.partial) {
      const partial = job.partial;
      void vscode.commands.executeCommand(Cmd.publishKept, { nodeName: job.node, archive: { ...archiveArgOf(job).archive, name: partial.slice(partial.lastIndexOf('/') + 1), path: partial, partial: true } });
    } else if (choice === FINAL_ACTIONS.log) void vscode.commands.executeCommand(Cmd.showBackupLog, t.key);
    else if (choice === FINAL_ACTIONS.progress) void vscode.commands.executeCommand(Cmd.showProgress, t.key);
  });
}
