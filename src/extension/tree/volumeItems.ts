// Gluster volumes as one node's glusterd sees them, with their problems first and then bricks.
import * as vscode from 'vscode';
import type { BrickStatus, VolumeHealth } from '../../core/model';
import { md } from '../format';
import { MessageItem } from './messageItems';
import { colors } from './stateIcons';
import { TreeNode } from './treeNode';

/** "?" when the brick status could not be read: unknown is not the same as none online. */
export function bricksOnlineText(v: VolumeHealth): string {
  return v.brickStatusUnknown ? '?' : String(v.bricksOnline);
}

export function volumeSummary(v: VolumeHealth): string {
  const parts = [v.type, v.status, `bricks ${bricksOnlineText(v)}/${v.bricks}`, `peers ${peersText(v)}`];
  const heal = healText(v);
  if (heal) parts.push(`heal ${heal}`);
  return parts.join(' · ');
}

function peersText(v: VolumeHealth): string {
  return v.peerStatusUnknown ? '?' : `${v.peersConnected}/${v.peersTotal}`;
}

/** Entries pending heal; "…" while the count is on its way, "?" when it could not be read. */
export function healText(v: VolumeHealth): string | undefined {
  if (v.healEntries !== undefined) return String(v.healEntries);
  return v.healState === 'reading' ? '…' : v.healState === 'unknown' ? '?' : undefined;
}

export class VolumeItem extends TreeNode {
  constructor(
    nodeName: string,
    private readonly volume: VolumeHealth,
  ) {
    super(nodeName);
  }

  getTreeItem(): vscode.TreeItem {
    const v = this.volume;
    const bad = v.problems.length > 0;
    const item = new vscode.TreeItem(`volume ${v.name}`, vscode.TreeItemCollapsibleState.Collapsed);
    item.description = volumeSummary(v);
    item.iconPath = bad ? new vscode.ThemeIcon('warning', colors.warn) : new vscode.ThemeIcon('database', colors.green);
    item.contextValue = bad ? 'volume:problems' : 'volume';
    const tip = new vscode.MarkdownString(`**${md(v.name)}**: ${md(v.type)}, ${md(v.status)}\n\n`);
    tip.appendMarkdown(`Bricks online: ${bricksOnlineText(v)} of ${v.bricks}  \nPeers connected: ${v.peerStatusUnknown ? 'unknown (the pool list could not be read)' : `${v.peersConnected} of ${v.peersTotal}`}`);
    if (v.healEntries !== undefined) tip.appendMarkdown(`  \nEntries waiting to heal: ${v.healEntries}${v.healEntries > 0 ? ' (the replicas differ until the self-heal daemon has copied them)' : ''}`);
    else if (v.healState === 'reading') tip.appendMarkdown('  \nEntries waiting to heal: being read');
    else if (v.healState === 'unknown') tip.appendMarkdown('  \nEntries waiting to heal: unknown (heal info did not answer)');
    if (bad) tip.appendMarkdown(`\n\n${v.problems.map((p) => `- ${md(p.text)}`).join('\n')}`);
    item.tooltip = tip;
    return item;
  }

  override getChildren(): TreeNode[] {
    return [
      ...this.volume.problems.map((p) => new MessageItem(this.nodeName, p.text, 'warning')),
      ...this.volume.brickList.map((b) => new BrickItem(this.nodeName!, b)),
    ];
  }
}

export class BrickItem extends TreeNode {
  constructor(
    nodeName: string,
    private readonly brick: BrickStatus,
  ) {
    super(nodeName);
  }

  getTreeItem(): vscode.TreeItem {
    const b = this.brick;
    const item = new vscode.TreeItem(b.name);
    const where = [b.pid !== undefined ? `pid ${b.pid}` : '', b.port !== undefined ? `port ${b.port}` : ''].filter(Boolean).join(', ');
    item.description = b.online ? `online${where ? ` (${where})` : ''}` : 'offline';
    item.iconPath = b.online ? new vscode.ThemeIcon('pass-filled', colors.green) : new vscode.ThemeIcon('circle-slash', colors.err);
    item.contextValue = b.online ? 'brick:online' : 'brick:offline';
    item.tooltip = `Brick ${b.path} on ${b.host}: ${item.description}`;
    return item;
  }
}
