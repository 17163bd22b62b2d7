// The backup directory of a node and the archives in it, newest first; running jobs (backups
// and restores) on top.
import * as vscode from 'vscode';
import type { CatalogArchive } from '../../core/catalog/catalog';
import type { BackupArchive } from '../../core/model';
import { archiveTrust, type LastGood } from '../archiveTrust';
import { partialOfJob, runningText } from '../jobText';
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
    /** What the archives' records say; undefined when they could not be read. */
    private readonly catalog?: { archives?: CatalogArchive[]; error?: string; now: number },
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
    item.tooltip = this.error
      ? `${this.dir}: ${this.error}`
      : `Backup archives in ${this.dir} on this node${this.catalog?.error ? `\n${this.catalog.error}` : ''}`;
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
      ...archives
        .sort((a, b) => b.mtime.localeCompare(a.mtime))
        .map((a) => new ArchiveItem(this.nodeName!, a, this.catalog && { entry: this.catalog.archives?.find((c) => c.name === a.name), now: this.catalog.now })),
    ];
  }
}

export class ArchiveItem extends TreeNode {
  constructor(
    nodeName: string,
    /** Read by the archive commands (Validate Backup) given this item. */
    readonly archive: BackupArchive,
    /** Its catalog entry (none: its records could not be read) and the time its age is told from. */
    private readonly catalog?: { entry?: CatalogArchive; now: number },
  ) {
    super(nodeName);
  }

  getTreeItem(): vscode.TreeItem {
    const a = this.archive;
    const item = new vscode.TreeItem(a.name);
    item.description = [humanSize(a.size), shortDate(a.mtime), a.partial ? 'partial' : ''].filter(Boolean).join(' · ');
    item.iconPath = a.partial ? new vscode.ThemeIcon('warning', colors.warn) : new vscode.ThemeIcon('file-zip');
    item.contextValue = a.partial ? 'archive:partial' : 'archive';
    const now = this.catalog?.now ?? Date.now();
    const tip = new vscode.MarkdownString(`**${md(a.name)}**\n\n${md(humanSize(a.size))} (${a.size} bytes), ${md(shortDate(a.mtime))} (${md(ago(a.mtime, now))})  \n\`${a.path.replace(/`/g, '')}\``);
    if (a.partial) {
      tip.appendMarkdown('\n\n**Partial**: a backup still being written, or one that never finished. Do not restore from it.');
    } else if (this.catalog) {
      const t = archiveTrust(this.catalog.entry, now);
      item.iconPath = new vscode.ThemeIcon(t.mark === 'check' ? 'pass' : 'error', t.severity === 'ok' ? colors.green : t.severity === 'warn' ? colors.warn : colors.err);
      item.description += ` · ${t.short}`;
      tip.appendMarkdown(`\n\n${t.reasons.map(md).join('  \n')}`);
    }
    item.tooltip = tip;
    return item;
  }
}

/** "last good backup 3 h ago" on a node: a warning past glusterBackup.maxBackupAgeHours, or when there is none. */
export class LastGoodItem extends TreeNode {
  constructor(
    nodeName: string,
    readonly good: LastGood,
  ) {
    super(nodeName);
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.good.text);
    item.id = `node/${this.nodeName}/lastGood`;
    item.iconPath = this.good.warn ? new vscode.ThemeIcon('warning', colors.warn) : new vscode.ThemeIcon('pass', colors.green);
    item.contextValue = this.good.warn ? 'lastGood:warn' : 'lastGood';
    item.tooltip = this.good.detail;
    return item;
  }
}
