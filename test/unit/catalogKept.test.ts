// The explorer's catalog, built on every refresh from one listing: what it took from each record
// file is kept while the listing shows the file unchanged, so a report of megabytes is not read
// over SFTP and parsed again every pollSeconds; a read that failed is never kept.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { catalogOfListing, keptCatalog, KeptRecords, type KeptCatalog } from '../../src/core/catalog/catalog';
import { LocalConnection, type DirEntry } from '../../src/core/node/nodeConnection';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-catalog-kept-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const P = 'datarobot-gluster-backup-';
const ARCHIVE = `${P}2026-05-10.tar`;
const REPORT = `${ARCHIVE}.validation.json`;

/** Real files; every read of a record counted, and the next reads of a name made to fail on demand. */
class Counting extends LocalConnection {
  readonly reads = new Map<string, number>();
  readonly failing = new Map<string, Error>();
  override async read(file: string, start: number, length: number): Promise<Buffer> {
    const name = path.basename(file);
    this.reads.set(name, (this.reads.get(name) ?? 0) + 1);
    const e = this.failing.get(name);
    if (e) throw e;
    return super.read(file, start, length);
  }
}

function setUp(): { dir: string; write: (verdict: string, pad: number, second: number) => void } {
  const dir = fs.mkdtempSync(path.join(root, 'dir-'));
  fs.writeFileSync(path.join(dir, ARCHIVE), Buffer.alloc(10240));
  // Long listings of missing files are what make real reports run to megabytes.
  const write = (verdict: string, pad: number, second: number) => {
    const items = Array.from({ length: pad }, (_, i) => `/mnt/gluster/projects/some/deep/tree/of/files/number-${String(i).padStart(8, '0')}.parquet`);
    const text = JSON.stringify({ node: 'local', archive: `${dir}/${ARCHIVE}`, archiveBytes: 10240, startedAt: '2026-10-05T08:00:00.000Z', report: { verdict, missingFiles: { count: items.length, items } }, checksum: 'ok' });
    fs.writeFileSync(path.join(dir, REPORT), text);
    fs.utimesSync(path.join(dir, REPORT), second, second);
  };
  return { dir, write };
}

const summary = async (conn: LocalConnection, dir: string, kept?: KeptCatalog) => {
  const a = (await catalogOfListing(conn, 'local', dir, await conn.listDir(dir), kept)).archives[0];
  return { validation: a.validation, validationError: a.validationError, clean: a.clean };
};

test('a validation report over 1 MiB is read once across refreshes with the same listing, again when its size or mtime changes, and says what a fresh read says', async () => {
  const { dir, write } = setUp();
  write('incomplete', 30_000, 1_790_000_000);
  assert.ok(fs.statSync(path.join(dir, REPORT)).size > 2 * 1024 * 1024, 'larger than any text kept');
  const conn = new Counting({ name: 'local' });
  const kept = keptCatalog();

  const first = await summary(conn, dir, kept);
  assert.deepEqual(first.validation, { at: '2026-10-05T08:00:00.000Z', verdict: 'incomplete', missingFiles: 30_000, checksum: 'ok' });
  assert.deepEqual(await summary(conn, dir, kept), first);
  assert.equal(conn.reads.get(REPORT), 1, 'an unchanged listing entry is not read again');
  assert.deepEqual(await summary(new LocalConnection({ name: 'local' }), dir), first, 'what a fresh read says');

  // Another size, same mtime.
  write('incomplete', 29_999, 1_790_000_000);
  const resized = await summary(conn, dir, kept);
  assert.equal(conn.reads.get(REPORT), 2, 'a new size is read again');
  assert.equal(resized.validation?.missingFiles, 29_999);
  assert.deepEqual(resized, await summary(new LocalConnection({ name: 'local' }), dir));

  // Same size, another mtime.
  write('complete', 29_999, 1_790_000_001);
  const touched = await summary(conn, dir, kept);
  assert.equal(conn.reads.get(REPORT), 3, 'a new mtime is read again');
  assert.deepEqual([touched.validation?.verdict, touched.clean], ['complete', true]);
  assert.deepEqual(touched, await summary(new LocalConnection({ name: 'local' }), dir));
  await summary(conn, dir, kept);
  assert.equal(conn.reads.get(REPORT), 3);
});

