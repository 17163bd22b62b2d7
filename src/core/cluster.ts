// The facade the extension and the CLI talk to: one object per set of settings that owns the
// node connections, probes nodes in parallel (one hung node never delays another), runs
// container actions and emits typed events (ClusterEvents: status, containerEvent, log) when
// something changed.
import { EventEmitter } from 'events';
import type { NodeConfig, Settings } from './config';
import { LOCAL_NODE, effectiveNodes } from './config';
import { DeadlineError, withDeadline } from './node/deadline';
import type { ActionResult, ApprovedHostKey, ContainerAction, ContainerInfo, NodeStatus } from './model';
import type { NodeConnection } from './node/nodeConnection';
import { LocalConnection } from './node/nodeConnection';
import { runContainerAction } from './node/containerActions';
import { lookAtNode, probeNode, type NodeLook } from './node/probe';
import { loggedReason, toNodeError } from './node/nodeErrors';
import type { GlusterShell } from './gluster/glusterShell';
import { GlusterMissing } from './gluster/errors';
import { glusterShellFor, HealReads, knownVolumesOf, readPeers, readSharedVolumeState, stagedVolumeHealth, type KnownVolumes, type SharedVolumeState } from './gluster/volumeProbe';
import type { GlusterVolumeInfo } from './gluster/types';
import type Docker from 'dockerode';

/** What work still running once the cluster is disposed meets, instead of a connection. */
const CLUSTER_CLOSED = 'the cluster was closed';

/** A refresh of one node as its callers wait on it: whole, or as soon as its volume rows are read. */
interface Refresh {
  result: Promise<NodeStatus>;
  /**
   * The status once gluster has given the volume rows, their heal summaries perhaps still
   * 'reading' (the slowest question: a one-shot CLI and glfsheal per volume); the result itself
   * when it never had such a stage.
   */
  rows: Promise<NodeStatus>;
}

/** A running probe of one node: done with its snapshot (container, archives) or still on it. */
interface Probe extends Refresh {
  pastSnapshot: boolean;
  /** Settles once the container and archives are read (or the probe ended without them). */
  snapshot: Promise<void>;
}

/** One refresh of several nodes: what they can share is read once per round. */
interface RefreshRound {
  shared?: Promise<SharedVolumeState>;
}
import { watchContainerEvents, type EventWatch } from './docker/events';
import { createRemoteConnection, trustPresentedKey, type CredentialProvider } from './node/remoteConnection';
import { keyFingerprint } from './ssh/knownHosts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export interface LogLine {
  level: LogLevel;
  node?: string;
  message: string;
}

export interface ClusterEvents {
  /** A node's status was (re)read. */
  status: [NodeStatus];
  /** Docker reported an event for the container on a node: a refresh of it is on its way. */
  containerEvent: [{ node: string; action: string }];
  log: [LogLine];
}

export interface ClusterApi {
  readonly settings: Settings;
  nodes(): NodeConfig[];
  /** Last known status of a node (undefined until first probed). */
  status(name: string): NodeStatus | undefined;
  refreshAll(): Promise<NodeStatus[]>;
  refreshNode(name: string): Promise<NodeStatus>;
  /** Start/stop/restart the gluster container on the named nodes (all when omitted), in parallel. */
  act(action: ContainerAction, names?: string[]): Promise<ActionResult[]>;
  /** Subscribe to docker events on every reachable node; idempotent. */
  watchEvents(): void;
  unwatchEvents(): void;
  /**
   * Appends the approved key (the one the operator saw the fingerprint of) to known_hosts, under
   * the name of the host that presented it (the node, or a jump host on the way), and only that:
   * refused when the node's connection now waits on another key or another host.
   */
  trustHostKey(name: string, approved: ApprovedHostKey): Promise<void>;
  dispose(): void;
  on<K extends keyof ClusterEvents>(ev: K, fn: (...a: ClusterEvents[K]) => void): this;
  off<K extends keyof ClusterEvents>(ev: K, fn: (...a: ClusterEvents[K]) => void): this;
}

export class Cluster extends EventEmitter<ClusterEvents> implements ClusterApi {
  private readonly conns = new Map<string, NodeConnection>();
  private readonly statuses = new Map<string, NodeStatus>();
  /** Per node, its newest probe (older ones may still be waiting on gluster, unheard). */
  private readonly inflight = new Map<string, Probe>();
  private readonly queued = new Map<string, Refresh>();
  private readonly watches = new Map<string, EventWatch>();
  /** Per node, the gluster prompt its refreshes type at, tied to the docker client it runs on. */
  private readonly shells = new Map<string, { docker: Docker; container: string; shell: GlusterShell }>();
  /** Per node, the heal reads still running there (at most one per volume). */
  private readonly heals = new Map<string, HealReads>();
  private watching = false;
  private knownVolumes: KnownVolumes = { names: [], healing: [] };
  private volumeInfos = new Map<string, GlusterVolumeInfo>();

