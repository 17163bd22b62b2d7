// The messages between the extension host and the progress webview of a backup or restore job,
// or of a read-data check of an archive. Both sides import
// this file, so neither can send a shape the other does not expect; it must stay free of
// `vscode` and of the DOM (the host compiles it without either).
import type { JobKind, JobRecord, JobState } from '../core/backup/types';
import type { ProgressPoint } from '../core/backup/progressMath';

export type { JobKind, ProgressPoint };

/** The webview panel type, also named by the `onWebviewPanel:` activation event. */
export const PROGRESS_VIEW_TYPE = 'glusterBackup.progress';

/**
 * Validate with Read Data: not a job with a record on the node but a run this window starts and
 * follows (validateBackup with readData), so it has only what the page shows. `exitCode` is
 * validate's (0 clean, 1 differences, 2 damaged); `reason` the verdict line or why it stopped.
 */
export interface ReadDataRun {
  kind: 'readData';
  /** The panel's key with `node`: one panel per archive, a new run of it reuses the panel. */
  id: string;
  node: string;
  archive: string;
  state: JobState;
  startedAt: string;
  endedAt?: string;
  exitCode?: number;
  reason?: string;
  /** Basis points of the members this run reads (a slice); absent: every member. */
  subset?: number;
  /** What validate is doing before and after the members are read (PHASE words of the command). */
  phase: string;
  members: number;
  membersTotal: number;
  /** The data this run reads (0 until the archive's headers are indexed). */
  bytesTotal: number;
}

/**
 * A finished read-data run's verdict, from validate's exit code (0 clean, 1 differences, 2 a
 * damaged archive): the page's badge and the panel's tab both say it. Undefined otherwise.
 */
export function readDataVerdict(run: Pick<ReadDataRun, 'state' | 'exitCode'>): 'data ok' | 'differences' | 'archive damaged' | undefined {
  if (run.state === 'completed') return 'data ok';
  if (run.state === 'completedWithWarnings') return 'differences';
  if (run.state === 'failed' && run.exitCode === 2) return 'archive damaged';
  return undefined;
}

/** What one panel follows. */
export type PanelJob = JobRecord | ReadDataRun;
export type PanelKind = JobKind | 'readData';

/**
 * The page tells a backup from a restore or a read-data check by `job.kind` (words, and which
 * fields it shows). A job without a kind was saved before restores existed: a backup.
 */
export function jobKindOf(job: Pick<PanelJob, 'kind'>): PanelKind {
  return job.kind === 'restore' || job.kind === 'readData' ? job.kind : 'backup';
}

/** Where a read-data run is: members and their bytes come as `sample` (bytes) and this. */
export interface ReadDataInfo {
  phase: string;
  members: number;
  membersTotal: number;
}

export interface TargetInfo {
  /** What the percent is of: a backup's archive size expected at the end; a restore's archive size (tar reads it once). */
  bytes: number;
  /** Backup: apparent size of the gluster filesystem. Restore: the archive's size again. */
  sourceBytes: number;
  /** True when `bytes` is a guess (gzip): the ETA and percent are approximate. */
  estimated: boolean;
}

export interface WarningsInfo {
  count: number;
  /** The last few tar messages, oldest first. */
  last: string[];
}

export interface StateInfo {
  state: JobState;
  exitCode?: number;
  reason?: string;
  /** When it ended (ISO), for the elapsed time of a finished job. */
  endedAt?: string;
}

export type HostMessage =
  | {
      type: 'init';
      job: PanelJob;
      history: ProgressPoint[];
      target?: TargetInfo;
      warnings: WarningsInfo;
      /** The host's clock, so elapsed time is right when the webview runs on another machine. */
      now: number;
      /** False when the job could not be re-attached after a reload: what is shown is old. */
      live: boolean;
    }
  | ({ type: 'sample' } & ProgressPoint)
  | ({ type: 'target' } & TargetInfo)
  | ({ type: 'warnings' } & WarningsInfo)
  | ({ type: 'state' } & StateInfo)
  | ({ type: 'readData' } & ReadDataInfo)
  /** Several of the above in one post: the host posts at most once a second. */
  | { type: 'batch'; messages: HostMessage[] };

export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'cancel' }
  | { type: 'openLog' }
  | { type: 'revealArchive' }
  | { type: 'validate' };

const WEBVIEW_TYPES: ReadonlySet<string> = new Set<WebviewMessage['type']>(['ready', 'cancel', 'openLog', 'revealArchive', 'validate']);

/** The host trusts nothing a webview posts until it has this shape. */
export function isWebviewMessage(m: unknown): m is WebviewMessage {
  return typeof m === 'object' && m !== null && WEBVIEW_TYPES.has((m as { type?: unknown }).type as string);
}

/**
 * What the webview keeps with `setState`: VS Code hands it to the serializer after a window
 * reload, which is how the restored panel knows its job, and what it shows until the host
 * has re-attached it (or for good, if the job cannot be found again).
 */
export interface PersistedState {
  version: 1;
  job: PanelJob;
  history: ProgressPoint[];
  target?: TargetInfo;
  warnings: WarningsInfo;
}

export function isPersistedState(s: unknown): s is PersistedState {
  const p = s as Partial<PersistedState> | undefined;
  if (!p || p.version !== 1 || typeof p.job?.id !== 'string' || typeof p.job?.node !== 'string' || !Array.isArray(p.history)) return false;
  const kind: unknown = p.job.kind;
  if (kind === 'readData') return isReadDataRun(p.job);
  const job = p.job as Partial<JobRecord>;
  // The page reads a restore's target and archive size from job.restore.
  if (kind === 'restore') return typeof job.restore?.target === 'string' && typeof job.restore?.archiveBytes === 'number';
  return kind === undefined || kind === 'backup';
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const JOB_STATES: ReadonlySet<string> = new Set<JobState>(['running', 'completed', 'completedWithWarnings', 'failed', 'cancelled', 'unknown']);

/** Every field the page reads of a read-data run, with sane counts (members done never past the total). */
export function isReadDataRun(j: unknown): j is ReadDataRun {
  const r = j as Partial<ReadDataRun> | undefined;
  if (!r || r.kind !== 'readData' || typeof r.id !== 'string' || typeof r.node !== 'string' || typeof r.archive !== 'string') return false;
  if (typeof r.state !== 'string' || !JOB_STATES.has(r.state) || typeof r.startedAt !== 'string' || typeof r.phase !== 'string') return false;
  if (!isCount(r.members) || !isCount(r.membersTotal) || r.members > r.membersTotal || !isCount(r.bytesTotal)) return false;
  if (r.subset !== undefined && !(isCount(r.subset) && r.subset >= 1 && r.subset <= 10_000)) return false;
  return (r.endedAt === undefined || typeof r.endedAt === 'string') && (r.reason === undefined || typeof r.reason === 'string') && (r.exitCode === undefined || isCount(r.exitCode));
}
