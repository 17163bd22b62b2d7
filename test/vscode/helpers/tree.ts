// Reads the Nodes view through its TreeDataProvider, exactly the calls VS Code makes to draw it.
import * as vscode from 'vscode';
import type { GlusterBackupTestApi } from '../../../src/extension/testApi';
import type { TreeNode } from '../../../src/extension/tree/treeNode';
import { eventually } from './extension';

export interface Row {
  label: string;
  description: string;
  contextValue: string;
  node: TreeNode;
  item: vscode.TreeItem;
}

function labelOf(item: vscode.TreeItem): string {
  const l = item.label;
  return typeof l === 'string' ? l : (l?.label ?? '');
}

export async function rows(api: GlusterBackupTestApi, parent?: TreeNode): Promise<Row[]> {
  const children = (await api.provider.getChildren(parent)) ?? [];
  return Promise.all(
    children.map(async (node) => {
      const item = await api.provider.getTreeItem(node);
      return { label: labelOf(item), description: String(item.description ?? ''), contextValue: item.contextValue ?? '', node, item };
    }),
  );
}

export async function nodeRow(api: GlusterBackupTestApi, name: string): Promise<Row> {
  const hit = (await rows(api)).find((r) => r.label === name);
  if (!hit) throw new Error(`no row for node ${name}`);
  return hit;
}

/** The state part of a node row's contextValue: running, exited, unreachable, busy, … */
export async function states(api: GlusterBackupTestApi): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of await rows(api)) out[r.label] = r.contextValue.split(':')[1] ?? '?';
  return out;
}

export async function waitForStates(api: GlusterBackupTestApi, want: Record<string, string>, ms = 60_000): Promise<void> {
  await eventually(`node states ${JSON.stringify(want)}`, ms, async () => {
    const now = await states(api);
    if (!Object.entries(want).every(([n, s]) => now[n] === s)) throw new Error(`the view shows ${JSON.stringify(now)}`);
    return now;
  });
}

/** The child rows of a node row (container, storage driver, volumes, backups). */
export async function childRows(api: GlusterBackupTestApi, name: string, ...path: RegExp[]): Promise<Row[]> {
  let parent = (await nodeRow(api, name)).node;
  for (const step of path) {
    const hit = (await rows(api, parent)).find((r) => step.test(r.label));
    if (!hit) throw new Error(`under ${name}: no row matching ${step}`);
    parent = hit.node;
  }
  return rows(api, parent);
}

/** A row's codicon and its colour, `id/colour-id`: what the operator sees of its icon. */
export const iconOf = (r: Row) => (r.item.iconPath instanceof vscode.ThemeIcon ? `${r.item.iconPath.id}/${(r.item.iconPath.color as { id?: string } | undefined)?.id ?? ''}` : '');
export const tooltipOf = (r: Row) => (r.item.tooltip instanceof vscode.MarkdownString ? r.item.tooltip.value : String(r.item.tooltip ?? ''));
/** Markdown escapes as md() writes them, undone for matching. */
export const plain = (s: string) => s.replace(/\\(.)/g, '$1');
