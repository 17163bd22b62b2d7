// Runs a command inside a container and returns its output and exit code.
// Seen on the test bed: a hijacked exec stream can end with no error when the SSH link drops, and a
// timed-out one looked like success with an empty body, so the exit code always comes from
// `exec.inspect()`; no exit code means the command's outcome is unknown, which is an error.
import type Docker from 'dockerode';
import { PassThrough } from 'stream';
import { withDeadline } from '../node/deadline';
import { endedWith, execStateOf } from './execInspect';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export class ExecError extends Error {
  constructor(message: string, readonly result?: ExecResult) {
    super(message);
    this.name = 'ExecError';
  }
}

/**
 * What a command may print before it is stopped: everything here is read whole into memory,
 * and what a node prints is not ours to trust. Long outputs go through execStreaming.
 */
export const MAX_EXEC_OUTPUT = 32 * 1024 * 1024;

export async function execInContainer(
  docker: Docker,
  container: string,
  argv: string[],
  deadlineMs: number,
  maxOutput = MAX_EXEC_OUTPUT,
): Promise<ExecResult> {
  const what = `${argv.slice(0, 3).join(' ')} in container ${container}`;
  return withDeadline(what, deadlineMs, async (signal) => {
    const exec = await docker.getContainer(container).exec({
      Cmd: argv,
      AttachStdout: true,
      AttachStderr: true,
      AttachStdin: false,
      Tty: false,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const onAbort = () => stream.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let printed = 0;
    let tooMuch = false;
    const so = new PassThrough();
    const se = new PassThrough();
    const keep = (into: Buffer[]) => (b: Buffer) => {
      printed += b.length;
      if (printed > maxOutput) {
        tooMuch = true;
        stream.destroy();
      } else into.push(b);
    };
    so.on('data', keep(out));
    se.on('data', keep(err));
    docker.modem.demuxStream(stream, so, se);
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    signal.removeEventListener('abort', onAbort);
    if (tooMuch) throw new ExecError(`${what} printed more than ${Math.round(maxOutput / 1048576)} MiB: stopped reading it`);
    const exitCode = endedWith(execStateOf(await exec.inspect(), what));
    const result: ExecResult = {
      exitCode: exitCode ?? -1,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    };
    if (exitCode === undefined) throw new ExecError(`${what}: the connection ended before the command finished`, result);
    return result;
  });
}
