// A directory listing is bounded: past MAX_DIR_ENTRIES entries it stops with an error that says
// so, rather than holding every name at once. The local connection here (the SFTP one on the
// test bed, integration). The directory is made by this machine's shell: 200,001 empty files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalConnection } from '../../src/core/node/nodeConnection';
import { DirectoryTooLargeError, MAX_DIR_ENTRIES } from '../../src/core/node/dirBound';

test('a local directory of one entry past the bound: refused with the directory named, before any of its entries is stat\'ed', async () => {
  // In memory where the machine has it: 200,001 files on a disk take seconds to make and remove.
  const dir = fs.mkdtempSync(path.join(fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'gb-many-'));
  try {
    const made = spawnSync('sh', ['-c', 'cd "$1" && seq 1 "$2" | xargs touch', 'many', dir, String(MAX_DIR_ENTRIES)], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    const conn = new LocalConnection({ name: 'here' });
    // At the bound the names are all read (each then stat'ed: slow at this count, so the small
    // listings of every other test stand for it); one more is refused before any stat.
    fs.writeFileSync(path.join(dir, 'one-more'), '');
    assert.equal(fs.readdirSync(dir).length, MAX_DIR_ENTRIES + 1);
    const e = await conn.listDir(dir).then(() => undefined, (x: Error) => x);
    assert.ok(e instanceof DirectoryTooLargeError, String(e));
    assert.equal(e.message, `${dir} holds more than 200000 entries: not a directory this tool lists (a backups directory holds a dozen files per archive); choose another with -b or the backupDir setting`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
