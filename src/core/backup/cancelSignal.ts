// A cancel's first signal to the job's tar, tried again while the answer may mean "not tar yet".
// A job started by an older build runs a script that says "running" as soon as it has forked
// tar's process, before that process has exec'd tar: the signal script then finds a shell's
// command line and exits 3 (SIGNAL_TAR_SCRIPT), which on a later look would have been tar's.
// Refusing at once withdrew an operator's cancel that came in that moment, and the job ran on.

/** SIGNAL_TAR_SCRIPT's exit when the pid is not this job's tar: nothing was signalled. */
export const NOT_THIS_TAR = 3;

/**
 * Looks after the first, a pause before each: ~1.5 s of pauses, where a fork becomes tar in
 * milliseconds. Bounded, since a pid that really is another process's stays so.
 */
export const NOT_YET_TAR_RETRIES = 6;
export const NOT_YET_TAR_PAUSE_MS = 250;

/**
 * Runs `attempt` (read the status, signal the tar it names; undefined when it names none) until
 * its answer is anything but NOT_THIS_TAR, at most 1 + `retries` times, with `pause` between:
 * the last answer. An attempt's error ends it, thrown as it came.
 */
export async function signalUntilTar<R extends { exitCode: number }>(attempt: () => Promise<R | undefined>, pause: () => Promise<void>, retries = NOT_YET_TAR_RETRIES): Promise<R | undefined> {
  let r = await attempt();
  for (let i = 0; i < retries && r?.exitCode === NOT_THIS_TAR; i++) {
    await pause();
    r = await attempt();
  }
  return r;
}