  private disposed = false;

  constructor(
    readonly settings: Settings,
    private readonly creds: CredentialProvider = {},
    /** The node shown when none is configured (default: the local docker socket); null: none. */
    private readonly implicitLocal: NodeConfig | null = LOCAL_NODE,
  ) {
    super();
  }

  nodes(): NodeConfig[] {
    return effectiveNodes(this.settings, this.implicitLocal);
  }

  status(name: string): NodeStatus | undefined {
    return this.statuses.get(name);
  }

  /** The pooled connection of a node, for core services (backup jobs) that run on it. */
  connection(name: string): NodeConnection {
    return this.conn(this.node(name));
  }

  node(name: string): NodeConfig {
    const n = this.nodes().find((x) => x.name === name);
    if (!n) throw new Error(`no node named "${name}" is configured`);
    return n;
  }

  private conn(node: NodeConfig): NodeConnection {
    // Work still running at dispose (a probe past its deadline, an event) must not reconnect:
    // the connection would outlive its owner and keep a CLI from exiting.
    // Not named: whoever reports it as the node's does (nodeErrors.ts).
    if (this.disposed) throw new Error(CLUSTER_CLOSED);
    let c = this.conns.get(node.name);
    if (!c) {
      c = node.host
        ? createRemoteConnection(node, this.settings, this.creds, (level, m) => this.log(level, m, node.name))
        : new LocalConnection(node);
      this.conns.set(node.name, c);
    }
    return c;
  }

  log(level: LogLevel, message: string, node?: string): void {
    this.emit('log', { level, node, message });
  }

  /**
   * Reachable and the container's state, bounded like a probe's first steps, never published
   * as a status (it has no volumes): for the nodes a backup or restore does not run on.
   */
  look(name: string): Promise<NodeLook> {
    const node = this.node(name);
    const t = this.settings.timeouts;
    return withDeadline(`look at ${name}`, t.connectMs + t.dockerMs + 2000, () => lookAtNode(node, this.conn(node), this.settings)).catch(
      (e): NodeLook => ({ name, reachable: false, error: { kind: e instanceof DeadlineError ? 'timeout' : 'other', message: (e as Error).message } }),
    );
  }

  /**
   * The cluster as one node sees it, for a backup or restore that runs there: that node
   * refreshed (its gluster's view of volumes and peers is the one that decides), every other
   * node looked at (reachable, container state; no gluster). `looks` is in node order and holds
   * the refreshed node too. `rows`: the node's status as soon as its volume rows are read, heal
   * summaries perhaps still 'reading'; `full` is the whole refresh either way. A backup of a
   * distribute volume need not wait for the heal summary of another, replicated one.
   */
  async viewFrom(name: string, opts: { rows?: boolean } = {}): Promise<{ node: NodeStatus; looks: NodeLook[]; full: Promise<NodeStatus> }> {
    const r = this.refresh(name, {});
    const node = opts.rows ? r.rows : r.result;
    const looks = await Promise.all(this.nodes().map((n) => (n.name === name ? node : this.look(n.name))));
    return { node: await node, looks, full: r.result };
  }

  /**
   * A volume as the last refresh's `volume info` described it (its bricks, the nodes that hold
   * them, its options), beside the health that refresh published.
   */
  volumeInfo(name: string): GlusterVolumeInfo | undefined {
    return this.volumeInfos.get(name);
  }

  refreshAll(): Promise<NodeStatus[]> {
    const round: RefreshRound = {};
    return Promise.all(this.nodes().map((n) => this.refreshNode(n.name, round)));
  }

  refreshNode(name: string, round: RefreshRound = {}): Promise<NodeStatus> {
    return this.refresh(name, round).result;
  }

  private refresh(name: string, round: RefreshRound): Refresh {
    if (this.disposed) {
      const last = this.statuses.get(name);
      const closed = Promise.resolve<NodeStatus>(
        last ?? { name, target: '', reachable: false, error: toNodeError(new Error(CLUSTER_CLOSED), name), volumes: [], backups: [], checkedAt: new Date().toISOString() },
      );
      return { result: closed, rows: closed };
    }
    const queued = this.queued.get(name);
    if (queued) return queued;
    const running = this.inflight.get(name);
    if (running && !running.pastSnapshot) {
      // A refresh asked for now must see the node as it is now: a probe still taking its
      // snapshot (container, archives) may have read them just before the change this refresh
      // is for (a job renaming its archive, a container stopping). Callers meanwhile share one
      // follow-up probe, so a burst of events costs at most one more; it starts as soon as that
      // snapshot is taken, not after the gluster questions, which can take glusterMs and more
      // (glusterd shutting down behind a docker stop answers nothing until it is gone).
      const next = running.snapshot.then(() => {
        this.queued.delete(name);
        return this.refresh(name, {});
      });
      const follow: Refresh = { result: next.then((r) => r.result), rows: next.then((r) => r.rows) };
      this.queued.set(name, follow);
      return follow;
    }
    return this.startProbe(name, round);
  }

