// What every command handler may use; built once in activate. Here, above the folders of the
// commands (backup, restore, validate, catalog, commands) that all take it.
import type * as vscode from 'vscode';
import type { JobMonitor } from './backup/jobMonitor';
import type { ProgressOpener } from './backup/progressWiring';
import type { PromptingCredentials } from './credentials';
import type { ClusterSession } from './session';
import type { NodesProvider } from './tree/nodesProvider';
import type { ViewRefresher } from './tree/viewRefresher';

export interface CommandDeps {
  session: ClusterSession;
  provider: NodesProvider;
  refresher: ViewRefresher;
  creds: PromptingCredentials;
  log: vscode.LogOutputChannel;
  monitor: JobMonitor;
  progress: ProgressOpener;
}
