// Connects the job monitor to the rest of the window: tree rows, status bar, notifications,
// progress panels. Kept out of activate() so the entry point stays a list of objects.
import * as vscode from 'vscode';
import type { ClusterSession } from '../session';
import type { NodesProvider } from '../tree/nodesProvider';
import type { TreeNode } from '../tree/treeNode';
import type { ViewRefresher } from '../tree/viewRefresher';
import { createJobStatusBar, showFinalNotification, type JobStatusBar } from './jobNotifications';
import { JobMonitor } from './jobMonitor';
import { wireProgressPanels, type ProgressOpener } from './progressWiring';
import { RestoreEnds } from '../restore/restoreEnd';

export interface BackupWiring {
  monitor: JobMonitor;
  progress: ProgressOpener;
  statusBar: JobStatusBar;
  /** Stops following and removes the status bar item; call before the session goes. */
  dispose(): void;
}

export function wireBackups(
  context: vscode.ExtensionContext,
  o: { session: ClusterSession; provider: NodesProvider; refresher: ViewRefresher; view: vscode.TreeView<TreeNode>; log: vscode.LogOutputChannel },
): BackupWiring {
  const monitor = new JobMonitor(o.session, o.log);
  const restoreEnds = new RestoreEnds(o.session, o.log);
  const statusBar = createJobStatusBar(monitor);
  o.provider.setJobSource((node) => monitor.runningOn(node).map((t) => ({ job: t.job(), bytes: t.bytes, warnings: t.warnings().count })));
  const subs: vscode.Disposable[] = [
    monitor.onDidChange((node) => o.provider.jobsChanged(node)),
    monitor.onDidEnd((t) => {
      if (t.job().kind === 'restore') {
        void restoreEnds.ended(t);
        return;
      }
      showFinalNotification(o.session, t);
      // The archive appears (and the .partial goes) in the node's listing.
      void o.refresher.refreshNodes([t.job().node], false);
    }),
    statusBar,
    // Like the tree itself: the nodes are first contacted when the view shows, never at activation.
    o.view.onDidChangeVisibility((e) => {
      if (e.visible) void monitor.ensureScanned();
    }),
  ];
  if (o.view.visible) void monitor.ensureScanned();
  // The serializer must be registered during activation (panels restored after a reload).
  const progress = wireProgressPanels(context, monitor, o.log);
  return {
    monitor,
    progress,
    statusBar,
    dispose() {
      for (const s of subs) s.dispose();
      monitor.dispose();
    },
  };
}