  /**
   * Starts a probe that becomes the node's newest: an older one still asking gluster publishes
   * nothing more, and its callers get the newest probe's answer, so a stale "running" never
   * lands after the "exited" a later probe saw.
   */
  private startProbe(name: string, round: RefreshRound): Probe {
    const node = this.node(name);
    const t = this.settings.timeouts;
    // Bound the whole probe too: the sum of its steps' deadlines (the volume list, then a heal
    // summary with a deadline of its own) plus a margin.
    const budget = t.connectMs + 2 * t.dockerMs + 2 * t.glusterMs + 2000;
    let snapshotTaken!: () => void;
    const taking = { pastSnapshot: false, snapshot: new Promise<void>((resolve) => (snapshotTaken = resolve)) };
    const passSnapshot = () => {
      if (taking.pastSnapshot) return;
      taking.pastSnapshot = true;
      snapshotTaken();
    };
    const newest = () => !this.disposed && this.inflight.get(name) === taking;
    let giveRows!: (s: NodeStatus) => void;
    const rows = new Promise<NodeStatus>((resolve) => (giveRows = resolve));
    const early = (s: NodeStatus) => {
      passSnapshot();
      if (newest()) {
        this.statuses.set(name, s);
        this.emit('status', s);
        if (!s.volumesPending) giveRows(s);
      }
    };
    const readVolumes = async (docker: Docker, container: ContainerInfo) => {
      // One prompt per container: a container whose prompt found it cannot run gluster is not
      // asked again until it is another container (restarted or replaced). At twenty such
      // nodes, every refresh spent two failing execs on each.
      const shell = this.shellOf(name, docker, `${container.id ?? '?'} ${container.since ?? '?'}`);
      if (shell.missing) throw shell.missing;
      const [shared, peers] = await Promise.all([this.sharedVolumeState(docker, round, shell, name), readPeers(docker, this.settings, shell, 'throw')]);
      return stagedVolumeHealth(shared, peers);
    };
    const result = withDeadline(`status of ${name}`, budget, () =>
      probeNode(node, this.conn(node), this.settings, early, readVolumes),
    )
      .catch((e): NodeStatus => ({
        name,
        target: '',
        reachable: false,
        error: { kind: 'timeout', message: (e as Error).message },
        volumes: [],
        backups: [],
        checkedAt: new Date().toISOString(),
      }))
      .then((s): NodeStatus | Promise<NodeStatus> => {
        passSnapshot();
        if (this.disposed) return s;
        if (!newest()) {
          const newer = this.inflight.get(name);
          return newer ? newer.result : (this.statuses.get(name) ?? s);
        }
        this.inflight.delete(name);
        const prev = this.statuses.get(name);
        this.statuses.set(name, s);
        // Logged once per reason, not on every refresh (see loggedReason for what "same" means).
        if (s.error && (!prev?.error || loggedReason(prev.error) !== loggedReason(s.error))) this.log('warn', s.error.message, name);
        if (s.reachable && this.watching && !this.watches.has(name)) this.watchNode(node);
        this.emit('status', s);
        return s;
      });
    void result.then(giveRows);
    const probe: Probe = Object.assign(taking, { result, rows });
    this.inflight.set(name, probe);
    return probe;
  }

  /** The node's prompt, for this connection and this container (id and start): a new one for either gets a new prompt. */
  private shellOf(name: string, docker: Docker, container: string): GlusterShell {
    const had = this.shells.get(name);
    if (had?.docker === docker && had.container === container) return had.shell;
    had?.shell.close();
    const shell = glusterShellFor(docker, this.settings);
    this.shells.set(name, { docker, container, shell });
    return shell;
  }

