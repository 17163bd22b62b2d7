// The job registry against a real directory (LocalConnection with its home in a temp dir).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalConnection } from '../../src/core/node/nodeConnection';
import { pointerName, registerJob, registeredJobFiles } from '../../src/core/backup/jobRegistry';

class HomeIn extends LocalConnection {
  constructor(private readonly home: string) {
    super({ name: 'local' });
  }
  override async homeDir(): Promise<string> {
    return this.home;
  }
}

test('pointers lead to live job files; stale and foreign pointers are dropped', async () => {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'gb-registry-'));
  try {
    const conn = new HomeIn(path.join(root, 'home'));
    assert.deepEqual(await registeredJobFiles(conn), [], 'no registry yet is an empty list, not an error');
    const a = path.join(root, 'a', 'datarobot-gluster-backup-2026-28-11.job.json');
    const b = path.join(root, 'b', 'datarobot-gluster-backup-2026-28-11.job.json');
    for (const f of [a, b]) {
      await fsp.mkdir(path.dirname(f), { recursive: true });
      await fsp.writeFile(f, '{}');
      await registerJob(conn, f);
    }
    await registerJob(conn, a); // again: one pointer per job file
    assert.notEqual(pointerName(a), pointerName(b), 'same id in two directories, two pointers');
    const dir = path.join(root, 'home', '.gluster-backup', 'jobs');
    assert.equal((await fsp.stat(dir)).mode & 0o777, 0o700);
    await fsp.writeFile(path.join(dir, 'junk.json'), 'not json');
    await fsp.writeFile(path.join(dir, 'relative.json'), JSON.stringify({ job: 'x.job.json' }));
    // A job file that exists but is not named as ours: finalising it would remove files named
    // after it (its "partial", status and cancel) wherever it is.
    const foreign = path.join(root, 'a', 'important.job.json');
    await fsp.writeFile(foreign, '{}');
    await fsp.writeFile(path.join(dir, 'foreign.json'), JSON.stringify({ job: foreign }));
    assert.deepEqual((await registeredJobFiles(conn)).sort(), [a, b].sort());
    await fsp.rm(path.dirname(b), { recursive: true });
    assert.deepEqual(await registeredJobFiles(conn), [a]);
    assert.deepEqual(await fsp.readdir(dir), [pointerName(a)]);
  } finally {
    await fsp.rm(root, { recursive: true, force: true });
  }
});

test('a registry fuller than any use of this tool leaves is named, not walked', async () => {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'gb-registry-'));
  try {
    const conn = new HomeIn(path.join(root, 'home'));
    const dir = path.join(root, 'home', '.gluster-backup', 'jobs');
    await fsp.mkdir(dir, { recursive: true });
    for (let i = 0; i <= 10_000; i++) await fsp.writeFile(path.join(dir, `p${i}.json`), '');
    await assert.rejects(registeredJobFiles(conn), { message: `${dir} holds 10001 job pointers, more than 10000: not read; look at what wrote them` });
    assert.equal((await fsp.readdir(dir)).length, 10_001, 'nothing removed');
  } finally {
    await fsp.rm(root, { recursive: true, force: true });
  }
});

test('a pointer that cannot be read (EIO, a lost link) is an error, and stays: dropping it would hide its job for good', async () => {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'gb-registry-'));
  try {
    let failing = '';
    class Flaky extends HomeIn {
      override async read(file: string, start: number, length: number): Promise<Buffer> {
        if (file === failing) throw Object.assign(new Error(`EIO: i/o error, read '${file}'`), { code: 'EIO' });
        return super.read(file, start, length);
      }
    }
    const conn = new Flaky(path.join(root, 'home'));
    const a = path.join(root, 'a', 'datarobot-gluster-backup-2026-28-11.job.json');
    await fsp.mkdir(path.dirname(a), { recursive: true });
    await fsp.writeFile(a, '{}');
    await registerJob(conn, a);
    const dir = path.join(root, 'home', '.gluster-backup', 'jobs');
    failing = path.join(dir, pointerName(a));
    await assert.rejects(registeredJobFiles(conn), /EIO/);
    assert.deepEqual(await fsp.readdir(dir), [pointerName(a)], 'the pointer stays');
    failing = '';
    assert.deepEqual(await registeredJobFiles(conn), [a], 'read again once the node answers');
    // Pointers that parse to something else than an object are not ours: dropped.
    for (const junk of ['null', '[]', '"x"', '{"job":5}']) await fsp.writeFile(path.join(dir, `junk-${junk.length}.json`), junk);
    assert.deepEqual(await registeredJobFiles(conn), [a]);
    assert.deepEqual(await fsp.readdir(dir), [pointerName(a)]);
  } finally {
    await fsp.rm(root, { recursive: true, force: true });
  }
});

test('a pointer to a path no stat takes (a NUL in a directory, longer than PATH_MAX, through a file) is dropped, and the others read', async () => {
  const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'gb-registry-'));
  try {
    const conn = new HomeIn(path.join(root, 'home'));
    const a = path.join(root, 'a', 'datarobot-gluster-backup-2026-28-11.job.json');
    await fsp.mkdir(path.dirname(a), { recursive: true });
    await fsp.writeFile(a, '{}');
    await registerJob(conn, a);
    const dir = path.join(root, 'home', '.gluster-backup', 'jobs');
    // Each failed every listing of the node before (a stat error that is not "not found"), and stayed.
    const name = 'datarobot-gluster-backup-2026-28-11.job.json';
    await fsp.writeFile(path.join(dir, 'nul.json'), JSON.stringify({ job: `${root}/a\0b/${name}` }));
    await fsp.writeFile(path.join(dir, 'long.json'), JSON.stringify({ job: `${root}/${'d/'.repeat(2100)}${name}` }));
    // Through a file (ENOTDIR locally; over SFTP the server already says "no such file").
    await fsp.writeFile(path.join(dir, 'notdir.json'), JSON.stringify({ job: `${a}/${name}` }));
    assert.deepEqual(await registeredJobFiles(conn), [a]);
    assert.deepEqual(await fsp.readdir(dir), [pointerName(a)]);
  } finally {
    await fsp.rm(root, { recursive: true, force: true });
  }
});
