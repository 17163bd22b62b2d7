// The messages between the extension host and the progress webview of a backup or restore job. Both sides import
// this file, so neither can send a shape the other does not expect; it must stay free of
// `vscode` and of the DOM (the host compiles it without either).
import type { JobKind, JobRecord, JobState } from '../core/backup/types';
import type { ProgressPoint } from '../core/backup/progressMath';

export type { JobKind, ProgressPoint };

/** The webview panel type, also named by the `onWebviewPanel:` activation event. */
export const PROGRESS_VIEW_TYPE = 'glusterBackup.progress';

/**
 * The page tells a backup from a restore by `job.kind` (words, and which job fields it shows).
 * A job without a kind was saved before restores existed: a backup.
 */
export function jobKindOf(job: Pick<JobRecord, 'kind'>): JobKind {
  return job.kind === 'restore' ? 'restore' : 'backup';
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
      job: JobRecord;
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
  job: JobRecord;
  history: ProgressPoint[];
  target?: TargetInfo;
  warnings: WarningsInfo;
}

export function isPersistedState(s: unknown): s is PersistedState {
  const p = s as Partial<PersistedState> | undefined;
  if (!p || p.version !== 1 || typeof p.job?.id !== 'string' || typeof p.job?.node !== 'string' || !Array.isArray(p.history)) return false;
  const kind: unknown = p.job.kind;
  // The page reads a restore's target and archive size from job.restore.
  if (kind === 'restore') return typeof p.job.restore?.target === 'string' && typeof p.job.restore?.archiveBytes === 'number';
  return kind === undefined || kind === 'backup';
}
