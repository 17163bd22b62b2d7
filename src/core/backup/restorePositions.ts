// How far each followed restore's tar has read its archive, as this process last learnt it.
// Two sources race: the job's wait prints a position now and then, and an exec reads one when
// the wait's is stale. A printed position may arrive after an exec read a later one; reported as
// it came, the progress stepped back, which the rate reads as a restarted job (rate and ETA start
// over). tar reads its archive forwards only, so what is reported never goes below what was.

/** A position and when it was learnt (ms): a sample of the progress is stamped with that time. */
export interface Position {
  bytes: number;
  at: number;
}

interface Followed {
  /** The furthest position reported. */
  bytes: number;
  /** When `bytes` was last learnt (printed or read): a position heard seconds ago is that old. */
  at: number;
  /** When the wait last printed one (ms); -Infinity before it has. */
  heardAt: number;
  /** Waits running for this restore in this process. */
  waits: number;
}

export class RestorePositions {
  // Only restores whose wait runs here: the entry goes with the last wait, so the map is bounded
  // by the follows in progress. Without a wait every position is an exec's, read in turn, so
  // each is later than the one before and nothing needs keeping.
  private readonly followed = new Map<string, Followed>();

  /** `freshMs`: how long a printed position is used before the node is asked again. */
  constructor(private readonly freshMs = 3000) {}

  waitBegan(key: string): void {
    const f = this.followed.get(key);
    if (f) f.waits++;
    else this.followed.set(key, { bytes: 0, at: -Infinity, heardAt: -Infinity, waits: 1 });
  }

  waitEnded(key: string): void {
    const f = this.followed.get(key);
    if (f && --f.waits <= 0) this.followed.delete(key);
  }

  /** The wait printed `bytes` at `now`. */
  heard(key: string, bytes: number, now: number): void {
    const f = this.followed.get(key);
    if (!f) return;
    this.learnt(f, bytes, now);
    f.heardAt = now;
  }

  /**
   * The position to report when the wait printed one within freshMs of `now`, with when it was
   * learnt (not `now`: reported again at each sample as if new, a position read once looked
   * like seconds without progress, then a jump); else undefined.
   */
  fresh(key: string, now: number): Position | undefined {
    const f = this.followed.get(key);
    return f && now - f.heardAt < this.freshMs ? { bytes: f.bytes, at: f.at } : undefined;
  }

  /** An exec read `bytes` at `now`: the position to report. */
  read(key: string, bytes: number, now: number): Position {
    const f = this.followed.get(key);
    if (!f) return { bytes, at: now };
    this.learnt(f, bytes, now);
    return { bytes: f.bytes, at: f.at };
  }

  /** A position below the furthest is older news: it neither moves the report nor its time. */
  private learnt(f: Followed, bytes: number, now: number): void {
    if (bytes < f.bytes) return;
    f.bytes = bytes;
    f.at = now;
  }
}
