// The gluster container of a node and the docker storage driver under it.
import * as vscode from 'vscode';
import type { ContainerInfo } from '../../core/model';
import { ago, md, shortDate } from '../format';
import { colors, stateLook } from './stateIcons';
import { TreeNode } from './treeNode';

export class ContainerItem extends TreeNode {
  constructor(
    nodeName: string,
    private readonly containerName: string,
    private readonly info: ContainerInfo,
  ) {
    super(nodeName);
  }

  getTreeItem(): vscode.TreeItem {
    const { state, status, image } = this.info;
    const look = stateLook(state);
    const missing = state === 'missing';
    const item = new vscode.TreeItem(
      `container ${this.containerName}`,
      missing ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.description = missing ? `not found on this node` : [status ?? state, image].filter(Boolean).join(' · ');
    item.iconPath = look.icon;
    item.contextValue = 'container';
    const tip = new vscode.MarkdownString(`**${md(this.containerName)}**: ${md(look.label)}`);
    if (status) tip.appendMarkdown(`\n\n${md(status)}`);
    if (image) tip.appendMarkdown(`\n\nImage: \`${image.replace(/`/g, '')}\``);
    item.tooltip = tip;
    return item;
  }

  override getChildren(): TreeNode[] {
    const { image, status, since, id, state } = this.info;
    const rows: Array<[string, string | undefined]> = [
      ['image', image],
      ['status', status ?? state],
      [state === 'running' ? 'started' : 'since', since ? `${shortDate(since)} (${ago(since)})` : undefined],
      ['id', id?.slice(0, 12)],
    ];
    return rows.filter((r): r is [string, string] => !!r[1]).map(([k, v]) => new DetailItem(this.nodeName, k, v));
  }
}

export class StorageDriverItem extends TreeNode {
  constructor(
    nodeName: string,
    private readonly driver: string,
  ) {
    super(nodeName);
  }

  getTreeItem(): vscode.TreeItem {
    const slow = this.driver === 'devicemapper';
    const item = new vscode.TreeItem('storage driver');
    item.description = slow ? `${this.driver}: slow backups` : this.driver;
    item.contextValue = slow ? 'storageDriver:devicemapper' : 'storageDriver';
    item.iconPath = slow ? new vscode.ThemeIcon('warning', colors.warn) : new vscode.ThemeIcon('database');
    item.tooltip = slow
      ? new vscode.MarkdownString(
          'Docker on this node uses the **devicemapper** storage driver. As the DataRobot backup procedure warns, backups take three times as long or longer with it than with `overlay2`: plan the maintenance window for that.',
        )
      : `Docker storage driver: ${this.driver}`;
    return item;
  }
}

/** A `key value` line under an item. */
export class DetailItem extends TreeNode {
  constructor(
    nodeName: string | undefined,
    private readonly key: string,
    private readonly value: string,
  ) {
    super(nodeName);
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.key);
    item.description = this.value;
    item.tooltip = `${this.key}: ${this.value}`;
    item.contextValue = 'detail';
    return item;
  }
}
