// The backup directory of a node and the archives in it, newest first.
import * as vscode from 'vscode';
import type { BackupArchive } from '../../core/model';
import { ago, humanSize, md, plural, shortDate } from '../format';
import { MessageItem } from './messageItems';
import { colors } from './stateIcons';
import { TreeNode } from './treeNode';

export class BackupsItem extends TreeNode {
  constructor(
    nodeName: string,
    private readonly dir: string,
    private readonly archives: BackupArchive[],
    private readonly error: string | undefined,
  ) {
    super(nodeName);
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('backups', vscode.TreeItemCollapsibleState.Collapsed);
    const complete = this.archives.filter((a) => !a.partial).length;
    item.description = this.error ? `${this.dir}: cannot read` : `${plural(complete, 'archive')} in ${this.dir}`;
    item.iconPath = this.error ? new vscode.ThemeIcon('warning', colors.warn) : new vscode.ThemeIcon('archive');
    item.contextValue = 'backups';
    item.tooltip = this.error ? `${this.dir}: ${this.error}` : `Backup archives in ${this.dir} on this node`;
    return item;
  }

  override getChildren(): TreeNode[] {
    if (this.error) return [new MessageItem(this.nodeName, 'Cannot list the backups', 'warning', this.error)];
    if (this.archives.length === 0) return [new MessageItem(this.nodeName, 'No archives yet')];
    return [...this.archives]
      .sort((a, b) => b.mtime.localeCompare(a.mtime))
      .map((a) => new ArchiveItem(this.nodeName!, a));
  }
}

export class ArchiveItem extends TreeNode {
  constructor(
    nodeName: string,
    private readonly archive: BackupArchive,
  ) {
    super(nodeName);
  }

  getTreeItem(): vscode.TreeItem {
    const a = this.archive;
    const item = new vscode.TreeItem(a.name);
    item.description = [humanSize(a.size), shortDate(a.mtime), a.partial ? 'partial' : ''].filter(Boolean).join(' · ');
    item.iconPath = a.partial ? new vscode.ThemeIcon('warning', colors.warn) : new vscode.ThemeIcon('file-zip');
    item.contextValue = a.partial ? 'archive:partial' : 'archive';
    const tip = new vscode.MarkdownString(`**${md(a.name)}**\n\n${md(humanSize(a.size))} (${a.size} bytes), ${md(shortDate(a.mtime))} (${md(ago(a.mtime))})  \n\`${a.path.replace(/`/g, '')}\``);
    if (a.partial) {
      tip.appendMarkdown('\n\n**Partial**: a backup still being written, or one that never finished. Do not restore from it.');
    }
    item.tooltip = tip;
    return item;
  }
}
