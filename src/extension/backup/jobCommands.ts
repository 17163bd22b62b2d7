// Cancel Job, Show Job Log, Show Job Progress, for backup and restore jobs alike (the menus name
// no kind; the modal and messages do): on a job row, with a job id
// (status bar, notifications, progress panel), or from the palette, picking among the jobs found
// on the nodes.
import * as vscode from 'vscode';
import { humanSize, shortDate } from '../format';
import type { CommandDeps } from '../commandDeps';
import { cancelDetail, kindWord, parseJobRef } from '../jobText';
import type { TrackedJob } from './trackedJob';
import { errorText } from '../errorText';
import { showError } from '../errors';

/** A job row (JobItem.jobId), a `node/id` key, a bare job id, or `{ jobId }`. */
function jobIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null && 'jobId' in arg) {
    const id = (arg as { jobId?: unknown }).jobId;
    if (typeof id === 'string') return id;
  }
  return undefined;
}

async function resolveJob(deps: CommandDeps, arg: unknown, onlyRunning: boolean, placeHolder: string): Promise<TrackedJob | undefined> {
  const id = jobIdOf(arg);
  if (id) {
    const known = deps.monitor.get(id);
    if (known) return known;
    // Not seen by this window yet (e.g. started by the CLI): look on the nodes, on its own node
    // when the reference names one (another node may have a job of the same name).
    const jobs = deps.monitor.jobsApi();
    if (!jobs) return undefined;
    const ref = parseJobRef(id);
    const found = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Looking for job ${ref.id}…` }, () => jobs.find(ref.id, ref.node));
    return deps.monitor.track(found, false);
  }
  // From the palette: the list must be current, the nodes may have jobs this window never saw.
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Looking for jobs on the nodes…' }, () => deps.monitor.scan());
  const candidates = onlyRunning ? deps.monitor.running() : deps.monitor.all();
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(onlyRunning ? 'No backup or restore is running on any node.' : 'No backup or restore job was found on any node.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map((t) => {
      const j = t.job();
      return {
        label: j.id,
        description: `${j.node} · ${j.state}${t.bytes !== undefined ? ` · ${humanSize(t.bytes)}` : ''}`,
        detail: `started ${shortDate(j.startedAt)}${j.reason ? ` · ${j.reason}` : ''}`,
        t,
      };
    }),
    { placeHolder },
  );
  return picked?.t;
}

export function cancelBackupCommand(deps: CommandDeps) {
  return async (arg: unknown): Promise<void> => {
    const t = await resolveJob(deps, arg, true, 'Job to cancel');
    if (!t) return;
    const job = t.job();
    const Kind = kindWord(job);
    const kind = job.kind;
    if (!t.running) {
      void vscode.window.showInformationMessage(`${Kind} ${job.id} is not running (${job.state}).`);
      return;
    }
    const yes = `Cancel ${Kind}`;
    const choice = await vscode.window.showWarningMessage(`Cancel the ${kind} ${job.id} on ${job.node}?`, { modal: true, detail: cancelDetail(job.kind) }, yes);
    if (choice !== yes) return;
    try {
      const final = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Cancelling the ${kind} ${job.id}…` }, () => deps.monitor.cancel(t.nodeRecord()));
      // The final notification comes from the monitor when following sees the end.
      if (final.state !== 'cancelled') void vscode.window.showInformationMessage(`${Kind} ${job.id} ended before the cancel took effect: ${final.state}.`);
    } catch (err) {
      showError(deps.log, `Could not cancel the ${kind} ${job.id}`, err, job.node);
    }
  };
}

export function showBackupLogCommand(deps: CommandDeps) {
  return async (arg: unknown): Promise<void> => {
    const t = await resolveJob(deps, arg, false, 'Job whose tar log to show');
    if (!t) return;
    deps.log.show(true);
    try {
      await deps.monitor.replayLog(t.job());
    } catch (err) {
      deps.log.error(`[${t.job().node}] cannot read the log of ${t.job().kind} ${t.id}: ${errorText(err)}`);
    }
  };
}

export function showProgressCommand(deps: CommandDeps) {
  return async (arg: unknown): Promise<void> => {
    const t = await resolveJob(deps, arg, false, 'Job whose progress to show');
    if (!t) return;
    deps.progress.show(t);
  };
}
