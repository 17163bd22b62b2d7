// Finds the backup and restore jobs on the nodes and follows the running ones. The node is the
// source of truth (core/backup/jobs.ts): after a reload, or for a job the CLI started,
// `jobs.list()` finds it again and following re-attaches. Nothing touches the network until the
// Nodes view is first visible (ensureScanned), so activation stays instant.
import * as vscode from 'vscode';
import type { Cluster } from '../../core/cluster';
import { followJob } from '../../core/backup/follow';
import { jobsOf, isFinal, type BackupJobs } from '../../core/backup/jobs';
import type { TarEvent } from '../../core/backup/tarWarnings';
import type { JobRecord } from '../../core/backup/types';
import type { IndexedArchive } from '../../core/restore/restorePlan';
import type { ClusterSession } from '../session';
import { countTotal, describeCounts, jobKey, parseJobRef } from '../jobText';
import { TrackedJob } from './trackedJob';
import { errorText } from '../errorText';

/** Tree and status bar redraws for progress samples: at most this often per node. */
const REDRAW_MS = 2000;

export class JobMonitor implements vscode.Disposable {
  private readonly tracked = new Map<string, TrackedJob>();
  private api: { cluster: Cluster; jobs: BackupJobs } | undefined;
  private scanning: Promise<void> | undefined;
  private scannedOnce = false;
  /** Set once the view was visible: a new Cluster (settings change) is scanned again. */
  private wanted = false;
  private readonly redrawTimers = new Map<string, NodeJS.Timeout>();
  /** Nodes whose jobs the last scan listed (it reached them). */
  private reached = new Set<string>();
  /** Nodes whose jobs the last scan could not list (logged once until they list again). */
  private listFailing = new Set<string>();
  /** One cancel per job at a time: a second one's signal would find tar gone and withdraw the first's marker. */
  private readonly cancelling = new Map<string, Promise<JobRecord>>();
  /**
   * Jobs seen running whose end was not announced when a settings change dropped their
   * TrackedJob (by key, with a restore's plan index): found again, running or ended, their end
   * is still announced, and a restore started here verified with its plan's index.
   */
  private readonly awaitingEnd = new Map<string, IndexedArchive | undefined>();
  private readonly changed = new vscode.EventEmitter<string>();
  private readonly ended = new vscode.EventEmitter<TrackedJob>();
  private readonly tracking = new vscode.EventEmitter<TrackedJob>();
  private readonly scanned = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.changed, this.ended, this.tracking, this.scanned];

  /** Fires with a node name when its jobs changed (new, progress, state): tree and status bar. */
  readonly onDidChange = this.changed.event;
  /** Fires once when a job this window saw running reaches a final state. */
  readonly onDidEnd = this.ended.event;
  /**
   * Fires for every job newly known (started here, found by a scan, found again after a
   * settings change): an open progress panel of that job connects to it.
   */
  readonly onDidTrack = this.tracking.event;
  /** Fires after each scan of the nodes' jobs (its jobs tracked), whether it reached every node or not. */
  readonly onDidScan = this.scanned.event;

  constructor(
    private readonly session: ClusterSession,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(session.onDidChangeCluster(() => this.reset()));
  }

  /** The BackupJobs of the current Cluster (rebuilt with it). */
  jobsApi(): BackupJobs | undefined {
    const cluster = this.session.cluster;
    if (!cluster) return undefined;
    if (this.api?.cluster !== cluster) this.api = { cluster, jobs: jobsOf(cluster) };
    return this.api.jobs;
  }

  /** First look at the nodes' jobs, when the view first shows (and after a settings change). */
  ensureScanned(): Promise<void> {
    this.wanted = true;
    if (this.scannedOnce) return this.scanning ?? Promise.resolve();
    return this.scan();
  }

  /** Lists every node's jobs: follows the running ones, remembers the finished ones. */
  scan(): Promise<void> {
    if (this.scanning) return this.scanning;
    const jobs = this.jobsApi();
    if (!jobs) return Promise.resolve();
    this.scannedOnce = true;
    const round = jobs
      .list()
      .then(({ jobs: found, errors }) => {
        if (this.jobsApi() !== jobs) return; // the Cluster changed meanwhile
        const failed = new Set(errors.map((e) => e.node));
        // Once per node until it lists again: a node that stays cut off would otherwise add a
        // line at every Refresh (its reachability is the cluster's log already).
        for (const e of errors) if (!this.listFailing.has(e.node)) this.log.warn(`[${e.node}] cannot list jobs: ${e.message}`);
        this.listFailing = failed;
        for (const job of found) this.track(job, false);
        this.reached = new Set((this.session.cluster?.nodes() ?? []).map((n) => n.name).filter((n) => !failed.has(n)));
        // Waited for across a settings change and not there on a node that answered (its
        // directory is another now): no longer followed, and its plan's index let go.
        for (const key of [...this.awaitingEnd.keys()]) {
          const { node, id } = parseJobRef(key);
          if (node && this.reached.has(node) && !found.some((j) => j.node === node && j.id === id)) {
            this.awaitingEnd.delete(key);
            this.log.info(`[${node}] ${id}: not found again after the settings change (its node answered): no longer followed here`);
          }
        }
      })
      .catch((err) => this.log.error(`listing jobs failed: ${errorText(err)}`))
      .finally(() => {
        if (this.scanning === round) this.scanning = undefined;
        this.scanned.fire();
      });
    this.scanning = round;
    return round;
  }

  /** Starts following a job (once per id); a final job is only remembered. */
  track(job: JobRecord, startedHere: boolean): TrackedJob {
    const known = this.tracked.get(jobKey(job));
    if (known) {
      // A scan sees the state on the node; following, when on, already does the same.
      if (!known.following && !isFinal(known.job().state)) this.follow(known, false);
      return known;
    }
    const t = new TrackedJob(job, startedHere);
    const carried = this.awaitingEnd.has(t.key);
    if (carried) {
      t.seenRunning = true;
      t.planIndex = this.awaitingEnd.get(t.key);
      this.awaitingEnd.delete(t.key);
    }
    this.tracked.set(t.key, t);
    if (!isFinal(job.state)) this.follow(t, !startedHere);
    this.tracking.fire(t);
    this.changed.fire(job.node);
    if (carried && isFinal(job.state)) {
      this.log.info(`[${job.node}] ${job.kind} ${job.id} ended while the settings changed: ${job.state}${job.reason ? `: ${job.reason}` : ''}`);
      this.announceEnd(t);
    }
    return t;
  }

  private follow(t: TrackedJob, reattach: boolean): void {
    const jobs = this.jobsApi();
    if (!jobs) return;
    const job = t.job();
    const tag = `${job.kind} ${job.id}`;
    // followJob reads tar's log from offset 0: on a re-attach, that replays it so far.
    if (reattach) this.log.info(`[${job.node}] ${tag} is running: following it; its log so far follows`);
    t.following = followJob(jobs, job, {
      sample: (time, bytes) => {
        t.addSample(time, bytes);
        this.redrawSoon(job.node);
      },
      event: (e: TarEvent) => {
        const n = t.addEvent(e);
        const line = `[${job.node}] ${job.id}: tar: ${e.message} (${n})`;
        if (e.severity === 'error') this.log.error(line);
        else this.log.warn(line);
      },
      state: (j) => {
        t.setRecord(j);
        if (!isFinal(j.state)) this.log.info(`[${j.node}] ${tag}: ${j.state}${j.reason ? ` (${j.reason})` : ''}`);
        this.changed.fire(j.node);
      },
    });
    const following = t.following;
    void following.done.then(
      (final) => {
        if (t.following !== following) return; // stopped by a reset
        t.following = undefined;
        if (!isFinal(final.state)) return;
        const counts = countTotal(final.warnings) ? final.warnings : t.counts;
        const total = countTotal(counts);
        this.log.info(`[${final.node}] ${tag} ended: ${final.state}${total ? `, ${total} tar messages (${describeCounts(counts)})` : ''}${final.reason ? `: ${final.reason}` : ''}`);
        this.changed.fire(final.node);
        if (t.seenRunning) this.announceEnd(t);
      },
      (err) => this.log.error(`[${job.node}] following ${tag} failed: ${errorText(err)}`),
    );
  }

  private announceEnd(t: TrackedJob): void {
    if (t.endAnnounced) return;
    t.endAnnounced = true;
    this.ended.fire(t);
  }

  private redrawSoon(node: string): void {
    if (this.redrawTimers.has(node)) return;
    this.redrawTimers.set(
      node,
      setTimeout(() => {
        this.redrawTimers.delete(node);
        this.changed.fire(node);
      }, REDRAW_MS),
    );
  }

  /** Whether the current Cluster has a node of this name. */
  configures(node: string): boolean {
    return this.session.cluster?.nodes().some((n) => n.name === node) ?? false;
  }

  /** Whether the last scan listed this node's jobs: a job it did not find there is not there. */
  reachedInLastScan(node: string): boolean {
    return this.reached.has(node);
  }

  /** By `node/id`; a bare id only while no two nodes have a job of that name. */
  get(ref: string): TrackedJob | undefined {
    const { node, id } = parseJobRef(ref);
    if (node) return this.tracked.get(jobKey({ node, id }));
    const same = [...this.tracked.values()].filter((t) => t.id === id);
    return same.length === 1 ? same[0] : undefined;
  }

  /** Every known job, newest first. */
  all(): TrackedJob[] {
    return [...this.tracked.values()].sort((a, b) => b.job().startedAt.localeCompare(a.job().startedAt));
  }

  running(): TrackedJob[] {
    return this.all().filter((t) => t.running);
  }

  runningOn(node: string): TrackedJob[] {
    return this.running().filter((t) => t.job().node === node);
  }

  /**
   * Asks the node to stop tar; resolves with the final record (core waits up to 30 s). A cancel
   * of a job already being cancelled gets the one in flight.
   */
  cancel(job: JobRecord): Promise<JobRecord> {
    const key = jobKey(job);
    const inFlight = this.cancelling.get(key);
    if (inFlight) return inFlight;
    const p = this.cancelNow(key, job).finally(() => this.cancelling.delete(key));
    this.cancelling.set(key, p);
    return p;
  }

  private async cancelNow(key: string, job: JobRecord): Promise<JobRecord> {
    const jobs = this.jobsApi();
    if (!jobs) throw new Error(`Gluster Backup is not running: ${this.session.failure ?? 'see the log'}`);
    // Core may finalise the job with the record it is given: the node's, never one whose
    // archiveBytes is this window's progress count (a restore's read position).
    const record = this.tracked.get(key)?.nodeRecord() ?? job;
    this.log.info(`[${record.node}] ${record.kind} ${record.id}: cancel requested`);
    const final = await jobs.cancel(record);
    this.tracked.get(key)?.setRecord(final);
    this.changed.fire(record.node);
    return final;
  }

  /** Writes the job's whole tar log (so far) to the output channel. */
  async replayLog(job: JobRecord): Promise<number> {
    const jobs = this.jobsApi();
    if (!jobs) throw new Error(`Gluster Backup is not running: ${this.session.failure ?? 'see the log'}`);
    this.log.info(`[${job.node}] ----- ${job.kind} ${job.id}: ${job.log} -----`);
    let offset = 0;
    let lines = 0;
    for (;;) {
      const r = await jobs.readLog(job, offset);
      if (!r.text) break;
      offset = r.offset;
      for (const l of r.text.split('\n')) {
        if (!l) continue;
        lines++;
        this.log.info(`[${job.node}] ${job.id}: ${l}`);
      }
    }
    this.log.info(`[${job.node}] ----- ${job.kind} ${job.id}: ${lines ? `${lines} lines` : 'the log is empty: tar printed nothing'} -----`);
    return lines;
  }

  /** A new Cluster: the old one's connections are gone, so is every follower. */
  private reset(): void {
    for (const t of this.tracked.values()) {
      if (t.seenRunning && !t.endAnnounced) this.awaitingEnd.set(t.key, t.planIndex);
      t.dispose();
    }
    this.tracked.clear();
    for (const timer of this.redrawTimers.values()) clearTimeout(timer);
    this.redrawTimers.clear();
    // A cancel in flight runs on the old connections: a new one goes to the new Cluster.
    this.cancelling.clear();
    this.reached = new Set();
    this.listFailing = new Set();
    this.api = undefined;
    this.scanning = undefined;
    this.scannedOnce = false;
    this.changed.fire('');
    // A job followed until now (every running one waits in awaitingEnd) is looked for again on
    // the new Cluster, view shown or not: its end is still announced, and its notification and
    // panel move to the job found again.
    if (this.wanted || this.awaitingEnd.size > 0) void this.scan();
  }

  dispose(): void {
    for (const t of this.tracked.values()) t.dispose();
    this.tracked.clear();
    for (const timer of this.redrawTimers.values()) clearTimeout(timer);
    for (const d of this.disposables) d.dispose();
  }
}
