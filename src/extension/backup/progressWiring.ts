// The one place the job monitor meets the progress panels (src/extension/progress, written
// separately): if their API changes, only this file follows. Each TrackedJob is a
// ProgressSource, so a panel reads the monitor's follower rather than starting its own.
import * as vscode from 'vscode';
import type { JobRecord } from '../../core/backup/types';
import { registerProgressPanels } from '../progress/progressSerializer';
import type { PanelExchange, ProgressPanels } from '../progress/progressPanel';
import type { ProgressSource } from '../progress/progressSource';
import { Cmd } from '../commandIds';
import { archiveArgOf } from '../commands/archiveArg';
import { jobKey } from '../jobText';
import type { JobMonitor } from './jobMonitor';
import type { TrackedJob } from './trackedJob';

/** What showProgress needs: open (or reveal) the panel of a job. */
export interface ProgressOpener {
  show(t: TrackedJob): void;
  /** A run this window follows itself (Validate with Read Data), in the same kind of panel. */
  showRun(source: ProgressSource): void;
  readonly onDidExchange: vscode.Event<PanelExchange>;
}

export function wireProgressPanels(context: vscode.ExtensionContext, monitor: JobMonitor, log: vscode.LogOutputChannel): ProgressOpener {
  const panels: ProgressPanels = registerProgressPanels(
    context,
    {
      actions: {
        // The panel has confirmed already: cancel without asking again.
        cancel: async (job: JobRecord) => {
          const final = await monitor.cancel(job);
          log.info(`[${job.node}] ${job.kind} ${job.id}: ${final.state} after the cancel from its progress panel`);
        },
        openLog: async (job: JobRecord) => {
          await vscode.commands.executeCommand(Cmd.showBackupLog, jobKey(job));
        },
        revealArchive: async (job: JobRecord) => {
          // The archive is on the node's host, not on this machine: name it, copy its path.
          await vscode.env.clipboard.writeText(job.archive);
          void vscode.window.showInformationMessage(`The archive is ${job.archive} on ${job.node} (path copied to the clipboard).`);
          await vscode.commands.executeCommand('glusterBackup.nodes.focus');
        },
        validate: async (job: JobRecord) => {
          await vscode.commands.executeCommand(Cmd.validateBackup, archiveArgOf(job));
        },
      },
      // A panel restored after a reload: find its job on the nodes again and follow it.
      reattach: async (job: JobRecord): Promise<ProgressSource | undefined> => {
        const jobs = monitor.jobsApi();
        if (!jobs) return undefined;
        const known = monitor.get(jobKey(job));
        if (known) return known;
        // The saved record names its node: look there, not for the first job of that name.
        const found = await jobs.observe(job).catch(() => undefined);
        return found ? monitor.track(found, false) : undefined;
      },
    },
    log,
  );
  // A panel left open across a settings change (or restored before the scan found its job)
  // picks up the new follower of its job.
  context.subscriptions.push(monitor.onDidTrack((t) => panels.connect(t)));
  return {
    show: (t) => panels.show(t),
    showRun: (source) => panels.show(source, { preserveFocus: true }),
    onDidExchange: panels.onDidExchange,
  };
}
