// GNU tar's stderr, turned into typed events. tar prints one message per line, prefixed with
// the program name ("tar: "); file names are quoted by tar's default quoting style, so a name
// with a newline arrives escaped ("\n") and one line is always one message.
/** How the job script's own lines in a job's log begin (jobScript.ts): they are not tar's. */
export const JOB_LINE_PREFIX = 'gluster-backup: ';

export type TarEventKind =
  | 'changed' // file changed as we read it
  | 'removed' // file removed before we read it
  | 'shrank' // file shrank by N bytes; padding with zeros
  | 'cannotOpen' // Cannot open: Permission denied, ...
  | 'cannotStat'
  | 'cannotRead'
  | 'socketIgnored' // socket ignored
  | 'noSpace' // Cannot write: No space left on device
  | 'writeError'
  | 'fatal' // Error is not recoverable / Exiting with failure status
  | 'other';

export interface TarEvent {
  kind: TarEventKind;
  /** The file concerned, as tar printed it (relative to the archive root). */
  path?: string;
  /** tar's own line, without the program prefix. */
  message: string;
  /** Warnings leave a usable archive (exit 1); errors do not (exit 2). */
  severity: 'warning' | 'error';
}

// dotAll (s) on every rule: a line is already one message, and without it `.` stops at a \r or
// U+2028 inside the line, so `(.*)$` failed there after each `: Cannot write: ` the first group
// backtracked to: a node's line of repeated phrases ending in U+2028 took time quadratic in its
// length (an 8 MiB log read at a job's end ran for minutes).
const RULES: { re: RegExp; kind: TarEventKind; severity: TarEvent['severity'] }[] = [
  { re: /^(.*): file changed as we read it$/s, kind: 'changed', severity: 'warning' },
  { re: /^(.*): File removed before we read it$/s, kind: 'removed', severity: 'warning' },
  { re: /^(.*): file removed before we read it$/s, kind: 'removed', severity: 'warning' },
  { re: /^(.*): File shrank by \d+ bytes?; padding with zeros$/s, kind: 'shrank', severity: 'warning' },
  { re: /^(.*): socket ignored$/s, kind: 'socketIgnored', severity: 'warning' },
  { re: /^(.*): Cannot write: No space left on device$/s, kind: 'noSpace', severity: 'error' },
  { re: /^(.*): Wrote only \d+ of \d+ bytes$/s, kind: 'noSpace', severity: 'error' },
  { re: /^(.*): Cannot write: (.*)$/s, kind: 'writeError', severity: 'error' },
  { re: /^(.*): Cannot open: (.*)$/s, kind: 'cannotOpen', severity: 'warning' },
  { re: /^(.*): Cannot stat: (.*)$/s, kind: 'cannotStat', severity: 'warning' },
  { re: /^(.*): Read error at byte .*$/s, kind: 'cannotRead', severity: 'warning' },
  { re: /^(.*): Cannot (?:read|readlink|savedir): (.*)$/s, kind: 'cannotRead', severity: 'warning' },
  { re: /^()Error is not recoverable: exiting now$/s, kind: 'fatal', severity: 'error' },
  { re: /^()Exiting with failure status due to previous errors$/s, kind: 'fatal', severity: 'error' },
];

export function parseTarLine(raw: string): TarEvent | undefined {
  const line = raw.replace(/\r$/, '');
  if (!line.trim()) return undefined;
  // The job script's own words (jobScript.ts), not tar's: neither a warning nor an error of tar.
  if (line.startsWith(JOB_LINE_PREFIX)) return undefined;
  // "tar: " or "/bin/tar: "; a message from the compressor (pigz: ...) is kept as 'other'.
  const message = line.replace(/^(?:\S*\/)?tar: /, '');
  for (const r of RULES) {
    const m = r.re.exec(message);
    if (m) {
      const ev: TarEvent = { kind: r.kind, message, severity: r.severity };
      if (m[1]) ev.path = m[1];
      return ev;
    }
  }
  return { kind: 'other', message, severity: /error|cannot|failed/i.test(message) ? 'error' : 'warning' };
}

export type TarEventCounts = Partial<Record<TarEventKind, number>>;

export function countEvents(events: TarEvent[]): TarEventCounts {
  const c: TarEventCounts = {};
  for (const e of events) c[e.kind] = (c[e.kind] ?? 0) + 1;
  return c;
}
