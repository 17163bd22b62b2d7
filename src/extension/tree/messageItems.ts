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
const trustHop: Fix = { ...trust, label: 'Trust Jump Host Key…' };
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

/** A jump host's key on the way to the node: the row says whose key it is. */
const hopTitles: Partial<Record<NodeErrorKind, string>> = {
  hostKeyUnknown: 'Jump host key not trusted yet',
  hostKeyChanged: 'Jump host key changed: connection refused',
};

const hopExplanations: Partial<Record<NodeErrorKind, string>> = {
  hostKeyUnknown:
    'A jump host on the way to this node presented a host key that is not in your known_hosts file (the node itself is not reached yet). Compare the fingerprint with the one on that jump host (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`) before trusting it; it is written under the jump host\'s name.',
  hostKeyChanged:
    'A jump host on the way to this node presented a different host key from the one in your known_hosts file. Gluster Backup never accepts a changed key: check with that host\'s administrator, then remove the old entry yourself (`ssh-keygen -R <jump host>`) and refresh.',
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

function fixesFor(kind: NodeErrorKind, implicit: boolean, hop: boolean): Fix[] {
  // The implicit local node is not in settings: there is nothing to edit, but a remote node can be added.
  const settingsFix = implicit ? add : edit;
  switch (kind) {
    case 'hostKeyUnknown':
      return [hop ? trustHop : trust];
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
    const { kind, message, fingerprint, hop } = this.error;
    const title = (hop ? hopTitles[kind] : undefined) ?? titles[kind] ?? titles.other;
    const item = new vscode.TreeItem(title, vscode.TreeItemCollapsibleState.Expanded);
    item.description = message;
    item.iconPath = new vscode.ThemeIcon(kind === 'hostKeyUnknown' || kind === 'passphrase' ? 'warning' : 'error', kind === 'hostKeyUnknown' || kind === 'passphrase' ? colors.warn : colors.err);
    item.contextValue = `error:${kind}`;
    const tip = new vscode.MarkdownString(`**${md(title)}**\n\n${md(message)}\n\n`);
    if (fingerprint) tip.appendMarkdown(`Fingerprint presented by ${hop ? `the jump host ${md(hop)}` : 'the node'}: \`${fingerprint.replace(/`/g, '')}\`\n\n`);
    tip.appendMarkdown((hop ? hopExplanations[kind] : undefined) ?? explanations[kind] ?? explanations.other);
    item.tooltip = tip;
    return item;
  }

  override getChildren(): TreeNode[] {
    return fixesFor(this.error.kind, this.implicit, this.error.hop !== undefined).map((f) => new FixItem(this.nodeName!, f));
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
