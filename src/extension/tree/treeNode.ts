// Every row of the Nodes view is a TreeNode: it builds its own TreeItem and children, so the
// provider stays a thin adapter and each kind of row lives with its own presentation.
import type * as vscode from 'vscode';

export abstract class TreeNode {
  /**
   * @param nodeName the data node this row belongs to: commands invoked on any row (inline
   * buttons, fix actions) use it to know which node to act on.
   */
  constructor(readonly nodeName?: string) {}

  abstract getTreeItem(): vscode.TreeItem;

  getChildren(): TreeNode[] {
    return [];
  }
}

/** What commands accept as their argument: a row, or the `{ nodeName }` a fix action passes. */
export function nodeNameOf(arg: unknown): string | undefined {
  if (typeof arg === 'object' && arg !== null && 'nodeName' in arg) {
    const n = (arg as { nodeName?: unknown }).nodeName;
    if (typeof n === 'string') return n;
  }
  return undefined;
}
