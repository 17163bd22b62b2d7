// An atomic write that fails leaves no temporary file beside the file it was writing: on this
// machine's filesystem (LocalConnection). The SSH side is in test/integration/ssh.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalConnection } from '../../src/core/node/nodeConnection';

/** A writeFile that writes the first half of what it is given, then fails as a full disk does. */
async function withFullDisk<T>(fn: () => Promise<T>): Promise<T> {
  const real = fsp.writeFile;
  fsp.writeFile = (async (file: string, data: string | Buffer, opts: { mode?: number }) => {
    const b = Buffer.from(data);
    await real(file, b.subarray(0, b.length >> 1), opts);
    throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC' });
  }) as typeof fsp.writeFile;
  try {
    return await fn();
  } finally {
    fsp.writeFile = real;
  }
}

test('writeAtomic whose write fails: the error is the write\'s, the file is as it was, no temporary file stays', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'gb-atomic-'));
  try {
    const conn = new LocalConnection({ name: 'local' });
    const file = path.join(dir, 'x.job.json');
    await conn.writeAtomic(file, 'before\n');
    await withFullDisk(() => assert.rejects(conn.writeAtomic(file, 'after, and longer\n'), { message: 'ENOSPC: no space left on device, write', code: 'ENOSPC' }));
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
    await withFullDisk(() => assert.rejects(conn.createExclusive(file, 'claim\n'), { message: 'ENOSPC: no space left on device, write', code: 'ENOSPC' }));
    assert.deepEqual(await fsp.readdir(dir), []);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});
