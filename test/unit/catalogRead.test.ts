// The catalog of a real directory on this machine (the local connection: real files, no node):
// records that fail their guard are shown with why and keep their archive from prune, as does a
// --read-data-subset run's lock.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { catalogOfListing, readNodeCatalog, keptCatalog } from '../../src/core/catalog/catalog';
import { planPrune } from '../../src/core/catalog/prunePlan';
import { LocalConnection } from '../../src/core/node/nodeConnection';
import { prune } from '../../src/core/catalog/prune';
import type { Cluster } from '../../src/core/cluster';
import { formatCatalog } from '../../src/cli/catalog';
import { takeReadDataLock } from '../../src/core/validate/takeReadDataLock';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-catalog-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const P = 'datarobot-gluster-backup-';

function put(name: string, content: string | Buffer, mtime: string): void {
  fs.writeFileSync(path.join(dir, name), content);
  const t = new Date(mtime);
  fs.utimesSync(path.join(dir, name), t, t);
}

test('a planted job record, an oversized one and a directory named like an archive: shown, never trusted, never removed', async () => {
  put(`${P}2026-01-10.tar`, Buffer.alloc(10240), '2026-10-01T00:00:00Z');
  // Its fields point at a file outside the job's own: the guard refuses it.
  put(`${P}2026-01-10.job.json`, JSON.stringify({ version: 1, kind: 'backup', id: `${P}2026-01-10`, state: 'completed', archive: '/etc/passwd', partial: '/etc/passwd.partial', log: '/etc/x', compression: 'none', source: '/mnt/gluster', container: 'gluster', startedAt: '2026-10-01T00:00:00Z', overrides: [] }), '2026-10-01T00:00:00Z');
  put(`${P}2026-02-10.tar`, Buffer.alloc(10240), '2026-10-02T00:00:00Z');
  put(`${P}2026-02-10.job.json`, 'x'.repeat(70 * 1024), '2026-10-02T00:00:00Z');
  put(`${P}2026-03-10.tar`, Buffer.alloc(10240), '2026-10-03T00:00:00Z');
  put(`${P}2026-03-10.log`, '', '2026-10-03T00:00:00Z');
  fs.mkdirSync(path.join(dir, `${P}2026-04-10.tar`));

  const n = await readNodeCatalog(new LocalConnection({ name: 'local' }), 'local', dir);
  const by = new Map(n.archives.map((a) => [a.name, a]));
  assert.deepEqual([...by.keys()], [`${P}2026-01-10.tar`, `${P}2026-02-10.tar`, `${P}2026-03-10.tar`]);
  assert.match(by.get(`${P}2026-01-10.tar`)!.jobError ?? '', /"archive" is not .*2026-01-10\.tar, where this job file puts it/);
  assert.equal(by.get(`${P}2026-01-10.tar`)!.madeFrom, 'mtime');
  assert.match(by.get(`${P}2026-02-10.tar`)!.jobError ?? '', /71680 bytes, larger than any job file \(65536\)/);
  assert.deepEqual(by.get(`${P}2026-03-10.tar`)!.files, [`${P}2026-03-10.tar`, `${P}2026-03-10.log`]);
  assert.deepEqual(n.foreign, [`${P}2026-04-10.tar`]);

  const plan = planPrune(n, { last: 1 });
  assert.deepEqual(
    plan.decisions.map((d) => [d.archive.name, d.action]),
    [
      [`${P}2026-03-10.tar`, 'keep'],
      [`${P}2026-02-10.tar`, 'keep'],
      [`${P}2026-01-10.tar`, 'keep'],
    ],
  );
  assert.match(plan.decisions[2].why.join(), /^its job record cannot be read \(/);
});

test('a directory that does not exist is no archives, not an error', async () => {
  const n = await readNodeCatalog(new LocalConnection({ name: 'local' }), 'local', path.join(dir, 'nope'));
  assert.deepEqual([n.noDir, n.archives, n.error], [true, [], undefined]);
});

test('the explorer keeps what it took from the records between refreshes while the listing shows them unchanged, and reads a changed one again', async () => {
  const sub = fs.mkdtempSync(path.join(dir, 'kept-'));
  const conn = new LocalConnection({ name: 'local' });
  const at = (name: string, content: string, second: number) => {
    fs.writeFileSync(path.join(sub, name), content);
    fs.utimesSync(path.join(sub, name), second, second);
  };
  const job = (state: string) =>
    JSON.stringify({ version: 1, kind: 'backup', id: `${P}2026-05-10`, node: 'local', state, archive: `${sub}/${P}2026-05-10.tar`, partial: `${sub}/${P}2026-05-10.tar.partial`, log: `${sub}/${P}2026-05-10.log`, compression: 'none', source: '/mnt/gluster', container: 'gluster', startedAt: '2026-10-01T00:00:00.000Z', overrides: [] });
  at(`${P}2026-05-10.tar`, 'x'.repeat(10240), 1_790_000_000);
  at(`${P}2026-05-10.job.json`, job('running'), 1_790_000_000);
  const kept = keptCatalog();
  const state = async () => (await catalogOfListing(conn, 'local', sub, await conn.listDir(sub), kept)).archives[0].job?.state;
  assert.equal(await state(), 'running');
  // Same length, same mtime: the listing cannot tell, and the kept record is what it shows.
  at(`${P}2026-05-10.job.json`, job('unknown'), 1_790_000_000);
  assert.equal(await state(), 'running', 'an unchanged listing entry is not read again');
  fs.utimesSync(path.join(sub, `${P}2026-05-10.job.json`), 1_790_000_001, 1_790_000_001);
  assert.equal(await state(), 'unknown', 'a new mtime is read again');
  // Without the kept records (list, prune) every read is fresh.
  at(`${P}2026-05-10.job.json`, job('running'), 1_790_000_001);
  assert.equal((await readNodeCatalog(conn, 'local', sub)).archives[0].job?.state, 'running');
});

test('a backups directory spelled with a trailing or doubled slash: the records still match their archives, and prune keeps the newest clean one', async () => {
  const sub = fs.mkdtempSync(path.join(dir, 'slash-'));
  const report = (name: string, verdict: string, missing: number) =>
    JSON.stringify({ node: 'local', archive: `${sub}/${name}`, archiveBytes: 10240, startedAt: '2026-10-05T08:00:00.000Z', report: { verdict, missingFiles: { count: missing } } });
  const at = (name: string, content: string | Buffer, mtime: string) => {
    fs.writeFileSync(path.join(sub, name), content);
    fs.utimesSync(path.join(sub, name), new Date(mtime), new Date(mtime));
  };
  // A validated clean; the newer B and C validated with files missing.
  at(`${P}2026-01-10.tar`, Buffer.alloc(10240), '2026-10-01T00:00:00Z');
  at(`${P}2026-01-10.tar.validation.json`, report(`${P}2026-01-10.tar`, 'complete', 0), '2026-10-01T00:00:00Z');
  at(`${P}2026-02-10.tar`, Buffer.alloc(10240), '2026-10-02T00:00:00Z');
  at(`${P}2026-02-10.tar.validation.json`, report(`${P}2026-02-10.tar`, 'incomplete', 3), '2026-10-02T00:00:00Z');
  at(`${P}2026-03-10.tar`, Buffer.alloc(10240), '2026-10-03T00:00:00Z');
  at(`${P}2026-03-10.tar.validation.json`, report(`${P}2026-03-10.tar`, 'incomplete', 3), '2026-10-03T00:00:00Z');
  const conn = new LocalConnection({ name: 'local' });
  for (const spelled of [sub, `${sub}/`, `${sub}//`, sub.replace(/\//g, '//')]) {
    const n = await readNodeCatalog(conn, 'local', spelled);
    assert.equal(n.dir, sub, spelled);
    assert.deepEqual(n.archives.map((a) => [a.name, a.clean, a.validationError]), [
      [`${P}2026-01-10.tar`, true, undefined],
      [`${P}2026-02-10.tar`, false, undefined],
      [`${P}2026-03-10.tar`, false, undefined],
    ], spelled);
    const plan = planPrune(n, { last: 2 });
    assert.equal(plan.decisions.find((d) => d.archive.name === `${P}2026-01-10.tar`)?.action, 'keep', spelled);
  }
});

test("a backup writing x.tar.gz beside an x.tar made by hand: the stem's job record, log and status are the running job's, never removed with x.tar", async () => {
  const sub = fs.mkdtempSync(path.join(dir, 'stem-'));
  const at = (name: string, content: string | Buffer, mtime: string) => {
    fs.writeFileSync(path.join(sub, name), content);
    fs.utimesSync(path.join(sub, name), new Date(mtime), new Date(mtime));
  };
  const stem = `${P}2026-05-10`;
  at(`${stem}.tar`, Buffer.alloc(10240), '2026-10-05T08:00:00Z');
  at(`${stem}-2.tar`, Buffer.alloc(10240), '2026-10-05T09:00:00Z');
  at(`${stem}.tar.gz.partial`, Buffer.alloc(512), '2026-10-05T10:00:00Z');
  const job = { version: 1, kind: 'backup', id: stem, state: 'running', archive: `${sub}/${stem}.tar.gz`, partial: `${sub}/${stem}.tar.gz.partial`, log: `${sub}/${stem}.log`, compression: 'gzip', source: '/mnt/gluster', container: 'gluster', startedAt: '2026-10-05T10:00:00.000Z', overrides: [] };
  at(`${stem}.job.json`, JSON.stringify(job), '2026-10-05T10:00:00Z');
  at(`${stem}.log`, '', '2026-10-05T10:00:00Z');
  at(`${stem}.status`, 'running 12 34\n', '2026-10-05T10:00:00Z');
  const n = await readNodeCatalog(new LocalConnection({ name: 'local' }), 'local', sub);
  const x = n.archives.find((a) => a.name === `${stem}.tar`)!;
  assert.equal(x.jobError, undefined, 'the record parses');
  assert.deepEqual(x.files, [`${stem}.tar`], 'only the archive itself');
  const plan = planPrune(n, { last: 1 });
  const gone = plan.decisions.filter((d) => d.action === 'remove').flatMap((d) => d.archive.files);
  assert.deepEqual(gone, [`${stem}.tar`]);
  // Without any record, the stem's log is the plain archive's as before.
  fs.rmSync(path.join(sub, `${stem}.job.json`));
  fs.rmSync(path.join(sub, `${stem}.tar.gz.partial`));
  fs.rmSync(path.join(sub, `${stem}.status`));
  const alone = await readNodeCatalog(new LocalConnection({ name: 'local' }), 'local', sub);
  assert.deepEqual(alone.archives.find((a) => a.name === `${stem}.tar`)!.files, [`${stem}.tar`, `${stem}.log`]);
});

test("one record the user cannot read (EACCES, EIO) is that archive's error, keeping it from prune; the node's other archives are listed", async () => {
  const sub = fs.mkdtempSync(path.join(dir, 'unreadable-'));
  const at = (name: string, content: string | Buffer, mtime: string) => {
    fs.writeFileSync(path.join(sub, name), content);
    fs.utimesSync(path.join(sub, name), new Date(mtime), new Date(mtime));
  };
  at(`${P}2026-06-10.tar`, Buffer.alloc(10240), '2026-10-01T00:00:00Z');
  at(`${P}2026-06-10.job.json`, '{}', '2026-10-01T00:00:00Z');
  at(`${P}2026-07-10.tar`, Buffer.alloc(10240), '2026-10-02T00:00:00Z');
  at(`${P}2026-07-10.tar.validation.json`, '{}', '2026-10-02T00:00:00Z');
  at(`${P}2026-08-10.tar`, Buffer.alloc(10240), '2026-10-03T00:00:00Z');
  const denied = new Map([
    [path.join(sub, `${P}2026-06-10.job.json`), 'EACCES'],
    [path.join(sub, `${P}2026-07-10.tar.validation.json`), 'EIO'],
  ]);
  class Denying extends LocalConnection {
    override async read(file: string, start: number, length: number): Promise<Buffer> {
      const code = denied.get(file);
      if (code) throw Object.assign(new Error(`${code}: cannot read '${file}'`), { code });
      return super.read(file, start, length);
    }
  }
  const n = await readNodeCatalog(new Denying({ name: 'local' }), 'local', sub);
  assert.equal(n.error, undefined);
  const by = new Map(n.archives.map((a) => [a.name, a]));
  assert.equal(by.size, 3);
  assert.match(by.get(`${P}2026-06-10.tar`)!.jobError ?? '', /2026-06-10\.job\.json: cannot be read \(EACCES/);
  assert.match(by.get(`${P}2026-07-10.tar`)!.validationError ?? '', /2026-07-10\.tar\.validation\.json: cannot be read \(EIO/);
  const plan = planPrune(n, { last: 1 });
  assert.equal(plan.decisions.find((d) => d.archive.name === `${P}2026-06-10.tar`)?.action, 'keep', 'its job record cannot be read');
  // A connection that fails is still the node's error.
  class Lost extends LocalConnection {
    override async read(): Promise<Buffer> {
      throw new Error('No response from server');
    }
  }
  await assert.rejects(readNodeCatalog(new Lost({ name: 'local' }), 'local', sub), /No response from server/);
});

test("a --read-data-subset run's lock beside an archive: listed with its holder (or why it cannot be read), never as an unknown file, and prune keeps the archive saying who holds it", async () => {
  const sub = fs.mkdtempSync(path.join(dir, 'lock-'));
  const at = (name: string, content: string | Buffer, mtime: string) => {
    fs.writeFileSync(path.join(sub, name), content);
    fs.utimesSync(path.join(sub, name), new Date(mtime), new Date(mtime));
  };
  const lock = { version: 1, token: '0123456789abcdef0123456789abcdef', host: 'ws1', pid: 4242, user: 'alice', client: 'the CLI', since: '2026-03-05T12:00:00.000Z', clock: 'node' };
  at(`${P}2026-01-10.tar`, Buffer.alloc(10240), '2026-10-01T00:00:00Z');
  at(`${P}2026-01-10.tar.read-data.lock`, JSON.stringify(lock), '2026-10-01T00:00:00Z');
  at(`${P}2026-02-10.tar`, Buffer.alloc(10240), '2026-10-02T00:00:00Z');
  at(`${P}2026-02-10.tar.read-data.lock`, '{"version":1,', '2026-10-02T00:00:00Z');
  at(`${P}2026-03-10.tar`, Buffer.alloc(10240), '2026-10-03T00:00:00Z');
  const n = await readNodeCatalog(new LocalConnection({ name: 'local' }), 'local', sub);
  assert.deepEqual(n.foreign, []);
  const by = new Map(n.archives.map((a) => [a.name, a]));
  assert.deepEqual(by.get(`${P}2026-01-10.tar`)!.readDataLock, { file: `${P}2026-01-10.tar.read-data.lock`, holder: lock });
  assert.deepEqual(by.get(`${P}2026-01-10.tar`)!.files, [`${P}2026-01-10.tar`, `${P}2026-01-10.tar.read-data.lock`]);
  assert.match(by.get(`${P}2026-02-10.tar`)!.readDataLock?.error ?? '', /2026-02-10\.tar\.read-data\.lock: not JSON/);
  assert.equal(by.get(`${P}2026-03-10.tar`)!.readDataLock, undefined);

  const plan = planPrune(n, { last: 1 });
  const why = new Map(plan.decisions.map((d) => [d.archive.name, [d.action, ...d.why]]));
  assert.deepEqual(why.get(`${P}2026-01-10.tar`), [
    'keep',
    `a --read-data-subset run holds it (alice@ws1, pid 4242 (the CLI), since 2026-03-05 12:00:00 UTC by local's clock; if no such run is going on, remove ${P}2026-01-10.tar.read-data.lock or validate it with --break-lock)`,
  ]);
  assert.match(String(why.get(`${P}2026-02-10.tar`)), /^keep,its read-data lock cannot be read \(.*not JSON.*\), so a --read-data-subset run may hold it \(if none is going on, remove datarobot-gluster-backup-2026-02-10\.tar\.read-data\.lock\)$/);

  const text = formatCatalog(n.archives.length ? [n] : []);
  assert.match(text, /^ {4}being read by a --read-data-subset run: alice@ws1, pid 4242 \(the CLI\), since 2026-03-05 12:00:00 UTC by local's clock \(datarobot-gluster-backup-2026-01-10\.tar\.read-data\.lock\)$/m);
  assert.match(text, /^ {4}read-data lock unusable: .*not JSON/m);
  assert.doesNotMatch(text, /left alone/);
});

test('a --read-data-subset run that takes its lock after the plan, before the mark: prune leaves the archive whole, says why, and leaves no mark', async () => {
  const sub = fs.mkdtempSync(path.join(dir, 'lockrace-'));
  const at = (name: string, content: string | Buffer, mtime: string) => {
    fs.writeFileSync(path.join(sub, name), content);
    fs.utimesSync(path.join(sub, name), new Date(mtime), new Date(mtime));
  };
  at(`${P}2026-01-10.tar`, Buffer.alloc(10240), '2026-10-01T00:00:00Z');
  at(`${P}2026-01-10.tar.read-data.json`, '{}', '2026-10-01T00:00:00Z');
  at(`${P}2026-02-10.tar`, Buffer.alloc(10240), '2026-10-02T00:00:00Z');
  const conn = new LocalConnection({ name: 'local' });
  const create = conn.createExclusive.bind(conn);
  // The run takes its lock as prune marks the archive: prune's look after the mark sees it.
  conn.createExclusive = async (file, data) => {
    if (file.endsWith('.prune')) await takeReadDataLock(conn, { node: 'local', archive: file.slice(0, -'.prune'.length) });
    return create(file, data);
  };
  const cluster = { nodes: () => [{ name: 'local' }], connection: () => conn } as unknown as Cluster;
  const r = (await prune(cluster, sub, { last: 1 })).nodes[0];
  assert.deepEqual(r.removed, []);
  assert.deepEqual(r.failed, [{ path: `${sub}/${P}2026-01-10.tar`, error: `not removed: a --read-data-subset run of it started after the plan (${sub}/${P}2026-01-10.tar.read-data.lock is there)`, refused: 'readDataRunning' }]);
  assert.deepEqual(fs.readdirSync(sub).sort(), [`${P}2026-01-10.tar`, `${P}2026-01-10.tar.read-data.json`, `${P}2026-01-10.tar.read-data.lock`, `${P}2026-02-10.tar`]);
});
