// The backup directory of a node and the archives in it, newest first; running jobs (backups
// and restores) on top.
import * as vscode from 'vscode';
import type { BackupArchive } from '../../core/model';
import { partialOfJob, runningText } from '../backup/jobText';
import { ago, humanSize, md, plural, shortDate } from '../format';
import { JobItem, type JobRow } from './jobItems';
import { MessageItem } from './messageItems';
import { colors } from './stateIcons';
import { TreeNode } from './treeNode';

export class BackupsItem extends TreeNode {
  constructor(
    nodeName: string,
    private readonly dir: string,
    private readonly archives: BackupArchive[],
    private readonly error: string | undefined,
    private readonly jobs: JobRow[] = [],
  ) {
    super(nodeName);
  }

  getTreeItem(): vscode.TreeItem {
    // Expanded while a job runs, so its progress row is in sight; the id keeps the user's choice.
    const item = new vscode.TreeItem('backups', this.jobs.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `node/${this.nodeName}/backups`;
    const complete = this.archives.filter((a) => !a.partial).length;
    const running = this.jobs.length ? ` · ${runningText(this.jobs.map((r) => r.job.kind))}` : '';
    item.description = (this.error ? `${this.dir}: cannot read` : `${plural(complete, 'archive')} in ${this.dir}`) + running;
    item.iconPath = this.error ? new vscode.ThemeIcon('warning', colors.warn) : new vscode.ThemeIcon('archive');
    item.contextValue = 'backups';
    item.tooltip = this.error ? `${this.dir}: ${this.error}` : `Backup archives in ${this.dir} on this node`;
    return item;
  }

  override getChildren(): TreeNode[] {
    const jobs = this.jobs.map((r) => new JobItem(this.nodeName!, r));
    if (this.error) return [...jobs, new MessageItem(this.nodeName, 'Cannot list the backups', 'warning', this.error)];
    // A running job's .partial is shown as its job row, not as a bare partial archive.
    const records = this.jobs.map((r) => r.job);
    const archives = this.archives.filter((a) => !a.partial || !partialOfJob(a.path, records));
    if (archives.length === 0 && jobs.length === 0) return [new MessageItem(this.nodeName, 'No archives yet')];
    return [
      ...jobs,
      ...archives.sort((a, b) => b.mtime.localeCompare(a.mtime)).map((a) => new ArchiveItem(this.nodeName!, a)),
    ];
  }
}

export class ArchiveItem extends TreeNode {
  constructor(
    nodeName: string,
    /** Read by the archive commands (Validate Backup) given this item. */
    readonly archive: BackupArchive,
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
