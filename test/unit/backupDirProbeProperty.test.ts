// Property test of the backups directory's probe (preflight.ts: the link test's line, then
// df -P -B1) and of du's total (volumeWalk.ts), as the container prints them: real answers
// mutated at random and arbitrary text. A free byte count is a safe whole number or an error,
// never a guess; the link's reason stays short. Fixed seed: the runs are the same each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseBackupDirProbe } from '../../src/core/backup/preflight';
import { parseDuTotal } from '../../src/core/backup/volumeWalk';
import { applyMutation, mutation } from './helpers/textMutation';

const SEED = 20261209;
const DF = 'Filesystem 1B-blocks Used Available Capacity Mounted on\n/dev/sda1 1056858112000 401202511872 602023612416 40% /opt/datarobot/data/backups\n';
const PROBES = [`link yes\n${DF}`, `link no ln: failed to create hard link '/b/p.link' => '/b/p': Operation not permitted\n${DF}`, `link unknown sh: cannot create /b/p: Read-only file system\n${DF}`, DF];
const r = (stdout: string, exitCode = 0) => ({ stdout, stderr: 'df: /b: Input/output error\n', exitCode });
/** The free bytes of a usable directory's probe. */
const freeOf = (stdout: string) => {
  const s = parseBackupDirProbe(r(stdout));
  assert.ok(s.usable);
  return s.free;
};

test("df's available column from a node: digits only, within what a double holds exactly", () => {
  const df = (avail: string) => r(`link yes\nFilesystem 1B-blocks Used Available Capacity Mounted on\n/dev/sda1 100 50 ${avail} 50% /b\n`).stdout;
  assert.deepEqual(freeOf(df('9007199254740991')), { ok: true, value: 9007199254740991 });
  // Each was taken as free bytes before: Number() reads signs, hex, exponents and fractions.
  for (const avail of ['-5', '0x10', '1e3', '3.5', '+7', '99999999999999999999', '9007199254740993', '']) {
    const free = freeOf(df(avail));
    assert.ok(!free.ok && free.error.message === 'df: /b: Input/output error', `${avail}: ${JSON.stringify(free)}`);
  }
});

test('property: the probe, mutated or arbitrary, gives a safe free byte count or an error, and a short reason', () => {
  fc.assert(
    fc.property(fc.oneof(fc.tuple(fc.nat(PROBES.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([i, ms]) => ms.reduce(applyMutation, PROBES[i])), fc.string({ unit: 'binary', maxLength: 200 })), fc.constantFrom(0, 1, 3), (stdout, code) => {
      const s = parseBackupDirProbe(r(stdout, code));
      if (!s.usable) return assert.equal(code, 3);
      if (s.free.ok) assert.ok(Number.isSafeInteger(s.free.value) && s.free.value >= 0 && code === 0, `${s.free.value} from ${JSON.stringify(stdout)}`);
      else assert.ok(s.free.error instanceof Error && s.free.error.message.length <= 500);
      assert.ok(['yes', 'no', 'unknown'].includes(s.link.links));
      if (s.link.links !== 'yes') assert.ok(s.link.why.length >= 1 && s.link.why.length <= 300);
    }),
    { seed: SEED, numRuns: 1000 },
  );
});

test("property: du's line, mutated, gives a safe total or an Error", () => {
  const DU = ['1073741824\t1796125123\t/mnt/gluster\n', '0\t\t/mnt/gluster\n', '4096\t-1\t/mnt/with space\n'];
  fc.assert(
    fc.property(fc.nat(DU.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.constantFrom(0, 1, 137), (i, ms, code) => {
      const text = ms.reduce(applyMutation, DU[i]);
      let out;
      try {
        out = parseDuTotal({ stdout: text, stderr: '', exitCode: code });
      } catch (e) {
        return assert.ok(e instanceof Error && e.message.length <= 500);
      }
      assert.ok(Number.isSafeInteger(out.bytes) && out.bytes >= 0, JSON.stringify(text));
      if (out.newestS !== undefined) assert.ok(Number.isSafeInteger(out.newestS), JSON.stringify(text));
    }),
    { seed: SEED, numRuns: 500 },
  );
});
