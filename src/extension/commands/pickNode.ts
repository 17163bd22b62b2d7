// Turns a command's arguments into node names: the clicked row, the multi-selection it belongs
// to, a fix action's `{ nodeName }`, or, from the palette, a QuickPick.
import * as vscode from 'vscode';
import { describeTarget } from '../../core/config';
import { NodeItem } from '../tree/nodeItem';
import { nodeNameOf } from '../tree/treeNode';
import type { CommandDeps } from '../commandDeps';

export function namesFromArgs(arg: unknown, selection: unknown): string[] {
  const clicked = nodeNameOf(arg);
  // VS Code passes the whole selection as the second argument; it applies only if the clicked
  // row is part of it (a right-click outside the selection acts on that row alone).
  if (Array.isArray(selection) && selection.length > 1 && selection.includes(arg)) {
    const names = selection.filter((s): s is NodeItem => s instanceof NodeItem).map((s) => s.name);
    if (names.length > 0) return [...new Set(names)];
  }
  return clicked ? [clicked] : [];
}

export async function pickNode(
  deps: CommandDeps,
  arg: unknown,
  placeHolder: string,
  onlyConfigured = false,
  among?: { test: (name: string) => boolean; none: string },
): Promise<string | undefined> {
  const given = nodeNameOf(arg);
  if (given) return given;
  const shown = deps.session.shownNodes().filter((n) => !onlyConfigured || !deps.session.isImplicit(n.name));
  const nodes = among ? shown.filter((n) => among.test(n.name)) : shown;
  if (nodes.length === 0) {
    void vscode.window.showInformationMessage(shown.length && among ? among.none : 'No node is configured in the glusterBackup.nodes setting.');
    return undefined;
  }
  if (nodes.length === 1) return nodes[0].name;
  const picked = await vscode.window.showQuickPick(
    nodes.map((n) => ({ label: n.name, description: describeTarget(n) })),
    { placeHolder },
  );
  return picked?.label;
}
