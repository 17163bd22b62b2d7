// How far each followed restore's tar has read its archive, as this process last learnt it.
// Two sources race: the job's wait prints a position now and then, and an exec reads one when
// the wait's is stale. A printed position may arrive after an exec read a later one; reported as
// it came, the progress stepped back, which the rate reads as a restarted job (rate and ETA start
// over). tar reads its archive forwards only, so what is reported never goes below what was.

interface Followed {
  /** The furthest position reported. */
  bytes: number;
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
    else this.followed.set(key, { bytes: 0, heardAt: -Infinity, waits: 1 });
  }

  waitEnded(key: string): void {
    const f = this.followed.get(key);
    if (f && --f.waits <= 0) this.followed.delete(key);
  }

  /** The wait printed `bytes` at `now`. */
  heard(key: string, bytes: number, now: number): void {
    const f = this.followed.get(key);
    if (!f) return;
    f.bytes = Math.max(f.bytes, bytes);
    f.heardAt = now;
  }

  /** The position to report when the wait printed one within freshMs of `now`; else undefined. */
  fresh(key: string, now: number): number | undefined {
    const f = this.followed.get(key);
    return f && now - f.heardAt < this.freshMs ? f.bytes : undefined;
  }

  /** An exec read `bytes`: the position to report. */
  read(key: string, bytes: number): number {
    const f = this.followed.get(key);
    if (!f) return bytes;
    f.bytes = Math.max(f.bytes, bytes);
    return f.bytes;
  }
}
