// Lines out of text that streams from a node (a job's log, docker's events), held to a bound:
// a stream without newlines must not grow the client's memory.

/** The longest line given out whole: tar's lines name one path (under 4 KiB on a gluster volume). */
export const MAX_LOG_LINE = 64 * 1024;
const CUT_NOTE = ' [cut: the line is longer than 64 KiB]';

/**
 * Splits a stream of stderr text into complete lines, keeping the unfinished tail (at most
 * MAX_LOG_LINE: a longer line is given out cut, once, and the rest of it dropped). Only the new
 * text is searched for line ends, so a long line in small chunks stays linear.
 */
export class LineSplitter {
  private rest = '';
  /** Inside a line already given out cut: its text up to the next newline is dropped. */
  private dropping = false;

  push(chunk: string): string[] {
    const out: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      if (!this.dropping) out.push(cut(this.rest + chunk.slice(start, nl)));
      this.rest = '';
      this.dropping = false;
      start = nl + 1;
    }
    if (!this.dropping && start < chunk.length) {
      this.rest += chunk.slice(start);
      if (this.rest.length > MAX_LOG_LINE) {
        out.push(cut(this.rest));
        this.rest = '';
        this.dropping = true;
      }
    }
    return out;
  }

  flush(): string[] {
    const r = this.rest && !this.dropping ? [this.rest] : [];
    this.rest = '';
    this.dropping = false;
    return r;
  }

  /** Characters held for the unfinished line. */
  get held(): number {
    return this.rest.length;
  }
}

function cut(line: string): string {
  return line.length > MAX_LOG_LINE ? line.slice(0, MAX_LOG_LINE) + CUT_NOTE : line;
}
