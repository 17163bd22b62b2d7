// What a backup job is, as recorded on the node beside its archive (`<stem>.job.json`) so that
// everything about it can be known from the node alone, after VS Code or the CLI went away.
import type { Compression } from './naming';
import type { TarEventCounts } from './tarWarnings';

export type JobState =
  | 'running'
  | 'completed' // tar exit 0: the archive is an exact copy
  | 'completedWithWarnings' // tar exit 1: usable, but files changed while read
  | 'failed' // tar exit 2, or the job died; no archive left behind
  | 'cancelled'
  | 'unknown'; // the node cannot be reached: the real outcome is read when it is back

export interface PreflightOverride {
  check: string;
  reason: string;
  by?: string;
}

export interface JobRecord {
  /** Same as the archive stem: datarobot-gluster-backup-YYYY-DD-MM[-N]. */
  id: string;
  node: string;
  state: JobState;
  /** Final archive path on the node's host. */
  archive: string;
  /** Where tar writes until it ends (renamed to `archive` on exit 0 or 1). */
  partial: string;
  /** tar's stderr, on the node's host. */
  log: string;
  compression: Compression;
  /** The program that compressed (pigz or gzip), when compressed. */
  compressor?: string;
  source: string;
  container: string;
  /** When the container last started, as the job began: a later start means it restarted. */
  containerStartedAt?: string;
  /** Docker exec id of the job's shell, to find it again after a reconnect. */
  execId?: string;
  startedAt: string;
  endedAt?: string;
  exitCode?: number;
  /** Apparent size of the source in bytes (the progress target), once measured. */
  sourceBytes?: number;
  archiveBytes?: number;
  warnings?: TarEventCounts;
  overrides: PreflightOverride[];
  /** Why it failed or was cancelled, in the operator's words. */
  reason?: string;
}

export interface BackupOptions {
  node?: string;
  backupDir?: string;
  compression: Compression;
  /** Checks the operator chose to override, with a reason each. */
  overrides?: PreflightOverride[];
}
