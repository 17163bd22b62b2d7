// Owns the current settings and the Cluster built from them. A settings change throws the old
// Cluster away and builds a new one: connections, watches and timers all hang off it, and
// rebuilding is simpler and safer than patching them in place.
import * as os from 'os';
import * as vscode from 'vscode';
import { effectiveNodes, type NodeConfig, type Settings } from '../core/config';
import { localDockerSocket, pingLocalDocker } from '../core/node/localDocker';
import { DEFAULT_DOCKER_SOCKET } from '../core/node/nodeConnection';
import type { NodeStatus } from '../core/model';
import { createCluster, type Cluster, type LogLine } from '../core/cluster';
import { CONFIG_SECTION } from './commandIds';
import type { PromptingCredentials } from './credentials';
import { writeClusterLine } from './log';
import { readSettings, SettingsProblemReporter } from './settings';

export class ClusterSession implements vscode.Disposable {
  // The concrete Cluster, not ClusterApi: backup jobs need its connections and its log.
  private _cluster: Cluster | undefined;
  private _settings!: Settings;
  private _failure: string | undefined;
  private _allNodesInvalid = false;
  /** Nodes listed in the settings, valid or not, as of the last rebuild. */
  private configuredNodeCount = 0;
  /** This machine as a node, shown only while none is configured and its docker answers. */
  private _implicit: NodeConfig | null = null;
  private _probing = false;
  /** Bumped by every rebuild: a probe of an older one must not rebuild over a newer one. */
  private generation = 0;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly displayChanged = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.changed, this.displayChanged];
  /** Detaches the current Cluster's status listener; returns what detaches its log. */
  private detach: (() => () => void) | undefined;
  /**
   * Clusters with operations running on them (see hold): how many, and, once a rebuild replaced
   * the Cluster, what detaches its log when the last one ends and it is closed.
   */
  private readonly holds = new Map<Cluster, { count: number; retired?: () => void }>();

  /** Fires after the Cluster was rebuilt (or failed to be). */
  readonly onDidChangeCluster = this.changed.event;
  /** Fires after a settings change that only this window's display reads (DISPLAY_KEYS): same Cluster. */
  readonly onDidChangeDisplay = this.displayChanged.event;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly creds: PromptingCredentials,
    private readonly reporter: SettingsProblemReporter,
  ) {
    this.rebuild();
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(CONFIG_SECTION)) return;
        // Settings only this window reads (how often it polls, when a backup is old) are taken
        // in place: a rebuild would cut off what runs on the old Cluster (a read-data check, a
        // restore's verification, every job's follower) for a display preference.
        const next = readSettings();
        if (sameApartFrom(this._settings, next.settings, DISPLAY_KEYS) && next.configuredNodeCount === this.configuredNodeCount) {
          this.log.info(`settings changed (${DISPLAY_KEYS.join(', ')}): applied without reconnecting`);
          this._settings = next.settings;
          this.reporter.report(next.problems);
          this.displayChanged.fire();
          return;
        }
        this.log.info('settings changed: reconnecting');
        this.rebuild();
        this.changed.fire();
      }),
    );
  }

  get cluster(): Cluster | undefined {
    return this._cluster;
  }

  get settings(): Settings {
    return this._settings;
  }

  /** Why there is no Cluster, when there is none. */
  get failure(): string | undefined {
    return this._failure;
  }

  /**
   * The nodes the explorer shows. When the user listed nodes but every one is invalid, showing
   * the implicit local node would mislead (and Stop All would act on it), so none is shown.
   */
  shownNodes(): NodeConfig[] {
    if (this._allNodesInvalid) return [];
    return this._cluster?.nodes() ?? effectiveNodes(this._settings, this._implicit);
  }

  /** True while, with no node configured, the local docker socket is being tried. */
  get probing(): boolean {
    return this._probing;
  }

  get allNodesInvalid(): boolean {
    return this._allNodesInvalid;
  }

  /** True for the local node shown because none is configured: it is not in settings. */
  isImplicit(name: string): boolean {
    return this._settings.nodes.length === 0 && !this._allNodesInvalid && name === this._implicit?.name;
  }

  /**
   * Runs `work` on `cluster`; a settings change meanwhile builds the new Cluster beside it and
   * closes this one when the last such work ends. A read-data check or a restore's
   * verification runs for minutes: a change of a timeout or a node's address must not cut it
   * off halfway.
   */
  async hold<T>(cluster: Cluster, work: () => Promise<T>): Promise<T> {
    const held = this.holds.get(cluster) ?? { count: 0 };
    held.count++;
    this.holds.set(cluster, held);
    try {
      return await work();
    } finally {
      if (--held.count === 0) {
        this.holds.delete(cluster);
        if (held.retired) {
          this.log.info('the previous connections are closed: the last operation on them ended');
          this.close(cluster, held.retired);
        }
      }
    }
  }

  nodeConfig(name: string): NodeConfig | undefined {
    return this.shownNodes().find((n) => n.name === name);
  }

  private rebuild(): void {
    this.teardown();
    const generation = ++this.generation;
    const { settings, problems, configuredNodeCount } = readSettings();
    this._settings = settings;
    this.configuredNodeCount = configuredNodeCount;
    this._allNodesInvalid = configuredNodeCount > 0 && settings.nodes.length === 0;
    this._implicit = null;
    this._probing = false;
    this.reporter.report(problems);
    this.creds.allowPromptsAgain();
    this.build(settings);
    if (settings.nodes.length > 0 || this._allNodesInvalid) return;
    // No node configured: this machine is one only if a docker answers here (a Remote-SSH
    // window on a data node). On a laptop without docker the view offers to add nodes instead
    // of a "local" node that can only fail.
    const where = localDockerSocket(process.env);
    if ('problem' in where) {
      this.log.warn(`no node configured, and ${where.problem}`);
      return;
    }
    this._probing = true;
    void pingLocalDocker(where.socket, settings.timeouts.dockerMs).then((a) => {
      if (generation !== this.generation) return;
      this._probing = false;
      if (a.state === 'answers' || a.state === 'denied') {
        // Refused to this user: shown all the same, its row saying why (the docker group).
        this._implicit = { name: os.hostname() || 'local', ...(where.socket !== DEFAULT_DOCKER_SOCKET ? { dockerSocket: where.socket } : {}) };
        this.teardown();
        this.build(settings);
      } else {
        this.log.info(`no node configured, and ${a.message}: nothing to show until a node is added`);
      }
      this.changed.fire();
    });
  }

  private build(settings: Settings): void {
    try {
      const cluster = createCluster(settings, this.creds, this._implicit);
      const onLog = (line: LogLine) => writeClusterLine(this.log, line);
      const onStatus = (s: NodeStatus) => this.creds.noteStatus(this.nodeConfig(s.name), s);
      cluster.on('log', onLog);
      cluster.on('status', onStatus);
      this.detach = () => {
        cluster.off('status', onStatus);
        return () => cluster.off('log', onLog);
      };
      this._cluster = cluster;
      this._failure = undefined;
      this.log.info(`nodes: ${this.shownNodes().map((n) => n.name).join(', ') || '(none)'}`);
    } catch (err) {
      this._cluster = undefined;
      this._failure = err instanceof Error ? err.message : String(err);
      this.log.error(`could not start the cluster explorer: ${this._failure}`);
    }
  }

  private teardown(): void {
    // Its node statuses are the old settings' from now on; its log lines still tell what the
    // work it holds does.
    const detachLog = this.detach?.() ?? (() => undefined);
    this.detach = undefined;
    const old = this._cluster;
    this._cluster = undefined;
    if (!old) return;
    const held = this.holds.get(old);
    if (held) {
      held.retired = detachLog;
      const n = held.count;
      this.log.info(`the previous connections stay open until ${n === 1 ? 'the operation' : `the ${n} operations`} on them ${n === 1 ? 'ends' : 'end'} (a read-data check; a restore being planned, confirmed, started or verified)`);
      return;
    }
    this.close(old, detachLog);
  }

  private close(cluster: Cluster, detachLog: () => void): void {
    detachLog();
    try {
      cluster.dispose();
    } catch (err) {
      this.log.warn(`closing the previous connections failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  dispose(): void {
    this.generation++;
    this.teardown();
    // The window closes: what is still held goes with it.
    for (const [cluster, held] of this.holds) {
      if (!held.retired) continue;
      this.close(cluster, held.retired);
      // Closed here: the hold's own end must not close it again.
      held.retired = undefined;
    }
    for (const d of this.disposables) d.dispose();
  }
}

/** Settings no connection, job or core code reads: changed, they are applied in place. */
const DISPLAY_KEYS = ['pollSeconds', 'maxBackupAgeHours'] as const;

function sameApartFrom(a: Settings, b: Settings, keys: readonly (keyof Settings)[]): boolean {
  const strip = (x: Settings) => JSON.stringify({ ...x, ...Object.fromEntries(keys.map((k) => [k, null])) });
  return strip(a) === strip(b);
}
