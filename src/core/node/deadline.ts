// Every remote call has a deadline: a hung node must cost its own timeout and nothing else.

export class DeadlineError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not answer within ${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)} s`);
    this.name = 'DeadlineError';
  }
}

/**
 * Races `work` against a timer. The AbortSignal handed to `work` fires on the deadline so the
 * underlying request can be torn down instead of leaking.
 */
export async function withDeadline<T>(what: string, ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new DeadlineError(what, ms);
      ctl.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([work(ctl.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
