// A command in a container whose stdout is consumed as it arrives (a find over a million files,
// tar listing a big archive): nothing of it is held whole. There is no overall deadline, since
// a big volume takes minutes; silence is what is bounded, so a dead link still ends the call.
import type Docker from 'dockerode';
import { PassThrough } from 'stream';
import { StringDecoder } from 'string_decoder';
import { ExecError } from './exec';
import { endedWith, execStateOf } from './execInspect';

/** The longest delay setTimeout keeps (about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface StreamExecResult {
  exitCode: number;
  /** The tail of stderr (bounded: a command can warn about every file). */
  stderr: string;
  stdoutBytes: number;
}

const STDERR_KEEP = 64 * 1024;
/** Output held while the consumer is not ready yet, before the command is made to wait. */
const HOLD_MAX = 8 * 1024 * 1024;

export async function execStreaming(
  docker: Docker,
  container: string,
  argv: string[],
  o: {
    env?: string[];
    idleMs: number;
    onStdout: (chunk: Buffer) => void;
    signal?: AbortSignal;
    /**
     * The command starts now, but `onStdout` sees nothing before this settles: so a listing can
     * run while its consumer is still being built. Up to HOLD_MAX bytes wait here; beyond that
     * the stream is paused, and the command blocks on its pipe, so memory stays bounded. A
     * rejection stops the command with that error.
     */
    holdUntil?: Promise<unknown>;
  },
): Promise<StreamExecResult> {
  const what = `${argv[0]} in container ${container}`;
  const exec = await docker.getContainer(container).exec({
    Cmd: argv,
    Env: o.env ?? [],
    AttachStdout: true,
    AttachStderr: true,
    AttachStdin: false,
    Tty: false,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const so = new PassThrough();
  const se = new PassThrough();
  let stderr = '';
  let stdoutBytes = 0;
  let failure: Error | undefined;
  let timer: NodeJS.Timeout | undefined;
  let settle = () => {};
  // Once the call is over: output still queued in so and se (a stopped stream's last chunks) or a
  // consumer released late must not arm the idle timer again. Left armed, a timer of minutes held
  // the process open after its work was done.
  let over = false;
  const stop = (e: Error) => {
    failure ??= e;
    stream.destroy();
    // A paused stream that is destroyed may never say 'close': the call ends here regardless.
    settle();
  };
  const arm = () => {
    clearTimeout(timer);
    if (over || failure) return;
    // Node's timers hold 2^31-1 ms at most, and fire at once beyond it: a longer wait is that.
    timer = setTimeout(() => stop(new ExecError(`${what}: no output for ${Math.round(o.idleMs / 1000)} s; the node or the link may be down`)), Math.min(o.idleMs, MAX_TIMER_MS));
  };
  const onAbort = () => stop(new ExecError(`${what}: cancelled`));
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const deliver = (b: Buffer) => {
    try {
      o.onStdout(b);
    } catch (e) {
      // A parser that cannot read the output: no point in letting the command run on.
      stop(e as Error);
    }
  };
  let held: Buffer[] | undefined;
  let heldBytes = 0;
  let released: Promise<void> = Promise.resolve();
  if (o.holdUntil) {
    held = [];
    released = o.holdUntil.then(
      () => {
        const queue = held!;
        held = undefined;
        for (const b of queue) if (!failure) deliver(b);
        if (stream.isPaused()) {
          stream.resume();
          arm();
        }
      },
      (e: Error) => {
        held = undefined;
        stop(e);
      },
    );
  }
  so.on('data', (b: Buffer) => {
    stdoutBytes += b.length;
    if (held) {
      held.push(b);
      heldBytes += b.length;
      if (heldBytes > HOLD_MAX) {
        stream.pause();
        // Waiting on the consumer is not the node going silent.
        clearTimeout(timer);
      } else arm();
      return;
    }
    arm();
    deliver(b);
  });
  // A character cut between two of docker's frames, decoded frame by frame, became two U+FFFD
  // in the names tar's and find's stderr quotes: the decoder carries the cut bytes over.
  const errText = new StringDecoder('utf8');
  se.on('data', (b: Buffer) => {
    arm();
    stderr = (stderr + errText.write(b)).slice(-STDERR_KEEP);
  });
  docker.modem.demuxStream(stream, so, se);
  arm();
  try {
    await new Promise<void>((resolve, reject) => {
      settle = resolve;
      if (failure) resolve();
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', (e: Error) => (failure ? resolve() : reject(e)));
    });
    // A command that ended while its output was held: deliver it before reporting the end.
    if (!failure) await released;
  } finally {
    over = true;
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
  if (failure) throw failure;
  const exitCode = endedWith(execStateOf(await exec.inspect(), what));
  if (exitCode === undefined) throw new ExecError(`${what}: the connection ended before the command finished`);
  return { exitCode, stderr, stdoutBytes };
}
