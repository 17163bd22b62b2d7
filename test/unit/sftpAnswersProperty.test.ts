// Property tests of what a node's sftp-server answers of its files, as ssh2 hands it over
// (sftpAttrs.ts), and of the archive rows listed from that answer (listBackups). A real entry
// with its attributes dropped or replaced by any value, its name cut, spliced with '/', '..' and
// NULs, or arbitrary: an entry of one path segment with a usable size and time, or the guard's
// SftpAnswerError; the archives' paths stay in the directory listed. Fixed seed: the runs are
// the same each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import fc from 'fast-check';
import type { NodeConnection } from '../../src/core/node/nodeConnection';
import { listBackups } from '../../src/core/node/probe';
import { SftpAnswerError, dirEntryOf, fileStatOf } from '../../src/core/ssh/sftpAttrs';
import { applyMutation, mutation } from './helpers/textMutation';

const SEED = 20261214;
const DIR = '/opt/datarobot/data/backups/gluster';
const NAME = 'datarobot-gluster-backup-2026-04-12.tar.gz';

/** readdir's entry for an archive, as ssh2 parsed OpenSSH's answer on the test bed. */
const ENTRY = {
  filename: NAME,
  longname: `-rw-------    1 0        0           34567 Apr 12 10:00 ${NAME}`,
  attrs: { mode: 0o100600, uid: 0, gid: 0, size: 34567, atime: 1776000000, mtime: 1776000000 },
};

/** A listing of `raw` entries as RemoteConnection.listDir gives it. */
function sftpDir(raw: unknown[]): NodeConnection {
  return { listDir: async (dir: string) => raw.map((e) => dirEntryOf(e, dir)) } as unknown as NodeConnection;
}

test('a real entry reads as the server said; one without a time, or with a name that is a path, is refused', async () => {
  assert.deepEqual(dirEntryOf(ENTRY, DIR), { name: NAME, size: 34567, mtimeMs: 1776000000000, isFile: true });
  assert.deepEqual(dirEntryOf({ ...ENTRY, attrs: { ...ENTRY.attrs, mode: 0o040755 } }, DIR).isFile, false);
  assert.deepEqual(dirEntryOf({ ...ENTRY, attrs: { ...ENTRY.attrs, mode: undefined } }, DIR).isFile, false, 'without its mode a file is not known to be regular');
  // ssh2 leaves out what came without its flag: listBackups then threw "RangeError: Invalid time value".
  const noTime = { ...ENTRY, attrs: { ...ENTRY.attrs, atime: undefined, mtime: undefined } };
  await assert.rejects(listBackups(sftpDir([noTime]), DIR), { name: 'SftpAnswerError', message: `${DIR}/${NAME}: the SFTP server answered no usable modification time (undefined)` });
  assert.throws(() => fileStatOf({ ...ENTRY.attrs, size: undefined }, 'f'), { name: 'SftpAnswerError', message: 'f: the SFTP server answered no usable size (undefined)' });
  // Joined to the directory, this name was /opt/datarobot/data/etc/shadow.tar: an archive row outside it.
  const escape = { ...ENTRY, filename: 'datarobot-gluster-backup-/../../../etc/shadow.tar' };
  await assert.rejects(listBackups(sftpDir([escape]), DIR), (e: Error) => e instanceof SftpAnswerError && e.message.startsWith(`${DIR}: the SFTP server listed "datarobot-gluster-backup-/../`));
  assert.deepEqual(
    (await listBackups(sftpDir([ENTRY]), DIR)).map((b) => [b.name, b.path, b.size, b.mtime]),
    [[NAME, `${DIR}/${NAME}`, 34567, '2026-04-12T13:20:00.000Z']],
  );
});

/** A name as a server could send it: the real one mutated, spliced with path syntax, or anything. */
const name = fc.oneof(
  fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => ms.reduce(applyMutation, NAME)),
  fc.tuple(fc.nat(), fc.constantFrom('/', '/../', '..', '.', '\0', '//', '/./')).map(([at, s]) => NAME.slice(0, at % NAME.length) + s + NAME.slice(at % NAME.length)),
  fc.constantFrom('', '.', '..', '/', 'datarobot-gluster-backup-x.tar/', '../datarobot-gluster-backup-x.tar'),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.anything(),
);
const value = fc.oneof(fc.constant(undefined), fc.integer({ min: -2, max: 2 ** 33 }), fc.double(), fc.bigInt(), fc.constantFrom(2 ** 53, 2 ** 64, 0xffffffff, 0x100000000, NaN, Infinity), fc.string({ maxLength: 6 }), fc.anything());
const attrs = fc.oneof(
  fc.array(fc.tuple(fc.constantFrom('mode', 'size', 'mtime', 'atime', 'uid', '__proto__', 'x'), value), { maxLength: 4 }).map((edits) => {
    const a: Record<string, unknown> = { ...ENTRY.attrs };
    for (const [k, v] of edits) a[k] = v;
    return a;
  }),
  fc.anything(),
);
const entry = fc.oneof({ arbitrary: fc.record({ filename: name, longname: fc.constant(ENTRY.longname), attrs }), weight: 6 }, fc.anything());

