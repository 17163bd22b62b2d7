// A CLI command run in this process with its output caught: what it wrote (stdout and stderr
// together, in order) and its exit code.
import { Writable } from 'node:stream';
import type { CliIo } from '../../../src/cli/io';

export async function cliOut(run: (io: CliIo) => Promise<number>): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  const code = await run({ stdout: sink, stderr: sink, stdin: process.stdin, env: {} });
  return { code, out };
}
