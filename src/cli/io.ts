// What a CLI command talks to: its own streams and environment, passed in so tests and the
// entry point give the same commands different ends.
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Calls the handler on Ctrl-C (SIGINT) until the returned function is called; none: Ctrl-C is not caught. */
  onInterrupt?: (handler: () => void) => () => void;
  /** With --json: writes a progress line (NDJSON on stderr). */
  status?: (line: StatusLine) => void;
}

/** One progress line of --json's NDJSON on stderr (see help progress). */
export interface StatusLine {
  message_type: 'status';
  /** backup | restore (a job's tar), or read-data (validate-backup --read-data). */
  kind: 'backup' | 'restore' | 'read-data';
  /** The job's id; absent for read-data, which is no job. */
  job?: string;
  node?: string;
  seconds_elapsed: number;
  bytes_done: number;
  total_bytes: number | null;
  /** 0 to 1. */
  percent_done: number | null;
  /** Bytes per second, smoothed as the progress panel smooths it. */
  rate: number | null;
  /** Only once the predictions agree, as the panel shows it. */
  eta_seconds: number | null;
  /** tar's warnings so far (jobs). */
  warnings?: number;
  /** Members compared so far, and in all (read-data). */
  members_done?: number;
  total_members?: number;
}