test("a report the guard refuses is kept refused while unchanged; a read that failed (EIO, a lost connection) is not kept: the next refresh reads again", async () => {
  const { dir, write } = setUp();
  write('complete', 30_000, 1_790_000_000);
  const conn = new Counting({ name: 'local' });
  const kept = keptCatalog();

  conn.failing.set(REPORT, Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
  assert.match((await summary(conn, dir, kept)).validationError ?? '', /cannot be read \(EIO/);
  conn.failing.set(REPORT, new Error('No response from server'));
  await assert.rejects(summary(conn, dir, kept), /No response from server/);
  conn.failing.delete(REPORT);
  const after = await summary(conn, dir, kept);
  assert.equal(conn.reads.get(REPORT), 3, 'each failed read is tried again');
  assert.deepEqual(after, await summary(new LocalConnection({ name: 'local' }), dir));
  assert.equal(after.clean, true);

  // A report of another archive size: the guard's refusal, the same while nothing changed.
  fs.writeFileSync(path.join(dir, ARCHIVE), Buffer.alloc(20480));
  const refused = await summary(conn, dir, kept);
  assert.match(refused.validationError ?? '', /it validated 10240 bytes; the archive now has 20480/);
  assert.deepEqual(await summary(conn, dir, kept), refused);
  assert.equal(conn.reads.get(REPORT), 4, 'read once for the new archive size, then kept');
});

test('a job record asked for by several rows of one listing is read once: two archives of its stem at once, or a record that cannot be read', async () => {
  const dir = fs.mkdtempSync(path.join(root, 'dir-'));
  const stem = `${P}2026-05-11`;
  const job = `${stem}.job.json`;
  const put = (name: string, content: string | Buffer) => {
    fs.writeFileSync(path.join(dir, name), content);
    fs.utimesSync(path.join(dir, name), 1_790_000_000, 1_790_000_000);
  };
  // x.tar beside x.tar.gz (its job's): both described at once.
  put(`${stem}.tar`, Buffer.alloc(10240));
  put(`${stem}.tar.gz`, Buffer.alloc(10240));
  const archive = `${dir}/${stem}.tar.gz`;
  put(job, JSON.stringify({ version: 2, kind: 'backup', id: stem, state: 'completed', archive, partial: `${archive}.partial`, log: `${dir}/${stem}.log`, compression: 'gzip', source: '/mnt/gluster', container: 'gluster', startedAt: '2026-05-11T06:00:00.000Z', endedAt: '2026-05-11T06:10:00.000Z', warnings: {}, overrides: [] }));
  const conn = new Counting({ name: 'local' });
  const rows = async (kept: KeptCatalog) => (await catalogOfListing(conn, 'local', dir, await conn.listDir(dir), kept)).archives.map((a) => [a.name, a.job?.id ?? a.jobError]);

  assert.deepEqual(await rows(keptCatalog()), [[`${stem}.tar`, undefined], [`${stem}.tar.gz`, stem]]);
  assert.equal(conn.reads.get(job), 1);

  // A partial of the stem, which the kept-partial pass asks about first; then the record unreadable.
  put(`${stem}.tar.gz.partial`, Buffer.alloc(10240));
  conn.failing.set(job, Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
  const kept = keptCatalog();
  const refused = await rows(kept);
  assert.deepEqual(refused.map(([, e]) => /cannot be read \(EACCES/.test(String(e))), [true, true], JSON.stringify(refused));
  assert.equal(conn.reads.get(job), 2, 'one read for the partial pass and both archives');
  await rows(kept);
  assert.equal(conn.reads.get(job), 3, 'and one at the next refresh: a failed read is not kept');
});

const entry = (name: string, size: number, mtimeMs: number): DirEntry => ({ name, size, mtimeMs, isFile: true });

test('KeptRecords: the outcome of parse stands while the entry has the same size, mtime and arguments', async () => {
  const kept = new KeptRecords<string>();
  let reads = 0;
  const read = async () => `text ${++reads}`;
  const parse = (text: string, file: string, bytes: number) => `${text} of ${file} at ${bytes}`;
  const r = (e: DirEntry, bytes = 10) => kept.parsed(e, read, parse, '/b/x.json', bytes);
  assert.equal(await r(entry('x.json', 5, 1000)), 'text 1 of /b/x.json at 10');
  assert.equal(await r(entry('x.json', 5, 1000)), 'text 1 of /b/x.json at 10');
  assert.equal(await r(entry('x.json', 6, 1000)), 'text 2 of /b/x.json at 10', 'another size');
  assert.equal(await r(entry('x.json', 6, 2000)), 'text 3 of /b/x.json at 10', 'another mtime');
  assert.equal(await r(entry('x.json', 6, 2000), 11), 'text 4 of /b/x.json at 11', 'another argument');
  assert.equal(await r(entry('x.json', 6, 2000), 11), 'text 4 of /b/x.json at 11');
  assert.equal(reads, 4);
});

test("KeptRecords: the guard's error is kept and thrown again; a read that fails or finds no file keeps nothing", async () => {
  const kept = new KeptRecords<number>();
  const e = entry('x.json', 5, 1000);
  let reads = 0;
  const refuse = (text: string): number => {
    throw new Error(`refused ${text}`);
  };
  await assert.rejects(kept.parsed(e, async () => `text ${++reads}`, refuse), /refused text 1/);
  await assert.rejects(kept.parsed(e, async () => `text ${++reads}`, refuse), /refused text 1/);
  assert.equal(reads, 1);

  const other = entry('y.json', 5, 1000);
  const parse = (text: string) => text.length;
  await assert.rejects(kept.parsed(other, async () => Promise.reject(new Error('No response from server')), parse), /No response/);
  assert.equal(await kept.parsed(other, async () => undefined, parse), undefined);
  assert.equal(await kept.parsed(other, async () => 'abc', parse), 3, 'read again after each');
  assert.equal(await kept.parsed(other, async () => 'abcdef', parse), 3);
});

test('KeptRecords: keepOnly forgets every name the listing no longer has', async () => {
  const kept = new KeptRecords<string>();
  const read = (text: string) => async () => text;
  const same = (t: string) => t;
  await kept.parsed(entry('a', 1, 1), read('a1'), same);
  await kept.parsed(entry('b', 1, 1), read('b1'), same);
  kept.keepOnly([entry('b', 1, 1)]);
  assert.equal(await kept.parsed(entry('a', 1, 1), read('a2'), same), 'a2');
  assert.equal(await kept.parsed(entry('b', 1, 1), read('b2'), same), 'b1');
});