  /**
   * Volumes and brick status are the same whichever node is asked, so within one refresh round
   * the first node to get there asks and the others share its answer: a refresh of N nodes
   * asks gluster N+2 times instead of 3N, and the nodes no longer contend for the cluster lock.
   * Peers are still read per node, since who is connected is each node's own view.
   */
  private sharedVolumeState(docker: Docker, round: RefreshRound, shell: GlusterShell, node: string): Promise<SharedVolumeState> {
    const own = () => {
      let heals = this.heals.get(node);
      if (!heals) this.heals.set(node, (heals = new HealReads()));
      const read = readSharedVolumeState(docker, this.settings, this.knownVolumes, shell, heals).catch((e) => {
        if (e instanceof GlusterMissing) e.node ??= node;
        throw e;
      });
      read.then((s) => {
        this.knownVolumes = knownVolumesOf(s);
        this.volumeInfos = new Map(s.volumes.map((v) => [v.info.name, v.info]));
      }, () => undefined);
      return read;
    };
    if (!round.shared) {
      round.shared = own();
      return round.shared;
    }
    // Another node's container that cannot run gluster says nothing about this one's: ask here.
    return round.shared.catch((e) => {
      if (e instanceof GlusterMissing && e.node !== node) return own();
      throw e;
    });
  }

  async act(action: ContainerAction, names?: string[]): Promise<ActionResult[]> {
    const targets = names ? names.map((n) => this.node(n)) : this.nodes();
    const results = await Promise.all(
      targets.map(async (node) => {
        const r = await runContainerAction(node, this.conn(node), this.settings, action, (m) => this.log('info', m, node.name));
        this.log(r.ok ? 'info' : 'error', `${action}: ${r.message} (${(r.durationMs / 1000).toFixed(1)} s)`, node.name);
        void this.refreshNode(node.name);
        return r;
      }),
    );
    return results;
  }

  watchEvents(): void {
    this.watching = true;
    for (const n of this.nodes()) if (this.statuses.get(n.name)?.reachable) this.watchNode(n);
  }

  unwatchEvents(): void {
    this.watching = false;
    for (const w of this.watches.values()) w.stop();
    this.watches.clear();
  }

  private watchNode(node: NodeConfig): void {
    if (this.watches.has(node.name)) return;
    const w = watchContainerEvents(this.conn(node), this.settings.containerName, {
      onEvent: (action) => {
        this.emit('containerEvent', { node: node.name, action });
        void this.refreshNode(node.name);
      },
      onEnd: (why) => {
        this.watches.delete(node.name);
        this.log('debug', `docker event stream ended: ${why}`, node.name);
        // The link may be gone: a refresh tells, and re-subscribes if the node is back.
        if (this.watching && !this.disposed) void this.refreshNode(node.name);
      },
    });
    this.watches.set(node.name, w);
  }

  async trustHostKey(name: string, approved: ApprovedHostKey): Promise<void> {
    const node = this.node(name);
    const fp = keyFingerprint(approved.key);
    if (!fp) throw new Error(`cannot trust a key for ${name}: "${approved.key.slice(0, 40)}" is not an SSH public key`);
    const whose = approved.hop ? `the jump host ${approved.hop}` : name;
    // The status may have changed while the operator was deciding (a poll, a docker event, a
    // refresh): a key presented now that is not the approved one is never written, so a man in
    // the middle who turns up during the dialog gets nothing.
    const err = this.statuses.get(name)?.error;
    if (err?.kind === 'hostKeyChanged') {
      throw new Error(`${err.hop ? `the jump host ${err.hop}` : name} has a different host key in ${this.settings.knownHostsFile} now: nothing was written`);
    }
    if (err?.kind === 'hostKeyUnknown' && err.presentedKey && err.presentedKey !== approved.key) {
      throw new Error(`${err.hop ? `the jump host ${err.hop} on the way to ${name}` : name} now presents another host key (${err.fingerprint ?? keyFingerprint(err.presentedKey) ?? '?'}) than the one approved for ${whose} (${fp}): nothing was written; refresh it and compare the fingerprint again`);
    }
    if (err?.kind === 'hostKeyUnknown' && err.keyHost !== undefined && approved.keyHost !== undefined && err.keyHost !== approved.keyHost) {
      throw new Error(`the key waiting on the way to ${name} is now ${err.keyHost}'s, not ${approved.keyHost}'s as approved: nothing was written; refresh it and compare the fingerprint again`);
    }
    // Written for the host the dialog named (a jump host on the way, or the HostName of the ssh
    // config), whatever the status says now: never a hop's key under the node's name.
    await trustPresentedKey(this.settings.knownHostsFile, node, approved.key, approved.keyHost);
    this.log('info', `trusted host key ${fp} for ${approved.hop ?? approved.keyHost ?? node.host}`, name);
    this.conns.get(name)?.close();
    this.conns.delete(name);
  }

  dispose(): void {
    this.disposed = true;
    this.unwatchEvents();
    for (const s of this.shells.values()) s.shell.close();
    this.shells.clear();
    for (const c of this.conns.values()) c.close();
    this.conns.clear();
    this.removeAllListeners();
  }
}

export function createCluster(settings: Settings, creds?: CredentialProvider, implicitLocal?: NodeConfig | null): Cluster {
  return new Cluster(settings, creds, implicitLocal);
}
