// One error type for every way a gluster call can fail, so callers branch on `kind` instead
// of matching message text themselves. The message is always gluster's own words.

export type GlusterErrorKind =
  | 'notApplicable' // heal on a distribute volume: expected, not a fault
  | 'busy' // another transaction / cluster lock held: try again shortly
  | 'notStarted' // the volume exists but is not started
  | 'notFound' // no such volume
  | 'daemonDown' // the CLI could not reach glusterd
  | 'timeout' // the CLI gave up waiting for glusterd
  | 'empty' // nothing on stdout
  | 'malformed' // output that is not (complete) gluster XML
  | 'failed'; // any other opRet != 0

export interface GlusterErrorDetails {
  opRet?: number;
  opErrno?: number;
  exitCode?: number;
}

export class GlusterCliError extends Error {
  override readonly name = 'GlusterCliError';
  readonly retryable: boolean;

  constructor(
    readonly kind: GlusterErrorKind,
    message: string,
    readonly details: GlusterErrorDetails = {},
  ) {
    super(message);
    this.retryable = kind === 'busy' || kind === 'timeout';
  }

  /** Heal does not apply to this volume type: report "n/a", not a failure. */
  get notApplicable(): boolean {
    return this.kind === 'notApplicable';
  }
}

// Ordered: the first match wins. Texts as printed by GlusterFS 10 (see gluster-cli-samples);
// older releases use the same phrases.
const PATTERNS: [RegExp, GlusterErrorKind][] = [
  [/supported for only volumes of replicate\/disperse type|not of type replicate\/disperse/i, 'notApplicable'],
  [/another transaction is in progress|locking failed|lock (?:is )?held|unable to acquire lock/i, 'busy'],
  [/request timed out|timed out/i, 'timeout'],
  [/connection failed|check if gluster daemon is operational|cannot connect to glusterd/i, 'daemonDown'],
  [/is not started/i, 'notStarted'],
  [/does not exist/i, 'notFound'],
];

/** Kind for a gluster message; `fallback` when none of the known phrases is in it. */
export function classifyGlusterMessage(message: string, fallback: GlusterErrorKind = 'failed'): GlusterErrorKind {
  for (const [re, kind] of PATTERNS) if (re.test(message)) return kind;
  return fallback;
}

/**
 * For a call whose stdout held no XML at all (glusterd down, CLI timeout, usage error): builds
 * the error from whatever text the CLI printed on either stream.
 */
export function glusterErrorFromText(text: string, exitCode?: number): GlusterCliError {
  const message = text.trim().split('\n').map((l) => l.trim()).filter(Boolean).join(' ');
  if (!message) {
    const suffix = exitCode === undefined ? '' : ` (exit code ${exitCode})`;
    return new GlusterCliError('empty', `gluster printed nothing${suffix}`, { exitCode });
  }
  return new GlusterCliError(classifyGlusterMessage(message), message, { exitCode });
}

/**
 * The container cannot run the gluster program at all (an image without GlusterFS, a broken
 * install): nothing changes that short of a new container, so a refresh need not ask again.
 * `node` is set by whoever made the call, since a refresh shares one node's answers with others.
 */
export class GlusterMissing extends Error {
  override readonly name = 'GlusterMissing';
  node?: string;
}

/**
 * docker exec of a program the container lacks exits 127 (not found) or 126 (not executable)
 * with the runtime's own words, e.g. `exec: "gluster": executable file not found in $PATH`.
 * Both are required: gluster itself never exits with those codes, and the words alone could be
 * anyone's output.
 */
export function glusterMissingFrom(exitCode: number, text: string, program: string, container: string): GlusterMissing | undefined {
  if (exitCode !== 126 && exitCode !== 127) return undefined;
  const said = execRefusal(text);
  if (!said) return undefined;
  return new GlusterMissing(`the ${container} container cannot run ${program} (${said.why}): it answers no gluster question; asked again once the container is restarted or replaced. docker said: ${said.words}`);
}

/**
 * The runtime's refusal to run a program in the container (`exec: "X": executable file not
 * found in $PATH`): why, and its first line as docker said it; undefined when `text` holds none.
 */
export function execRefusal(text: string): { why: string; words: string } | undefined {
  // The runtime's words are on one short line: matched there, a hostile text cannot make the
  // search quadratic.
  const said = text
    .slice(0, 64 * 1024)
    .split('\n')
    .map((l) => /exec(?: failed)?: [^\n]{0,300}?(executable file not found|no such file or directory|permission denied)/i.exec(l.slice(0, 600)))
    .find((m) => m !== null);
  return said ? { why: said[1], words: text.trim().split('\n')[0].slice(0, 300) } : undefined;
}
