// --json's stderr: one JSON object per line (NDJSON), so that a program reading it never meets
// free text. Progress of a long command is a "status" line; every message the command would
// print for a person (preflight, phases, tar's warnings, errors) is a "message" line with that
// text. The result itself is the one JSON object on stdout.
import { Writable } from 'stream';
import type { CliIo, StatusLine } from './io';

/** Progress of a job (backup, restore) or of --read-data; null: not known (yet). */
export type { StatusLine };

export interface MessageLine {
  message_type: 'message';
  text: string;
}

export type NdjsonLine = StatusLine | MessageLine;

/** The figures every status line shares, from bytes, the target, the rate and the predicted end. */
export function statusFigures(o: { now: number; since: number; bytes: number; total: number | undefined; rate: number | undefined; finishAt: number | undefined }) {
  return {
    seconds_elapsed: Math.max(0, Math.round((o.now - o.since) / 1000)),
    bytes_done: o.bytes,
    total_bytes: o.total ?? null,
    percent_done: o.total ? Math.min(1, Math.round((o.bytes / o.total) * 10_000) / 10_000) : null,
    rate: o.rate !== undefined ? Math.round(o.rate) : null,
    eta_seconds: o.finishAt !== undefined ? Math.max(0, Math.round((o.finishAt - o.now) / 1000)) : null,
  };
}

/**
 * The io of a --json run: stderr turns every line written to it into a message line, and
 * `status` writes a status line; `flush` ends a last line that had no newline.
 */
export function ndjsonIo(io: CliIo): { io: CliIo; flush: () => void } {
  const raw = io.stderr;
  const emit = (line: NdjsonLine) => raw.write(JSON.stringify(line) + '\n');
  let pending = '';
  const message = (text: string) => {
    if (text.trim()) emit({ message_type: 'message', text });
  };
  // _write calls back at once, so lines leave in the order they were written, status lines included.
  const stderr = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      pending += chunk.toString();
      let i;
      while ((i = pending.indexOf('\n')) >= 0) {
        message(pending.slice(0, i));
        pending = pending.slice(i + 1);
      }
      callback();
    },
  });
  return {
    io: { ...io, stderr, status: (s: StatusLine) => emit(s) },
    flush() {
      message(pending);
      pending = '';
    },
  };
}
