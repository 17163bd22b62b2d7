// A job's name is claimed by writing its job file only where none exists: on this machine's
// filesystem (LocalConnection, the node a client runs on). The SSH side is in the integration tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalConnection } from '../../src/core/node/nodeConnection';

test('createExclusive writes a new file whole, private, and leaves an existing one as it was', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gb-claim-'));
  try {
    const conn = new LocalConnection({ name: 'local' });
    const file = path.join(dir, 'x.job.json');
    assert.equal(await conn.createExclusive(file, 'first\n'), true);
    assert.equal(await conn.createExclusive(file, 'second\n'), false);
    assert.equal(await fsp.readFile(file, 'utf8'), 'first\n');
    assert.equal((await fsp.stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await fsp.readdir(dir), ['x.job.json'], 'no temporary file left behind');
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

test('twenty claims of one name at once: exactly one is granted, and the file is that one whole', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gb-claim-'));
  try {
    const conn = new LocalConnection({ name: 'local' });
    const file = path.join(dir, 'x.job.json');
    const bodies = Array.from({ length: 20 }, (_, i) => `claim ${i} `.repeat(2000));
    const got = await Promise.all(bodies.map((b) => conn.createExclusive(file, b)));
    assert.equal(got.filter(Boolean).length, 1);
    assert.equal(await fsp.readFile(file, 'utf8'), bodies[got.indexOf(true)]);
    assert.deepEqual(await fsp.readdir(dir), ['x.job.json']);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

test('a directory that cannot be written is an error, not a taken name', async () => {
  const conn = new LocalConnection({ name: 'local' });
  await assert.rejects(conn.createExclusive('/nonexistent-dir-of-gluster-backup/x.job.json', 'x'), /ENOENT/);
});
