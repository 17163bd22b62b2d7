// When the nodes are read. Nothing touches the network until the view is first visible; while
// it is visible, docker events and a slow poll keep it current; when hidden, both stop (the
// poll and the event watches cost SSH round trips on every node).
import * as vscode from 'vscode';
import type { ClusterApi } from '../../core/cluster';
import type { NodeStatus } from '../../core/model';
import type { ClusterSession } from '../session';
import type { NodesProvider } from './nodesProvider';
import type { TreeNode } from './treeNode';
import { errorText } from '../errorText';

/** Docker announces a change before it is readable; the Cluster refreshes by itself, this is the fallback. */
const EVENT_FALLBACK_MS = 2000;

export class ViewRefresher implements vscode.Disposable {
  private visible = false;
  private watching: ClusterApi | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private readonly eventTimers = new Map<string, NodeJS.Timeout>();
  private readonly lastStatusAt = new Map<string, number>();
  /** When the last full refresh of the current Cluster ended (0: never). */
  private lastFull = 0;
  private inflight: Promise<void> | undefined;
  private detach: (() => void) | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    view: vscode.TreeView<TreeNode>,
    private readonly session: ClusterSession,
    private readonly provider: NodesProvider,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.attach();
    this.disposables.push(
      view.onDidChangeVisibility((e) => this.setVisible(e.visible)),
      session.onDidChangeCluster(() => this.onNewCluster()),
      // A new poll interval counts from the last full refresh, as the old one did.
      session.onDidChangeDisplay(() => this.schedulePoll()),
    );
    this.setVisible(view.visible);
  }

  /** Re-reads every shown node; concurrent calls share one round. */
  refreshAll(userInitiated: boolean): Promise<void> {
    const cluster = this.session.cluster;
    const names = this.provider.nodeItems().map((n) => n.name);
    if (!cluster || names.length === 0) return Promise.resolve();
    // A poll spins nothing: a periodic flicker of every row would be noise.
    if (userInitiated) this.provider.setBusy(names, 'checking…', true);
    if (this.inflight) return this.inflight;
    this.clearPoll();
    const round = cluster
      .refreshAll()
      .then((statuses) => this.apply(cluster, statuses))
      .catch((err) => this.log.error(`refresh failed: ${errorText(err)}`))
      .finally(() => {
        if (this.session.cluster !== cluster) return;
        this.clearBusy(names);
        this.inflight = undefined;
        this.lastFull = Date.now();
        this.schedulePoll();
      });
    this.inflight = round;
    return round;
  }

  refreshNodes(names: string[], userInitiated: boolean): Promise<void> {
    const cluster = this.session.cluster;
    if (!cluster || names.length === 0) return Promise.resolve();
    if (userInitiated) this.provider.setBusy(names, 'checking…', true);
    return Promise.all(
      names.map((name) =>
        cluster
          .refreshNode(name)
          .then((s) => this.apply(cluster, [s]))
          .catch((err) => this.log.error(`[${name}] refresh failed: ${errorText(err)}`)),
      ),
    ).then(() => {
      if (this.session.cluster === cluster) this.clearBusy(names);
    });
  }

  private apply(cluster: ClusterApi, statuses: NodeStatus[]): void {
    // A round that outlived its Cluster (settings changed meanwhile) describes old settings.
    if (this.session.cluster !== cluster) return;
    for (const s of statuses) this.provider.applyStatus(s);
  }

  private clearBusy(names: string[]): void {
    // Only the marks a refresh set; an action's mark is cleared by the action.
    const stale = names.filter((n) => {
      const item = this.provider.item(n);
      return item?.isBusy && item.status !== undefined;
    });
    this.provider.setBusy(stale, undefined, true);
  }

  private setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    if (visible) this.resume();
    else this.pause();
  }

  private resume(): void {
    const cluster = this.session.cluster;
    if (!cluster) return;
    try {
      cluster.watchEvents();
      this.watching = cluster;
    } catch (err) {
      this.log.warn(`cannot watch docker events: ${errorText(err)}`);
    }
    const pollMs = this.session.settings.pollSeconds * 1000;
    const stale = this.lastFull === 0 || (pollMs > 0 && Date.now() - this.lastFull >= pollMs);
    if (stale) void this.refreshAll(false);
    else this.schedulePoll();
  }

  private pause(): void {
    this.clearPoll();
    for (const t of this.eventTimers.values()) clearTimeout(t);
    this.eventTimers.clear();
    try {
      this.watching?.unwatchEvents();
    } catch (err) {
      this.log.warn(`cannot stop watching docker events: ${errorText(err)}`);
    }
    this.watching = undefined;
  }

  private schedulePoll(): void {
    this.clearPoll();
    const pollMs = this.session.settings.pollSeconds * 1000;
    if (!this.visible || pollMs <= 0 || this.inflight) return;
    const wait = Math.max(0, this.lastFull + pollMs - Date.now());
    this.pollTimer = setTimeout(() => void this.refreshAll(false), wait);
  }

  private clearPoll(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  private attach(): void {
    const cluster = this.session.cluster;
    if (!cluster) return;
    const onEvent = (ev: { node: string; action: string }) => this.onContainerEvent(ev.node, ev.action);
    const onStatus = (s: NodeStatus) => this.lastStatusAt.set(s.name, Date.now());
    cluster.on('containerEvent', onEvent);
    cluster.on('status', onStatus);
    this.detach = () => {
      cluster.off('containerEvent', onEvent);
      cluster.off('status', onStatus);
    };
  }

  private onNewCluster(): void {
    // The old Cluster is already disposed by the session, its watches with it.
    this.detach?.();
    this.watching = undefined;
    this.clearPoll();
    for (const t of this.eventTimers.values()) clearTimeout(t);
    this.eventTimers.clear();
    this.lastStatusAt.clear();
    this.lastFull = 0;
    this.inflight = undefined;
    this.attach();
    if (this.visible) this.resume();
  }

  private onContainerEvent(node: string, action: string): void {
    this.log.debug(`[${node}] docker event: ${action}`);
    if (!this.visible) return;
    const at = Date.now();
    clearTimeout(this.eventTimers.get(node));
    this.eventTimers.set(
      node,
      setTimeout(() => {
        this.eventTimers.delete(node);
        if ((this.lastStatusAt.get(node) ?? 0) < at) void this.refreshNodes([node], false);
      }, EVENT_FALLBACK_MS),
    );
  }

  dispose(): void {
    this.pause();
    this.detach?.();
    for (const d of this.disposables) d.dispose();
  }
}
