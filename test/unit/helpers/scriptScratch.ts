// A fresh directory for running the backup job script on this machine: a source tree with its
// mtimes pinned, an empty backups directory and an empty bin for PATH shims.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const SCRIPT_MTIME = 1700000000;

/** `bigBytes`: the size of src/a/big, large enough that a follower reads it in several steps while tar writes. */
export function scriptScratch(prefix: string, bigBytes: number): { dir: string; src: string; backups: string; bin: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const src = path.join(dir, 'src');
  fs.mkdirSync(path.join(src, 'a'), { recursive: true });
  fs.writeFileSync(path.join(src, 'a', 'big'), Buffer.alloc(bigBytes, 7));
  fs.writeFileSync(path.join(src, 'small'), 'small');
  for (const p of ['a/big', 'small', 'a']) fs.utimesSync(path.join(src, p), SCRIPT_MTIME, SCRIPT_MTIME);
  const backups = path.join(dir, 'backups');
  fs.mkdirSync(backups);
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  return { dir, src, backups, bin };
}
