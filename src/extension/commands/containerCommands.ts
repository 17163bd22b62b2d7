// Start/stop/restart of the gluster container: on the selected rows, or on every shown node.
import * as vscode from 'vscode';
import type { ActionResult, ContainerAction } from '../../core/model';
import { plural } from '../format';
import type { CommandDeps } from '../commandDeps';
import { namesFromArgs, pickNode } from './pickNode';
import { showError, showNotRunning } from '../errors';

const words: Record<ContainerAction, { doing: string; done: string; verb: string }> = {
  start: { doing: 'starting…', done: 'Started', verb: 'Starting' },
  stop: { doing: 'stopping…', done: 'Stopped', verb: 'Stopping' },
  restart: { doing: 'restarting…', done: 'Restarted', verb: 'Restarting' },
};

/** Runs the action with the rows marked busy; the Cluster logs one line per node and refreshes it. */
async function runAction(deps: CommandDeps, action: ContainerAction, names: string[]): Promise<ActionResult[] | undefined> {
  const cluster = deps.session.cluster;
  if (!cluster) {
    showNotRunning(deps.log, deps.session.failure);
    return undefined;
  }
  deps.provider.setBusy(names, words[action].doing);
  try {
    return await cluster.act(action, names);
  } catch (err) {
    showError(deps.log, `Could not ${action} gluster`, err, names.join(', '));
    return undefined;
  } finally {
    deps.provider.setBusy(names, undefined);
  }
}

function summarize(deps: CommandDeps, action: ContainerAction, results: ActionResult[]): void {
  const ok = results.filter((r) => r.ok);
  const failed = results.filter((r) => !r.ok);
  const head = `${words[action].done} gluster on ${ok.length} of ${plural(results.length, 'node')}`;
  if (failed.length === 0) {
    void vscode.window.showInformationMessage(head);
    return;
  }
  const why = failed.map((r) => `${r.node}: ${r.message}`).join('; ');
  void vscode.window.showWarningMessage(`${head}. Failed: ${why}`, 'Show Log').then((c) => c && deps.log.show(true));
}

/** On one or a few rows the result shows in the tree; only a failure interrupts. */
export function itemAction(deps: CommandDeps, action: ContainerAction) {
  return async (arg: unknown, selection: unknown): Promise<void> => {
    let names = namesFromArgs(arg, selection);
    if (names.length === 0) {
      // From the palette: which node (the All Nodes commands are the palette's way to act on every one).
      const picked = await pickNode(deps, undefined, `Node to ${action} gluster on`);
      if (!picked) return;
      names = [picked];
    }
    // Several rows selected: as much of the filesystem as the All Nodes commands take away.
    if (names.length > 1 && !(await confirmed(action, names))) return;
    const results = await runAction(deps, action, names);
    if (!results) return;
    const failed = results.filter((r) => !r.ok);
    if (failed.length === 0) {
      vscode.window.setStatusBarMessage(`$(check) ${words[action].done} gluster on ${names.join(', ')}`, 5000);
    } else {
      summarize(deps, action, results);
    }
  };
}

/** Stopping or restarting every node takes the gluster filesystem away (for good, or a while): asked first. */
const allConfirm: Partial<Record<ContainerAction, { verb: string; yes: string; detail: string }>> = {
  stop: { verb: 'Stop', yes: 'Stop Gluster', detail: 'Clients of the gluster volumes lose access until it is started again.' },
  restart: { verb: 'Restart', yes: 'Restart Gluster', detail: 'Every node restarts at once: clients of the gluster volumes lose access until the bricks are back online.' },
};

/** True when the action needs no question (start), or the operator said yes to it. */
async function confirmed(action: ContainerAction, names: string[]): Promise<boolean> {
  const confirm = allConfirm[action];
  if (!confirm) return true;
  const choice = await vscode.window.showWarningMessage(
    `${confirm.verb} gluster on ${plural(names.length, 'node')}: ${names.join(', ')}?`,
    { modal: true, detail: confirm.detail },
    confirm.yes,
  );
  return choice === confirm.yes;
}

export function allAction(deps: CommandDeps, action: ContainerAction) {
  return async (): Promise<void> => {
    const names = deps.session.shownNodes().map((n) => n.name);
    if (names.length === 0) {
      void vscode.window.showInformationMessage('There is no node to act on.');
      return;
    }
    if (!(await confirmed(action, names))) return;
    const results = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `${words[action].verb} gluster on ${plural(names.length, 'node')}…` },
      () => runAction(deps, action, names),
    );
    if (results) summarize(deps, action, results);
  };
}
