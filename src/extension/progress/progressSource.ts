// What the progress panels need from the rest of the extension. They are interfaces so the job
// monitor can feed a panel without the panel knowing how a job is watched (SSH, local docker,
// a job re-read from its .job.json after a reload).
import type { ProgressPoint } from '../../core/backup/progressMath';
import type { JobRecord, JobState } from '../../core/backup/types';
import type { PanelJob, ReadDataInfo, WarningsInfo } from '../../webview/protocol';

/** Same shape as vscode.Disposable, so an EventEmitter's subscription can be returned as is. */
export interface Subscription {
  dispose(): void;
}

/**
 * One backup or restore job, or one read-data check, as it runs (or as it ended). Callbacks may
 * come at any rate: the panel throttles.
 */
export interface ProgressSource {
  /** The job as known now; read when a panel opens or restores, and on every state change. */
  job(): PanelJob;
  /** Samples taken before the panel subscribed, oldest first; the panel keeps its own from then on. */
  history?(): ProgressPoint[];
  /** The warnings so far, for a panel opened mid-job. Without it, the counts in job().warnings are used. */
  warnings?(): WarningsInfo;
  /** `t` in ms since the epoch (this host's clock), `bytes` the archive's size on the node. */
  onSample(cb: (t: number, bytes: number) => void): Subscription;
  /** Backup: apparent size of the gluster filesystem, once measured (the panel derives the gzip guess). Read data: the bytes it reads. */
  onTarget(cb: (sourceBytes: number) => void): Subscription;
  /** Total warning count and the last few tar messages, oldest first. */
  onWarnings(cb: (count: number, last: string[]) => void): Subscription;
  onState(cb: (state: JobState, exitCode?: number, reason?: string) => void): Subscription;
  /** A read-data check: its phase and members. */
  onReadData?(cb: (info: ReadDataInfo) => void): Subscription;
  /**
   * Stops the run itself (a read-data check, which this window runs). Jobs on a node have none:
   * the panel cancels those through ProgressActions.
   */
  cancel?(): void;
}

/** The buttons of the panel. The panel has already asked the operator to confirm a cancel. */
export interface ProgressActions {
  cancel(job: JobRecord): Promise<void>;
  openLog(job: JobRecord): Promise<void>;
  revealArchive(job: JobRecord): Promise<void>;
  /** Validate Backup on the archive a finished backup wrote. */
  validate(job: JobRecord): Promise<void>;
}

export interface ProgressPanelsDeps {
  actions: ProgressActions;
  /**
   * Finds a job again for a panel restored after a window reload. Undefined when it cannot (the
   * node is unreachable, the job is gone): the panel then shows what it last knew, marked stale.
   */
  reattach(job: JobRecord): Promise<ProgressSource | undefined>;
}
