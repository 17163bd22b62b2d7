// Property tests of what is read from a backups directory's names on a node (beyond groupDir,
// in catalogProperty.test.ts): today's archive for a restore, the next archive name of a day,
// a --read-data member list's archive, a job's partial archive and the SSH side's statvfs and
// host key blob. Names mutated at random and arbitrary: an answer of the exact form, or none.
// Fixed seed: the runs are the same each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ARCHIVE_PREFIX, nextArchiveName, seedDate } from '../../src/core/backup/naming';
import { partialCandidates } from '../../src/core/catalog/keptPartials';
import { pickTodays } from '../../src/core/restore/archiveChoice';
import { keyTypeOfBlob } from '../../src/core/ssh/knownHosts';
import { availableBytes } from '../../src/core/ssh/statvfs';
import { archiveOfReadDataNames } from '../../src/core/validate/readDataNames';
import { applyMutation, mutation } from './helpers/textMutation';

const SEED = 20261212;
const DAY = new Date(Date.UTC(2026, 3, 12, 10));
const BASE = `${ARCHIVE_PREFIX}${seedDate(DAY)}`;
const NAMES = [
  `${BASE}.tar.gz`,
  `${BASE}-2.tar`,
  `${BASE}-2.tar.partial`,
  `${BASE}-3.job.json`,
  `${BASE}-3.log`,
  `${BASE}-12.tar.gz.sha256`,
  `${BASE}-2.tar.read-data-0a1b2c3d.names`,
  `${ARCHIVE_PREFIX}2026-11-04.tar`,
  'notes.txt',
];
const names = fc.array(fc.tuple(fc.nat(NAMES.length - 1), fc.array(mutation, { maxLength: 3 })), { maxLength: 12 }).map((ps) => ps.map(([i, ms]) => ms.reduce(applyMutation, NAMES[i])));

test('property: names of a directory, mutated: today\'s archive and the next name are of the exact form; a member list names its archive', () => {
  fc.assert(
    fc.property(names, (ns) => {
      const today = pickTodays(ns, DAY);
      if (today !== undefined) assert.ok(ns.includes(today) && new RegExp(`^${BASE}(-\\d{1,6})?\\.tar(\\.gz)?$`).test(today), today);
      const next = nextArchiveName(DAY, 'gzip', ns);
      assert.match(next, new RegExp(`^${BASE}(-\\d{1,6})?\\.tar\\.gz$`));
      assert.ok(!ns.includes(next), next);
      for (const n of ns) {
        const a = archiveOfReadDataNames(n);
        if (a !== undefined) assert.equal(n, `${a}.read-data-${n.slice(-14, -6)}.names`);
      }
      const entries = ns.map((name) => ({ name, size: 1, mtimeMs: 0, isFile: true }));
      for (const c of partialCandidates(entries)) {
        assert.ok(ns.includes(c.entry.name) && ns.includes(c.jobFile) && c.entry.name.startsWith(c.archive) && !c.archive.includes('/'), JSON.stringify(c));
      }
    }),
    { seed: SEED, numRuns: 1000 },
  );
});

test("property: the node's statvfs reply: a safe byte count or an Error", () => {
  const num = fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.double(), fc.bigInt(), fc.constantFrom(-1, 2 ** 53, NaN, Infinity), fc.string({ maxLength: 4 }));
  fc.assert(
    fc.property(fc.oneof(fc.record({ f_bavail: num, f_frsize: num }, { requiredKeys: [] }), fc.anything()), (reply) => {
      let n: number;
      try {
        n = availableBytes(reply);
      } catch (e) {
        return assert.ok(e instanceof Error && !(e instanceof TypeError), String(e));
      }
      assert.ok(Number.isSafeInteger(n) && n >= 0, String(n));
    }),
    { seed: SEED, numRuns: 1000 },
  );
});

test("property: the server's host key blob: its type field, within the blob and short, or none", () => {
  const ed = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 7)]);
  const blob = fc.oneof(
    fc.uint8Array({ maxLength: 80 }).map((a) => Buffer.from(a)),
    fc.tuple(fc.nat(ed.length), fc.integer({ min: 0, max: 255 }), fc.nat(ed.length)).map(([at, byte, cut]) => {
      const b = Buffer.from(ed);
      if (at < b.length) b[at] = byte;
      return b.subarray(0, cut);
    }),
  );
  fc.assert(
    fc.property(blob, (b) => {
      const t = keyTypeOfBlob(b);
      if (t !== undefined) assert.ok(t.length >= 1 && t.length <= 64 && t.length + 4 <= b.length && t === b.subarray(4, 4 + t.length).toString('latin1'));
    }),
    { seed: SEED, numRuns: 1000 },
  );
  assert.equal(keyTypeOfBlob(ed), 'ssh-ed25519');
});
