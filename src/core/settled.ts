// A value read from a node, or why it could not be read: what a check decides on when a failed
// read is itself something to report, not a reason to stop.
export type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };

export function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value): Settled<T> => ({ ok: true, value }),
    (e: unknown): Settled<T> => ({ ok: false, error: e instanceof Error ? e : new Error(String(e)) }),
  );
}
