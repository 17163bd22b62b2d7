// One backup or restore job this window knows about, with what was seen of it while followed:
// samples, warning counts, the last tar messages. It is also the ProgressSource a progress panel reads,
// so a panel opened mid-job gets the history without a second follower on the node.
import type { IndexedArchive } from '../../core/restore/restorePlan';
import * as vscode from 'vscode';
import type { Following } from '../../core/backup/follow';
import { isFinal } from '../../core/backup/jobs';
import { BoundedSeries, type ProgressPoint } from '../../core/backup/progressMath';
import type { TarEvent, TarEventCounts } from '../../core/backup/tarWarnings';
import type { JobRecord, JobState } from '../../core/backup/types';
import type { ProgressSource, Subscription } from '../progress/progressSource';
import type { WarningsInfo } from '../../webview/protocol';
import { countTotal, jobKey } from '../jobText';

/** How many tar messages a panel opened late gets (the log has them all). */
const LAST_MESSAGES = 5;

export class TrackedJob implements ProgressSource, vscode.Disposable {
  /** Latest archive size seen; starts from the record's own (a finished job's final size). */
  bytes: number | undefined;
  readonly counts: TarEventCounts = {};
  private readonly last: string[] = [];
  private readonly series = new BoundedSeries();
  following: Following | undefined;
  /** Seen running by this window: its end is announced. A job found already ended is not. */
  seenRunning: boolean;
  /** Its end was announced (JobMonitor.onDidEnd). */
  endAnnounced = false;
  /**
   * A restore started here: the archive's index its plan read, for the verification at its end
   * (used only while the archive is still that file). Dropped once verified.
   */
  planIndex: IndexedArchive | undefined;
  private readonly samples = new vscode.EventEmitter<ProgressPoint>();
  private readonly targets = new vscode.EventEmitter<number>();
  private readonly warningsChanged = new vscode.EventEmitter<WarningsInfo>();
  private readonly states = new vscode.EventEmitter<JobRecord>();

  constructor(
    private record: JobRecord,
    /** Started from this window: gets the cancellable progress notification. */
    readonly startedHere: boolean,
  ) {
    this.bytes = record.archiveBytes;
    this.seenRunning = record.state === 'running' || record.state === 'unknown';
  }

  get id(): string {
    return this.record.id;
  }

  /** Unique in the window: node and id (see jobKey). */
  get key(): string {
    return jobKey(this.record);
  }

  get running(): boolean {
    return this.record.state === 'running' || this.record.state === 'unknown';
  }

  job(): JobRecord {
    return this.bytes !== undefined ? { ...this.record, archiveBytes: this.bytes } : this.record;
  }

  /**
   * The record as the node has it, without the progress bytes of job(): what goes back to
   * the node (a restore's read position is not an archive size, and must not be saved as one).
   */
  nodeRecord(): JobRecord {
    return this.record;
  }

  addSample(t: number, bytes: number): void {
    this.bytes = bytes;
    this.series.push({ t, bytes });
    this.samples.fire({ t, bytes });
  }

  /** @returns the running total of messages, for the log line. */
  addEvent(e: TarEvent): number {
    this.counts[e.kind] = (this.counts[e.kind] ?? 0) + 1;
    this.last.push(e.message);
    if (this.last.length > LAST_MESSAGES) this.last.shift();
    this.warningsChanged.fire(this.warnings());
    return countTotal(this.counts);
  }

  setRecord(job: JobRecord): void {
    // A job's end is for good: an observation that started before it (a follower's, a scan's)
    // and answers after it must not bring the job back to running.
    if (isFinal(this.record.state) && !isFinal(job.state)) return;
    const hadTarget = this.record.sourceBytes !== undefined;
    this.record = job;
    if (job.archiveBytes !== undefined) this.bytes = job.archiveBytes;
    if (job.state === 'running') this.seenRunning = true;
    if (!hadTarget && job.sourceBytes !== undefined) this.targets.fire(job.sourceBytes);
    this.states.fire(job);
  }

  history(): ProgressPoint[] {
    return this.series.points();
  }

  warnings(): WarningsInfo {
    // Live counts once following has seen any; the record's (from the whole log) otherwise.
    const live = countTotal(this.counts);
    return { count: live || countTotal(this.record.warnings), last: [...this.last] };
  }

  onSample(cb: (t: number, bytes: number) => void): Subscription {
    return this.samples.event((p) => cb(p.t, p.bytes));
  }

  onTarget(cb: (sourceBytes: number) => void): Subscription {
    return this.targets.event(cb);
  }

  onWarnings(cb: (count: number, last: string[]) => void): Subscription {
    return this.warningsChanged.event((w) => cb(w.count, w.last));
  }

  onState(cb: (state: JobState, exitCode?: number, reason?: string) => void): Subscription {
    return this.states.event((j) => cb(j.state, j.exitCode, j.reason));
  }

  /** Resolves when the job is final (or following stopped); undefined when not followed. */
  get done(): Promise<JobRecord> | undefined {
    return this.following?.done;
  }

  dispose(): void {
    this.following?.stop();
    this.following = undefined;
    for (const e of [this.samples, this.targets, this.warningsChanged, this.states]) e.dispose();
  }
}
