// An atomic write that fails leaves no temporary file beside the file it was writing: on this
// machine's filesystem (LocalConnection), a real write failing under a file size limit. The SSH side is in test/integration/ssh.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalConnection } from '../../src/core/node/nodeConnection';

/**
 * `method` of a LocalConnection run in a child whose file size limit is one block: the write
 * fails for real with EFBIG part way, as one to a full disk fails with ENOSPC (SIGXFSZ ignored,
 * so the write returns the error instead of killing the process). What it threw, or "ok".
 */
function underFileSizeLimit(method: 'writeAtomic' | 'createExclusive', file: string, data: string): { code?: string; message?: string } | 'ok' {
  const mod = path.join(__dirname, '../../src/core/node/nodeConnection');
  const script = `new (require(${JSON.stringify(mod)}).LocalConnection)({ name: 'local' }).${method}(${JSON.stringify(file)}, ${JSON.stringify(data)}).then(() => console.log('"ok"'), (e) => console.log(JSON.stringify({ code: e.code, message: e.message })))`;
  const r = spawnSync('sh', ['-c', `trap '' XFSZ; ulimit -f 1; exec "$@"`, 'limited', process.execPath, '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { code?: string; message?: string } | 'ok';
}

/** More than the one 512-byte block the limit lets a file have. */
const BIG = 'x'.repeat(4096);

test('writeAtomic whose write fails: the error is the write\'s, the file is as it was, no temporary file stays', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gb-atomic-'));
  try {
    const conn = new LocalConnection({ name: 'local' });
    const file = path.join(dir, 'x.job.json');
    await conn.writeAtomic(file, 'before\n');
    const failed = underFileSizeLimit('writeAtomic', file, BIG);
    assert.equal(failed === 'ok' ? 'ok' : failed.code, 'EFBIG', JSON.stringify(failed));
    assert.equal(await fsp.readFile(file, 'utf8'), 'before\n');
    assert.deepEqual(await fsp.readdir(dir), ['x.job.json']);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

test('writeAtomic whose rename fails (a directory holds the name): the error is the rename\'s, no temporary file stays', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gb-atomic-'));
  try {
    const conn = new LocalConnection({ name: 'local' });
    const file = path.join(dir, 'x.job.json');
    await fsp.mkdir(file);
    await fsp.writeFile(path.join(file, 'inside'), 'kept\n');
    await assert.rejects(conn.writeAtomic(file, 'data\n'), { code: 'EISDIR' });
    assert.deepEqual(await fsp.readdir(dir), ['x.job.json']);
    assert.deepEqual(await fsp.readdir(file), ['inside']);
    assert.equal(await fsp.readFile(path.join(file, 'inside'), 'utf8'), 'kept\n');
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

test('createExclusive whose write fails: the error is the write\'s, nothing is claimed, no temporary file stays', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gb-atomic-'));
  try {
    const conn = new LocalConnection({ name: 'local' });
    const file = path.join(dir, 'x.job.json');
    const failed = underFileSizeLimit('createExclusive', file, BIG);
    assert.equal(failed === 'ok' ? 'ok' : failed.code, 'EFBIG', JSON.stringify(failed));
    assert.deepEqual(await fsp.readdir(dir), []);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});
