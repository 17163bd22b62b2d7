// Rows that tell rather than show: a node's error with the actions that fix it, and plain
// notes ("no volumes", "gluster is not running").
import * as vscode from 'vscode';
import type { NodeError, NodeErrorKind } from '../../core/model';
import { Cmd } from '../commandIds';
import { md } from '../format';
import { colors } from './stateIcons';
import { TreeNode } from './treeNode';

interface Fix {
  label: string;
  icon: string;
  command: string;
}

const trust: Fix = { label: 'Trust Host Key…', icon: 'key', command: Cmd.trustHostKey };
const edit: Fix = { label: 'Edit Node', icon: 'edit', command: Cmd.editNode };
const add: Fix = { label: 'Add Node…', icon: 'add', command: Cmd.addNode };
const retry: Fix = { label: 'Retry', icon: 'refresh', command: Cmd.refresh };
const passphrase: Fix = { label: 'Enter Passphrase…', icon: 'lock', command: Cmd.refresh };
const showLog: Fix = { label: 'Show Log', icon: 'output', command: Cmd.showLog };

const titles: Record<NodeErrorKind, string> = {
  unreachable: 'Cannot connect',
  timeout: 'Timed out',
  hostKeyUnknown: 'Host key not trusted yet',
  hostKeyChanged: 'Host key changed: connection refused',
  auth: 'Authentication failed',
  passphrase: 'The SSH key needs its passphrase',
  dockerUnavailable: 'Docker does not answer',
  config: 'Invalid node settings',
  other: 'Error',
};

/** Why each kind happens and what to do, for the tooltip. */
const explanations: Record<NodeErrorKind, string> = {
  unreachable: 'The node could not be reached over SSH, or the link went silent. Check the host, port and network, then retry.',
  timeout: 'The node answered but a call missed its deadline (see the `glusterBackup.timeouts.*` settings).',
  hostKeyUnknown:
    'The node presented a host key that is not in your known_hosts file. Compare the fingerprint with the one on the node (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`) before trusting it.',
  hostKeyChanged:
    'The node presented a different host key from the one in your known_hosts file. This happens when the node was reinstalled, and also when someone is intercepting the connection. Gluster Backup never accepts a changed key: check with the node\'s administrator, then remove the old entry yourself (`ssh-keygen -R <host>`) and refresh.',
  auth: 'The node refused the SSH user or key. Check `user` and `identityFile` of this node.',
  passphrase: 'The identity file is encrypted. Choose **Enter Passphrase…** to be asked for it.',
  dockerUnavailable: 'SSH works, but the docker socket does not answer. Is docker running, and may this user use the socket (`dockerSocket`)?',
  config: 'This node\'s settings are invalid; see the log for the details.',
  other: 'See the log for the details.',
};

function fixesFor(kind: NodeErrorKind, implicit: boolean): Fix[] {
  // The implicit local node is not in settings: there is nothing to edit, but a remote node can be added.
  const settingsFix = implicit ? add : edit;
  switch (kind) {
    case 'hostKeyUnknown':
      return [trust];
    case 'hostKeyChanged':
      return [settingsFix];
    case 'passphrase':
      return [passphrase, settingsFix];
    case 'auth':
    case 'unreachable':
    case 'config':
      return [settingsFix, retry];
    case 'timeout':
    case 'dockerUnavailable':
      return [retry, settingsFix];
    case 'other':
      return [retry, showLog];
  }
}

export class ErrorItem extends TreeNode {
  constructor(
    nodeName: string,
    private readonly error: NodeError,
    private readonly implicit: boolean,
  ) {
    super(nodeName);
  }

  getTreeItem(): vscode.TreeItem {
    const { kind, message, fingerprint } = this.error;
    const item = new vscode.TreeItem(titles[kind] ?? titles.other, vscode.TreeItemCollapsibleState.Expanded);
    item.description = message;
    item.iconPath = new vscode.ThemeIcon(kind === 'hostKeyUnknown' || kind === 'passphrase' ? 'warning' : 'error', kind === 'hostKeyUnknown' || kind === 'passphrase' ? colors.warn : colors.err);
    item.contextValue = `error:${kind}`;
    const tip = new vscode.MarkdownString(`**${md(titles[kind] ?? titles.other)}**\n\n${md(message)}\n\n`);
    if (fingerprint) tip.appendMarkdown(`Fingerprint presented by the node: \`${fingerprint.replace(/`/g, '')}\`\n\n`);
    tip.appendMarkdown(explanations[kind] ?? explanations.other);
    item.tooltip = tip;
    return item;
  }

  override getChildren(): TreeNode[] {
    return fixesFor(this.error.kind, this.implicit).map((f) => new FixItem(this.nodeName!, f));
  }
}

export class FixItem extends TreeNode {
  constructor(
    nodeName: string,
    private readonly fix: Fix,
  ) {
    super(nodeName);
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.fix.label);
    item.iconPath = new vscode.ThemeIcon(this.fix.icon);
    item.contextValue = 'fix';
    item.command = { title: this.fix.label, command: this.fix.command, arguments: [{ nodeName: this.nodeName }] };
    return item;
  }
}

export type MessageTone = 'info' | 'warning' | 'error';

export class MessageItem extends TreeNode {
  constructor(
    nodeName: string | undefined,
    private readonly text: string,
    private readonly tone: MessageTone = 'info',
    private readonly detail?: string,
  ) {
    super(nodeName);
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.text);
    item.iconPath =
      this.tone === 'info'
        ? new vscode.ThemeIcon('info')
        : new vscode.ThemeIcon(this.tone, this.tone === 'warning' ? colors.warn : colors.err);
    item.contextValue = 'message';
    if (this.detail) {
      item.description = this.detail;
      item.tooltip = this.detail;
    }
    return item;
  }
}
