// What activate() returns when VS Code runs the extension under its test runner
// (ExtensionMode.Test) and nothing otherwise: the live objects behind the view, so the
// extension-host suites read the tree exactly as VS Code does, and the real panel traffic.
import type * as vscode from 'vscode';
import type { JobMonitor } from './backup/jobMonitor';
import type { PanelExchange } from './progress/progressPanel';
import type { ClusterSession } from './session';
import type { NodesProvider } from './tree/nodesProvider';
import type { TreeNode } from './tree/treeNode';

export interface GlusterBackupTestApi {
  provider: NodesProvider;
  view: vscode.TreeView<TreeNode>;
  session: ClusterSession;
  monitor: JobMonitor;
  /** The file VS Code writes the "Gluster Backup" output channel to. */
  logFile: vscode.Uri;
  onDidExchange: vscode.Event<PanelExchange>;
  /** The job status bar item's text, undefined while it is hidden. */
  jobStatusBar(): string | undefined;
  /** Activation in ms: bundle evaluation and activate() (ours), and VS Code's context preparation between them. */
  activation: { loadMs: number; contextWaitMs: number; activateMs: number };
}
