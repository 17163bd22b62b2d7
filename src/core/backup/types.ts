// What a backup job is, as recorded on the node beside its archive (`<stem>.job.json`) so that
// everything about it can be known from the node alone, after VS Code or the CLI went away.
import type { Compression } from './naming';

// The job record and its states live with the job file's guard (jobFile.ts), the one owner of
// what crosses from the node; they are re-exported here for the code that only reads them.
export type { JobKind, JobRecord, JobState, PreflightOverride } from './jobFile';
import type { PreflightOverride } from './jobFile';

export interface BackupOptions {
  node?: string;
  backupDir?: string;
  compression: Compression;
  /** Checks the operator chose to override, with a reason each. */
  overrides?: PreflightOverride[];
}