/** Whether `raw` was read (true) or refused by the guard (false); anything else fails. */
function checkEntry(raw: unknown): boolean {
  let e;
  try {
    e = dirEntryOf(raw, DIR);
  } catch (err) {
    assert.ok(err instanceof SftpAnswerError, String((err as Error)?.stack ?? err));
    assert.ok(err.message.length <= DIR.length + 300, err.message);
    return false;
  }
  const r = raw as { filename: string; attrs: { size: number; mtime: number } };
  assert.equal(e.name, r.filename);
  assert.ok(e.name !== '' && e.name !== '.' && e.name !== '..' && !/[/\0]/.test(e.name), JSON.stringify(e.name));
  assert.equal(path.posix.dirname(path.posix.join(DIR, e.name)), DIR);
  assert.ok(Number.isSafeInteger(e.size) && e.size >= 0 && e.size === r.attrs.size, String(e.size));
  assert.ok(Number.isSafeInteger(e.mtimeMs) && e.mtimeMs === r.attrs.mtime * 1000, String(e.mtimeMs));
  assert.ok(!Number.isNaN(Date.parse(new Date(e.mtimeMs).toISOString())));
  assert.equal(typeof e.isFile, 'boolean');
  return true;
}

test("property: any readdir entry is one name in the directory with the server's size and time, or an SftpAnswerError", () => {
  const seen = { read: 0, refused: 0 };
  fc.assert(
    fc.property(entry, (raw) => {
      seen[checkEntry(raw) ? 'read' : 'refused']++;
    }),
    { seed: SEED, numRuns: 3000, includeErrorInReport: true },
  );
  // Both sides of the guard are reached, not only its refusal.
  assert.ok(seen.read > 0 && seen.refused > 0, JSON.stringify(seen));
});

test("property: a stat's attributes, any of them: the server's size and time, or an SftpAnswerError", () => {
  fc.assert(
    fc.property(attrs, (a) => {
      let st;
      try {
        st = fileStatOf(a, `${DIR}/${NAME}`);
      } catch (err) {
        return assert.ok(err instanceof SftpAnswerError, String((err as Error)?.stack ?? err));
      }
      assert.ok(Number.isSafeInteger(st.size) && st.size >= 0 && Number.isSafeInteger(st.mtimeMs) && st.mtimeMs >= 0, JSON.stringify(st));
      assert.equal(typeof st.isFile, 'boolean');
    }),
    { seed: SEED, numRuns: 2000, includeErrorInReport: true },
  );
});

/** Entries of a real directory (archives, a partial, a job's files, foreign files) at any time, among broken ones. */
const NAMES = [NAME, 'datarobot-gluster-backup-2026-04-12-2.tar', 'datarobot-gluster-backup-2026-04-12-3.tar.partial', 'datarobot-gluster-backup-2026-04-12-3.job.json', 'datarobot-gluster-backup-manual.tar.zst', 'notes.txt'];
const sound = fc
  .tuple(fc.constantFrom(...NAMES), fc.array(mutation, { maxLength: 1 }), fc.nat(0xffffffff), fc.constantFrom(0o100600, 0o100644, 0o040700, 0o120777))
  .map(([n, ms, mtime, mode]) => ({ filename: ms.reduce(applyMutation, n), longname: '', attrs: { ...ENTRY.attrs, mode, mtime } }));
const listingEntry = fc.oneof({ arbitrary: sound, weight: 12 }, { arbitrary: entry, weight: 1 });

test('property: the archive rows of any listing: paths in the directory, times that are times, newest first; or an SftpAnswerError', async () => {
  let listed = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(listingEntry, { maxLength: 8 }), async (raw) => {
      let rows;
      try {
        rows = await listBackups(sftpDir(raw), DIR);
      } catch (err) {
        return assert.ok(err instanceof SftpAnswerError, String((err as Error)?.stack ?? err));
      }
      assert.ok(rows.length <= raw.length);
      for (const b of rows) {
        assert.equal(b.path, `${DIR}/${b.name}`);
        assert.equal(path.posix.dirname(path.posix.normalize(b.path)), DIR, b.path);
        assert.equal(new Date(b.mtime).toISOString(), b.mtime);
      }
      assert.deepEqual(rows.map((b) => b.mtime), rows.map((b) => b.mtime).sort().reverse());
      listed += rows.length;
    }),
    { seed: SEED, numRuns: 1000, includeErrorInReport: true },
  );
  assert.ok(listed > 0, 'some listings have archive rows');
});
