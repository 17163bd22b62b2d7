// Property test of the backups directory's probe (preflight.ts: the link test's line, then
// df -P -B1) and of du's total (volumeWalk.ts), as the container prints them: real answers
// mutated at random and arbitrary text. A free byte count is a safe whole number or an error,
// never a guess; the link's reason stays short. Fixed seed: the runs are the same each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBackupDirProbe } from '../../src/core/backup/preflight';

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
