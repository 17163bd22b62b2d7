// Entry point. Activation only reads settings and wires objects together: no node is contacted
// until the Nodes view is visible, so activating (e.g. for a command) stays instant.
import { bundleStart } from './loadClock';
import * as vscode from 'vscode';
import { wireBackups } from './backup/wireBackups';
import { Cmd, VIEW_ID, VIEW_STATE_KEY } from './commandIds';
import { registerCommands } from './commands/registerCommands';
import { PromptingCredentials } from './credentials';
import { createLog, LOG_NAME } from './log';
import { ClusterSession } from './session';
import { openSettingsAt, SettingsProblemReporter, useManifest } from './settings';
import type { GlusterBackupTestApi } from './testApi';
import { NodesProvider } from './tree/nodesProvider';
import type { TreeNode } from './tree/treeNode';
import { ViewRefresher } from './tree/viewRefresher';
import { errorText } from './errorText';
import { pointToLog } from './errors';

// This module's body runs last in the bundle: here evaluation ends. VS Code then builds the
// extension context (storage, secrets, log folder) before it calls activate(); that wait is its
// work, not ours, and is reported apart.
const bundleEvaluated = performance.now();

export function activate(context: vscode.ExtensionContext): GlusterBackupTestApi | undefined {
  const t0 = performance.now();
  const log = createLog();
  context.subscriptions.push(log);
  try {
    useManifest(context.extension.packageJSON);
    const creds = new PromptingCredentials(context.secrets, log);
    const reporter = new SettingsProblemReporter(log, (key) => openSettingsAt(key));
    const session = new ClusterSession(log, creds, reporter);
    const provider = new NodesProvider(session);
    const view = vscode.window.createTreeView<TreeNode>(VIEW_ID, {
      treeDataProvider: provider,
      showCollapseAll: true,
      canSelectMany: true,
    });
    const refresher = new ViewRefresher(view, session, provider, log);
    const backups = wireBackups(context, { session, provider, refresher, view, log });
    // Timers, watches and job followers stop before the view goes and the connections close.
    context.subscriptions.push(
      new vscode.Disposable(() => {
        for (const d of [backups, refresher, view, provider, session]) d.dispose();
      }),
    );
    context.subscriptions.push(...registerCommands({ session, provider, refresher, creds, log, monitor: backups.monitor, progress: backups.progress }));
    const activation = { loadMs: bundleEvaluated - bundleStart, contextWaitMs: t0 - bundleEvaluated, activateMs: performance.now() - t0 };
    log.info(
      `activated in ${(activation.loadMs + activation.activateMs).toFixed(0)} ms (bundle ${activation.loadMs.toFixed(0)} ms, activate() ${activation.activateMs.toFixed(0)} ms; VS Code prepared the context meanwhile for ${activation.contextWaitMs.toFixed(0)} ms)`,
    );
    if (context.extensionMode === vscode.ExtensionMode.Test) {
      const logFile = vscode.Uri.joinPath(context.logUri, `${LOG_NAME}.log`);
      return { provider, view, session, monitor: backups.monitor, logFile, onDidExchange: backups.progress.onDidExchange, jobStatusBar: () => backups.statusBar.shown(), activation };
    }
  } catch (err) {
    // Never let activation fail: the view shows its "could not start" welcome, and every
    // command says so and points at the log instead of "command not found".
    log.error(`activation failed: ${errorText(err)}`);
    void vscode.commands.executeCommand('setContext', VIEW_STATE_KEY, 'failed');
    for (const id of Object.values(Cmd)) {
      const handler =
        id === Cmd.showLog
          ? () => log.show()
          : () => pointToLog(log, 'Gluster Backup could not start; the log says why.');
      context.subscriptions.push(vscode.commands.registerCommand(id, handler));
    }
  }
  return undefined;
}

export function deactivate(): void {
  // Everything hangs off context.subscriptions.
}
