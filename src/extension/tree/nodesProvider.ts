// Adapts the session's Cluster to the tree: one NodeItem per shown node, created as soon as the
// settings are read (state "checking…"), each redrawn alone when its status arrives.
import * as vscode from 'vscode';
import type { NodeStatus } from '../../core/model';
import { VIEW_STATE_KEY, type ViewState } from '../commandIds';
import type { ClusterSession } from '../session';
import type { JobRow } from './jobItems';
import { NodeItem } from './nodeItem';
import type { TreeNode } from './treeNode';

export class NodesProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private items = new Map<string, NodeItem>();
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined | void>();
  private detach: (() => void) | undefined;
  private readonly sub: vscode.Disposable;
  /** Set by the job monitor's wiring; until then no node has a job row. */
  private jobsOf: (node: string) => JobRow[] = () => [];
  /** What "3 h ago" is told from; the extension-host tests pin it. */
  clock: () => number = Date.now;

  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly session: ClusterSession) {
    this.reset();
    // Node rows read the settings they were made with (the age a backup is warned at): made again.
    this.sub = vscode.Disposable.from(
      session.onDidChangeCluster(() => this.reset()),
      session.onDidChangeDisplay(() => this.reset()),
    );
  }

  /** What the welcome content is chosen by (the view's context key). */
  viewState: ViewState = 'checking';

  private reset(): void {
    this.detach?.();
    this.detach = undefined;
    const { session } = this;
    const cluster = session.cluster;
    this.items = new Map(
      session
        .shownNodes()
        .map((n) => [n.name, new NodeItem(n, session.settings, session.isImplicit(n.name), cluster?.status(n.name), (name) => this.jobsOf(name), () => this.clock())]),
    );
    if (cluster) {
      const onStatus = (s: NodeStatus) => this.applyStatus(s);
      cluster.on('status', onStatus);
      this.detach = () => cluster.off('status', onStatus);
    }
    const state: ViewState = !cluster ? 'failed' : session.allNodesInvalid ? 'invalidNodes' : this.items.size === 0 ? (session.probing ? 'checking' : 'empty') : 'ready';
    this.viewState = state;
    void vscode.commands.executeCommand('setContext', VIEW_STATE_KEY, state);
    this.changed.fire();
  }

  applyStatus(s: NodeStatus): void {
    const item = this.items.get(s.name);
    if (item?.setStatus(s)) this.changed.fire(item);
  }

  setJobSource(jobsOf: (node: string) => JobRow[]): void {
    this.jobsOf = jobsOf;
  }

  /** Redraws a node (its backups row rebuilds with the jobs); '' redraws every node. */
  jobsChanged(node: string): void {
    const items = node ? [this.items.get(node)] : [...this.items.values()];
    for (const item of items) if (item) this.changed.fire(item);
  }

  setBusy(names: string[], label: string | undefined, untilStatus = false): void {
    for (const name of names) {
      const item = this.items.get(name);
      if (item?.setBusy(label, untilStatus)) this.changed.fire(item);
    }
  }

  nodeItems(): NodeItem[] {
    return [...this.items.values()];
  }

  item(name: string): NodeItem | undefined {
    return this.items.get(name);
  }

  getTreeItem(element: TreeNode): vscode.TreeItem {
    return element.getTreeItem();
  }

  getChildren(element?: TreeNode): TreeNode[] {
    if (element) return element.getChildren();
    return this.session.cluster ? this.nodeItems() : [];
  }

  dispose(): void {
    this.detach?.();
    this.sub.dispose();
    this.changed.dispose();
  }
}
