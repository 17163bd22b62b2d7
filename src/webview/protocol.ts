// The messages between the extension host and the progress webview of a backup or restore job,
// or of a read-data check of an archive. Both sides import
// this file, so neither can send a shape the other does not expect; it must stay free of
// `vscode` and of the DOM (the host compiles it without either).
import { JOB_SUFFIX, parseJobFile } from '../core/backup/jobFile';
import type { JobKind, JobRecord, JobState } from '../core/backup/types';
import type { ProgressPoint } from '../core/backup/progressMath';
import { isRecord } from '../core/guards';

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

type Obj = Record<string, unknown>;

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
const isText = (s: unknown, max: number): s is string => typeof s === 'string' && s.length <= max;
const optional = (v: unknown, check: (v: unknown) => boolean): boolean => v === undefined || check(v);
/** An ISO time as the host writes one (the job file's bound): the page parses it for elapsed time. */
const isTime = (s: unknown): s is string => isText(s, 64) && Number.isFinite(Date.parse(s));

/** The keys the page writes. Any other is refused: main.ts spreads the state into an `init`, so a `type` would make it another message. */
const STATE_KEYS: ReadonlySet<string> = new Set<keyof PersistedState>(['version', 'job', 'history', 'target', 'warnings']);
/** The page saves at most 600 points (BoundedSeries); more room than that for a later page's series, none for an endless list. */
export const MAX_SAVED_POINTS = 10_000;
/** The host passes the last 5 tar messages; room for more, not for an endless list. */
export const MAX_SAVED_WARNINGS = 100;
/**
 * A tar message is one log line, which LineSplitter cuts at 64 KiB and marks so (not imported:
 * lineSplitter.ts needs Node's Buffer, which the page has not; a unit test holds the two together).
 */
export const MAX_WARNING_CHARS = 128 * 1024;
/** A job's or a run's reason: a verdict line, or an error's message (a node's error carries no bound of its own). */
export const MAX_REASON_CHARS = 64 * 1024;
/** Node names are the settings' (no bound there); far past any real one. */
const MAX_NODE_CHARS = 1024;
const MAX_PATH_CHARS = 4096;
/** The largest time a Date holds (ms): past it the page's clock texts would read NaN. */
const MAX_TIME_MS = 8.64e15;

function isPoint(p: unknown): p is ProgressPoint {
  return isRecord(p) && typeof p.t === 'number' && p.t >= 0 && p.t <= MAX_TIME_MS && isCount(p.bytes);
}

function isTarget(t: unknown): t is TargetInfo {
  return isRecord(t) && isCount(t.bytes) && isCount(t.sourceBytes) && typeof t.estimated === 'boolean';
}

function isWarnings(w: unknown): w is WarningsInfo {
  return isRecord(w) && isCount(w.count) && Array.isArray(w.last) && w.last.length <= MAX_SAVED_WARNINGS && w.last.every((m) => isText(m, MAX_WARNING_CHARS));
}

/**
 * A backup's or a restore's record, as the job file's guard reads one from the node: the page
 * shows every field (paths, container, times, overrides, a restore's spec), and the host, after
 * a reload, follows the saved record on its node again (observe, which may finalise the job and
 * remove its partial archive), so it must name no file but its own. The file it would be read
 * from is the one its archive and id imply; `node` is not in a job file, and `overrides`, which
 * the guard defaults for files written before it, the page iterates. The reason is bounded here:
 * one the host gave a job that is out of reach is an error's text, never written to a job file.
 */
function isPanelRecord(j: Obj): j is Obj & JobRecord {
  if (j.kind !== undefined && j.kind !== 'backup' && j.kind !== 'restore') return false;
  if (!isText(j.node, MAX_NODE_CHARS) || j.node === '' || typeof j.id !== 'string' || typeof j.archive !== 'string' || !j.archive.startsWith('/')) return false;
  if (!Array.isArray(j.overrides) || !optional(j.reason, (r) => isText(r, MAX_REASON_CHARS))) return false;
  const { reason: _, ...rest } = j;
  try {
    parseJobFile(JSON.stringify(rest), `${j.archive.slice(0, j.archive.lastIndexOf('/'))}/${j.id}${JOB_SUFFIX}`, j.node);
    return true;
  } catch {
    return false;
  }
}

/**
 * Exactly what the page can paint: every field it reads (render.ts, model.ts) of the right type
 * and within bounds, so a state saved by an older page, or altered, leaves the page as it loaded
 * (and the serializer closes the panel) instead of throwing half-way through a paint. Every
 * state the page writes (ProgressModel.persisted) passes.
 */
export function isPersistedState(s: unknown): s is PersistedState {
  if (!isRecord(s) || s.version !== 1 || !Object.keys(s).every((k) => STATE_KEYS.has(k))) return false;
  if (!Array.isArray(s.history) || s.history.length > MAX_SAVED_POINTS || !s.history.every(isPoint)) return false;
  if (!optional(s.target, isTarget) || !isWarnings(s.warnings) || !isRecord(s.job)) return false;
  return s.job.kind === 'readData' ? isReadDataRun(s.job) : isPanelRecord(s.job);
}

const JOB_STATES: ReadonlySet<string> = new Set<JobState>(['running', 'completed', 'completedWithWarnings', 'failed', 'cancelled', 'unknown']);

/** Every field the page reads of a read-data run, with sane counts (members done never past the total) and bounded texts. */
export function isReadDataRun(j: unknown): j is ReadDataRun {
  if (!isRecord(j) || j.kind !== 'readData' || !isText(j.id, MAX_PATH_CHARS) || !isText(j.node, MAX_NODE_CHARS) || j.node === '' || !isText(j.archive, MAX_PATH_CHARS)) return false;
  if (typeof j.state !== 'string' || !JOB_STATES.has(j.state) || !isTime(j.startedAt) || !isText(j.phase, 256)) return false;
  if (!isCount(j.members) || !isCount(j.membersTotal) || j.members > j.membersTotal || !isCount(j.bytesTotal)) return false;
  if (!optional(j.subset, (n) => isCount(n) && n >= 1 && n <= 10_000)) return false;
  return optional(j.endedAt, isTime) && optional(j.reason, (r) => isText(r, MAX_REASON_CHARS)) && optional(j.exitCode, (n) => isCount(n) && n <= 255);
}
