// argv for every gluster call, never a shell string: the lead runs them via docker exec, where
// a volume name reaches gluster as one argument and nothing is interpreted by a shell.
//
// --mode=script: never stop at a y/n prompt. --timeout=N: the CLI's own wait for glusterd
// (default 120 s). Measured on GlusterFS 10.3 with glusterd frozen: `peer status`/`volume status`
// give up after N s ("Error : Request timed out", exit 1), but `volume heal VOL info` (run by
// glfsheal) ignores it and hangs. So every call also needs our own deadline: callDeadlineMs.
// --timeout=0 is refused ("timeout value should be a positive integer", exit 254).

export const DEFAULT_GLUSTER_TIMEOUT_S = 10;

export interface GlusterCallOptions {
  /** Seconds for gluster's own --timeout; default DEFAULT_GLUSTER_TIMEOUT_S. */
  timeoutS?: number;
  /** Program to run; "gluster" inside the container. */
  program?: string;
}

/** `gluster --mode=script --xml --timeout=<s> ...words`. */
export function glusterArgv(words: string[], opts: GlusterCallOptions = {}): string[] {
  const timeout = opts.timeoutS ?? DEFAULT_GLUSTER_TIMEOUT_S;
  if (!Number.isFinite(timeout) || timeout <= 0) throw new RangeError(`invalid gluster timeout: ${timeout}`);
  return [opts.program ?? 'gluster', '--mode=script', '--xml', `--timeout=${Math.ceil(timeout)}`, ...words];
}

/** Our own bound for a call built with these options: gluster's timeout plus slack for exec. */
export function callDeadlineMs(opts: GlusterCallOptions = {}, slackMs = 5000): number {
  return Math.ceil(opts.timeoutS ?? DEFAULT_GLUSTER_TIMEOUT_S) * 1000 + slackMs;
}

export function peerStatusArgv(opts?: GlusterCallOptions): string[] {
  return glusterArgv(['peer', 'status'], opts);
}

export function poolListArgv(opts?: GlusterCallOptions): string[] {
  return glusterArgv(['pool', 'list'], opts);
}

/** All volumes when `volume` is omitted. */
export function volumeInfoArgv(volume?: string, opts?: GlusterCallOptions): string[] {
  return glusterArgv(volume === undefined ? ['volume', 'info'] : ['volume', 'info', checkVolumeName(volume)], opts);
}

export function volumeStatusArgv(volume: string, detail = false, opts?: GlusterCallOptions): string[] {
  const words = ['volume', 'status', checkVolumeName(volume)];
  return glusterArgv(detail ? [...words, 'detail'] : words, opts);
}

export function healInfoArgv(volume: string, summary = false, opts?: GlusterCallOptions): string[] {
  const words = ['volume', 'heal', checkVolumeName(volume), 'info'];
  return glusterArgv(summary ? [...words, 'summary'] : words, opts);
}

/** `volume start VOL [force]`: force restarts bricks glusterd wrongly believes are running. */
export function volumeStartArgv(volume: string, force = false, opts?: GlusterCallOptions): string[] {
  const words = ['volume', 'start', checkVolumeName(volume)];
  return glusterArgv(force ? [...words, 'force'] : words, opts);
}

/**
 * Gluster's own rule for volume names (letters, digits, '-' and '_'; not starting with '-').
 * Checked here so a bad setting fails with a clear message instead of a CLI usage text, and so
 * nothing that looks like an option ("--remote-host=...") can be passed as a name.
 */
export function checkVolumeName(volume: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_-]{0,254}$/.test(volume) || volume === 'all') {
    throw new RangeError(`invalid gluster volume name: ${JSON.stringify(volume)}`);
  }
  return volume;
}
