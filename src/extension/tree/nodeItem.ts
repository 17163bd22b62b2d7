// One data node: a stable object per node name, so that a status arriving for it refreshes
// only its own row (the provider fires onDidChangeTreeData with this very object).
import * as vscode from 'vscode';
import { describeTarget, type NodeConfig, type Settings } from '../../core/config';
import type { NodeStatus } from '../../core/model';
import { md, plural, shortDate, shortTime } from '../format';
import { lastGoodBackup } from '../archiveTrust';
import { BackupsItem, LastGoodItem } from './backupItems';
import { ContainerItem, StorageDriverItem } from './containerItems';
import { nodeContextValue, nodeState, type NodeWhere } from './contextValues';
import type { JobRow } from './jobItems';
import { ErrorItem, MessageItem } from './messageItems';
import { stateLook } from './stateIcons';
import { TreeNode } from './treeNode';
import { VolumeItem } from './volumeItems';

export class NodeItem extends TreeNode {
  private _status: NodeStatus | undefined;
  /** Set while an action or a user refresh runs, e.g. "stopping…". */
  private busy: string | undefined;
  /** A refresh's busy mark ends with the status; an action's only when the action returns. */
  private busyUntilStatus = false;

  constructor(
    readonly config: NodeConfig,
    private readonly settings: Settings,
    private readonly implicit: boolean,
    status: NodeStatus | undefined,
    /** The backup jobs running on this node, as the job monitor knows them. */
    private readonly jobs: (node: string) => JobRow[] = () => [],
    /** The time ages are told from (the provider's clock: tests pin it). */
    private readonly now: () => number = Date.now,
  ) {
    super(config.name);
    this._status = status;
  }

  get name(): string {
    return this.config.name;
  }

  get status(): NodeStatus | undefined {
    return this._status;
  }

  /** @returns whether the row must be redrawn. */
  setStatus(status: NodeStatus): boolean {
    const endsBusy = !!this.busy && this.busyUntilStatus;
    if (status === this._status && !endsBusy) return false;
    this._status = status;
    if (endsBusy) this.busy = undefined;
    return true;
  }

  setBusy(label: string | undefined, untilStatus = false): boolean {
    // An action in progress is not hidden by a refresh that starts meanwhile.
    if (label && this.busy && !this.busyUntilStatus && untilStatus) return false;
    if (this.busy === label) return false;
    this.busy = label;
    this.busyUntilStatus = untilStatus;
    return true;
  }

  get isBusy(): boolean {
    return !!this.busy;
  }

  private get where(): NodeWhere {
    if (this.implicit) return 'implicit';
    return this.config.host ? 'ssh' : 'local';
  }

  getTreeItem(): vscode.TreeItem {
    const s = this._status;
    const state = nodeState(s, !!this.busy);
    const look = stateLook(state, this.busy);
    const target = s?.target || describeTarget(this.config);
    // An error is the one thing to see on the node, so its row opens by itself the first time.
    const item = new vscode.TreeItem(
      this.name,
      s?.error ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = `node/${this.name}`;
    item.description = `${look.label} · ${target}`;
    item.iconPath = look.icon;
    item.contextValue = nodeContextValue(s, !!this.busy, this.where);
    item.tooltip = this.tooltip(look.label, target);
    return item;
  }

  private tooltip(stateLabel: string, target: string): vscode.MarkdownString {
    const s = this._status;
    const tip = new vscode.MarkdownString('', true);
    tip.appendMarkdown(`**${md(this.name)}**: \`${target.replace(/`/g, '')}\`${this.implicit ? ' (no nodes configured: this machine)' : ''}\n\n`);
    tip.appendMarkdown(`State: ${md(stateLabel)}`);
    if (!s) return tip;
    if (s.error) {
      tip.appendMarkdown(`\n\n$(error) ${md(s.error.message)}`);
      if (s.error.fingerprint) tip.appendMarkdown(`\n\nHost key: \`${s.error.fingerprint.replace(/`/g, '')}\``);
    }
    const c = s.container;
    if (c && c.state !== 'missing') {
      tip.appendMarkdown(`\n\nContainer \`${this.settings.containerName}\`: ${md(c.status ?? c.state)}`);
      if (c.image) tip.appendMarkdown(`  \nImage: \`${c.image.replace(/`/g, '')}\``);
    }
    if (s.storageDriver) {
      tip.appendMarkdown(`  \nStorage driver: ${md(s.storageDriver)}${s.storageDriver === 'devicemapper' ? ' $(warning) backups take three times as long or longer' : ''}`);
    }
    if (s.reachable && c?.state === 'running') {
      const bad = s.volumes.filter((v) => v.problems.length > 0).length;
      tip.appendMarkdown(`  \nVolumes: ${s.volumes.length}${bad ? `, ${bad} with problems` : ''}`);
    }
    if (s.reachable && !s.backupsError) {
      const latest = s.backups.filter((b) => !b.partial).sort((a, b) => b.mtime.localeCompare(a.mtime))[0];
      tip.appendMarkdown(`  \nBackups: ${plural(s.backups.length, 'archive')}${latest ? `, latest ${md(shortDate(latest.mtime))}` : ''}`);
      if (s.catalog) {
        const good = lastGoodBackup(s.catalog, this.now(), this.settings.maxBackupAgeHours);
        tip.appendMarkdown(`  \n${good.warn ? '$(warning) ' : ''}${md(good.text)}`);
      }
    }
    tip.appendMarkdown(`\n\nChecked at ${shortTime(s.checkedAt)}`);
    return tip;
  }

  override getChildren(): TreeNode[] {
    const s = this._status;
    const name = this.name;
    if (!s) return [new MessageItem(name, 'Checking…')];
    if (s.error) return [new ErrorItem(name, s.error, this.implicit)];
    if (!s.reachable) return [new ErrorItem(name, { kind: 'unreachable', message: 'not reachable' }, this.implicit)];

    const rows: TreeNode[] = [];
    if (s.container) rows.push(new ContainerItem(name, this.settings.containerName, s.container));
    if (s.storageDriver) rows.push(new StorageDriverItem(name, s.storageDriver));
    if (s.glusterError) rows.push(new MessageItem(name, 'Cannot read the volumes', 'warning', s.glusterError));
    else if (s.container?.state !== 'running') rows.push(new MessageItem(name, 'Volumes unknown: gluster is not running'));
    else if (s.volumesPending) rows.push(new MessageItem(name, 'Reading volume health…'));
    else if (s.volumes.length === 0) rows.push(new MessageItem(name, 'No volumes'));
    else rows.push(...s.volumes.map((v) => new VolumeItem(name, v)));
    const now = this.now();
    if (s.catalog) rows.push(new LastGoodItem(name, lastGoodBackup(s.catalog, now, this.settings.maxBackupAgeHours)));
    else if (s.catalogError && !s.backupsError) rows.push(new MessageItem(name, 'Backup state unknown', 'warning', s.catalogError));
    const catalog = s.catalog || s.catalogError ? { archives: s.catalog, keptPartials: s.keptPartials, error: s.catalogError, now } : undefined;
    rows.push(new BackupsItem(name, this.settings.backupDir, s.backups, s.backupsError, this.jobs(name), catalog));
    return rows;
  }
}
