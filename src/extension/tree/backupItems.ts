// The backup directory of a node and the archives in it, newest first; running jobs (backups
// and restores) on top.
import * as vscode from 'vscode';
import type { CatalogArchive } from '../../core/catalog/catalog';
import type { CatalogKeptPartial } from '../../core/catalog/keptPartials';
import type { BackupArchive } from '../../core/model';
import type { LastGood } from '../archiveTrust';
import { partialOfJob, runningText } from '../jobText';
import { plural } from '../format';
import { archiveRow, type ArchiveRowCatalog } from './archiveRow';
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
    private readonly catalog?: { archives?: CatalogArchive[]; keptPartials?: CatalogKeptPartial[]; error?: string; now: number },
  ) {
    super(nodeName);
  }

  getTreeItem(): vscode.TreeItem {
    // Expanded while a job runs, so its progress row is in sight; the id keeps the user's choice.
    const item = new vscode.TreeItem('backups', this.jobs.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `node/${this.nodeName}/backups`;
    const complete = this.archives.filter((a) => !a.partial).length;
    const running = this.jobs.length ? ` · ${runningText(this.jobs.map((r) => r.job.kind))}` : '';
    // Kept partials are archives too, but only by their job's word: told apart, and only when there are some.
    const kept = this.catalog?.keptPartials?.length ? ` · ${plural(this.catalog.keptPartials.length, 'kept partial')} to publish` : '';
    item.description = (this.error ? `${this.dir}: cannot read` : `${plural(complete, 'archive')} in ${this.dir}${kept}`) + running;
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
        .map((a) => new ArchiveItem(this.nodeName!, a, this.catalog && { ...this.catalogOf(a), now: this.catalog.now })),
    ];
  }

  /** The catalog's rows of this archive: its entry, or, for a partial, the kept archive it is. */
  private catalogOf(a: BackupArchive): ArchiveRowCatalog {
    const entry = this.catalog?.archives?.find((c) => c.name === a.name);
    const kept = a.partial ? this.catalog?.keptPartials?.find((k) => k.name === a.name) : undefined;
    return { ...(entry ? { entry } : {}), ...(kept ? { kept } : {}) };
  }
}

export class ArchiveItem extends TreeNode {
  constructor(
    nodeName: string,
    /** Read by the archive commands (Validate Backup) given this item. */
    readonly archive: BackupArchive,
    /** What the catalog says of it, and the time its age is told from. */
    private readonly catalog?: ArchiveRowCatalog & { now: number },
  ) {
    super(nodeName);
  }

  getTreeItem(): vscode.TreeItem {
    const look = archiveRow(this.archive, this.catalog?.now ?? Date.now(), this.catalog);
    const item = new vscode.TreeItem(this.archive.name);
    item.description = look.description;
    item.iconPath = new vscode.ThemeIcon(look.icon.id, look.icon.color && colors[look.icon.color]);
    item.contextValue = look.contextValue;
    item.tooltip = new vscode.MarkdownString(look.tooltip);
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
