// Records out of what streams from a node, held to a bound: a stream without a record's end
// must not grow the client's memory. Lines of text (a job's log, docker's events: LineSplitter)
// and NUL-terminated records of bytes (find's listing of a target, the device check's records: NulRecords).
// tar's listing has its own (BoundedLines, tarListing.ts): latin1 lines, refused when too long.

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

/**
 * Records out of a byte stream in which each record ends at its `nuls`-th NUL: find's listing
 * (`... %P\0%l\0`, two: the path and the link target) and the device check's (`<i> <mode> <major> <minor>\0`, one). Names
 * hold any byte but NUL, so they come through exactly. No record, and no unfinished one held,
 * is longer than `max` bytes (up to its last NUL): output with no record end in that many bytes
 * is not a listing, and is refused with `fail`. Chunks are joined only once a record is complete,
 * so a long record fed in small chunks is not copied again for each chunk.
 */
export class NulRecords {
  private rest: Buffer[] = [];
  private restBytes = 0;
  /** The NULs the held bytes hold (fewer than `nuls`). */
  private restNuls = 0;
  /** Where in the stream the buffer `record` is given starts; between pushes, the held bytes. */
  private base = 0;

  /**
   * `quote`: its refusals also show the bytes in question (at most 200), for a stream whose
   * wrong form is worth reading (a runtime's own message where the records were due).
   */
  constructor(
    private readonly nuls: 1 | 2,
    private readonly max: number,
    private readonly fail: (message: string) => Error,
    private readonly quote = false,
  ) {}

  /** The stream's byte offset of `b[start]`, in `record`; after a push, of the record held. */
  at(start = 0): number {
    return this.base + start;
  }

  /**
   * Gives each complete record to `record`: it starts at `b[start]`, its fields end at the NULs
   * `z1` and `z2` (the same one for a record of one field). The unfinished last one is kept.
   */
  push(chunk: Buffer, record: (b: Buffer, start: number, z1: number, z2: number) => void): void {
    const found = nulsIn(chunk, this.nuls - this.restNuls);
    if (this.restNuls + found < this.nuls) {
      if (this.restBytes + chunk.length > this.max) throw this.tooLong(this.base, Buffer.concat([...this.rest, chunk]));
      this.rest.push(Buffer.from(chunk));
      this.restBytes += chunk.length;
      this.restNuls += found;
      return;
    }
    const b = this.rest.length ? Buffer.concat([...this.rest, chunk]) : chunk;
    let p = 0;
    for (;;) {
      const z1 = b.indexOf(0, p);
      if (z1 < 0) break;
      const z2 = this.nuls === 1 ? z1 : b.indexOf(0, z1 + 1);
      if (z2 < 0) break;
      if (z2 - p > this.max) throw this.tooLong(this.base + p, b.subarray(p));
      record(b, p, z1, z2);
      p = z2 + 1;
    }
    this.base += p;
    const rest = Buffer.from(b.subarray(p));
    if (rest.length > this.max) throw this.tooLong(this.base, rest);
    this.rest = rest.length ? [rest] : [];
    this.restBytes = rest.length;
    this.restNuls = nulsIn(rest, this.nuls);
  }

  /** Refuses a stream that ended inside a record; `what` names the stream ("listing"). */
  end(what: string): void {
    if (this.restBytes) throw this.fail(`${what} ends inside a record at byte ${this.base}${this.quoted(Buffer.concat(this.rest))}`);
  }

  private tooLong(at: number, bytes: Buffer): Error {
    return this.fail(`record longer than ${this.max} bytes at byte ${at}${this.quoted(bytes)}`);
  }

  private quoted(b: Buffer): string {
    return this.quote ? `: ${JSON.stringify(b.toString('latin1', 0, Math.min(b.length, 200)))}` : '';
  }
}

/** How many NULs `b` holds, counted up to `upTo` (the search stops there). */
function nulsIn(b: Buffer, upTo: number): number {
  let n = 0;
  for (let z = b.indexOf(0); z >= 0 && ++n < upTo; z = b.indexOf(0, z + 1));
  return n;
}
