// Runs a command inside a container and returns its output and exit code.
// FIELD-NOTES: a hijacked exec stream can end with no error when the SSH link drops, and a
// timed-out one looked like success with an empty body, so the exit code always comes from
// `exec.inspect()`; no exit code means the command's outcome is unknown, which is an error.
import type Docker from 'dockerode';
import { PassThrough } from 'stream';
import { withDeadline } from '../deadline';

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

export async function execInContainer(
  docker: Docker,
  container: string,
  argv: string[],
  deadlineMs: number,
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
    const so = new PassThrough();
    const se = new PassThrough();
    so.on('data', (b: Buffer) => out.push(b));
    se.on('data', (b: Buffer) => err.push(b));
    docker.modem.demuxStream(stream, so, se);
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
    signal.removeEventListener('abort', onAbort);
    const info = await exec.inspect();
    const result: ExecResult = {
      exitCode: info.ExitCode ?? -1,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    };
    if (info.Running || info.ExitCode === null || info.ExitCode === undefined) {
      throw new ExecError(`${what}: the connection ended before the command finished`, result);
    }
    return result;
  });
}
