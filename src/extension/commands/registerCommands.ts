// Binds every command id to its handler. Handlers never throw into VS Code: a failure is
// logged and shown, the extension keeps running.
import * as vscode from 'vscode';
import { backupCommand } from '../backup/backupCommand';
import { cancelBackupCommand, showBackupLogCommand, showProgressCommand } from '../backup/jobCommands';
import { Cmd, type CommandId } from '../commandIds';
import { nodeNameOf } from '../tree/treeNode';
import type { CommandDeps } from '../commandDeps';
import { allAction, itemAction } from './containerCommands';
import { trustHostKey } from './hostKeyCommands';
import { addNode, addPoolNodes, editNode, importSshHosts, removeNode } from './nodeSettingsCommands';
import { pruneBackupsCommand } from '../catalog/pruneCommand';
import { publishKeptCommand } from '../catalog/publishKeptCommand';
import { ReportDocuments } from '../validate/reportDocuments';
import { validateBackupCommand } from '../validate/validateCommand';
import { restoreCommand } from '../restore/restoreCommand';
import { showError } from '../errors';

type Handler = (...args: unknown[]) => unknown;

export function registerCommands(deps: CommandDeps): vscode.Disposable[] {
  const refresh = async (arg: unknown): Promise<void> => {
    // An explicit refresh is the user asking to be prompted again for a dismissed passphrase.
    deps.creds.allowPromptsAgain();
    const name = nodeNameOf(arg);
    // The jobs too: one another client started since the last look, or one a look missed
    // (its node did not answer then), is found and followed. Not waited for: a node that does
    // not answer holds a listing for its whole deadline, and the tree's refresh must not.
    void deps.monitor.scan();
    if (name) await deps.refresher.refreshNodes([name], true);
    else await deps.refresher.refreshAll(true);
  };

  const reports = new ReportDocuments();
  const handlers: Record<CommandId, Handler> = {
    [Cmd.refresh]: refresh,
    [Cmd.startAll]: allAction(deps, 'start'),
    [Cmd.stopAll]: allAction(deps, 'stop'),
    [Cmd.restartAll]: allAction(deps, 'restart'),
    [Cmd.start]: itemAction(deps, 'start'),
    [Cmd.stop]: itemAction(deps, 'stop'),
    [Cmd.restart]: itemAction(deps, 'restart'),
    [Cmd.addNode]: addNode(deps),
    [Cmd.importSshHosts]: importSshHosts(deps),
    [Cmd.addPoolNodes]: addPoolNodes(deps),
    [Cmd.removeNode]: removeNode(deps),
    [Cmd.editNode]: editNode(deps),
    [Cmd.trustHostKey]: trustHostKey(deps),
    [Cmd.showLog]: () => deps.log.show(),
    [Cmd.backup]: backupCommand(deps),
    [Cmd.cancelBackup]: cancelBackupCommand(deps),
    [Cmd.showBackupLog]: showBackupLogCommand(deps),
    [Cmd.showProgress]: showProgressCommand(deps),
    [Cmd.validateBackup]: validateBackupCommand(deps, reports),
    [Cmd.validateReadData]: validateBackupCommand(deps, reports, true),
    [Cmd.restore]: restoreCommand(deps),
    [Cmd.pruneBackups]: pruneBackupsCommand(deps, reports),
    [Cmd.publishKept]: publishKeptCommand(deps),
  };

  const registered = Object.entries(handlers).map(([id, fn]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        showError(deps.log, 'Gluster Backup', err, id);
      }
    }),
  );
  return [reports, ...registered];
}
