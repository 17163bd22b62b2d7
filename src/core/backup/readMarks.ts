// The furthest read position reported per running restore. tar reads its archive forwards only,
// but the positions come from two sources that race (the job's wait prints one now and then, an
// exec reads one when the wait's is stale): a printed one may arrive after an exec read a later
// one. A sample that went backwards read as a restarted job: the rate and the ETA started over.

export class ReadMarks {
  private readonly marks = new Map<string, number>();

  /** At most `max` restores remembered: those whose end was never looked at go, oldest first. */
  constructor(private readonly max = 64) {}

  /** The furthest of `bytes` and every position reported before for `key`. */
  report(key: string, bytes: number): number {
    const mark = Math.max(bytes, this.marks.get(key) ?? 0);
    if (!this.marks.has(key) && this.marks.size >= this.max) this.marks.delete(this.marks.keys().next().value!);
    this.marks.set(key, mark);
    return mark;
  }

  /** The restore ended: a job of the same key later starts from nothing. */
  forget(key: string): void {
    this.marks.delete(key);
  }

  get size(): number {
    return this.marks.size;
  }
}
