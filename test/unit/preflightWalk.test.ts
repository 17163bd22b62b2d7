// du's one line is what preflight learns from its walk of the whole filesystem: the size the
// archive will take and whether anything changed lately. It comes from the node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseDuTotal } from '../../src/core/backup/volumeWalk';

const r = (stdout: string, exitCode = 0, stderr = '') => ({ stdout, exitCode, stderr });

test('du --time: the total and the newest mtime; exit 1 (entries vanished) still gives them', () => {
  assert.deepEqual(parseDuTotal(r('9835962\t1796409964\t/mnt/gluster\n')), { bytes: 9835962, newestS: 1796409964 });
  assert.deepEqual(parseDuTotal(r('4096\t1796409964\t/mnt/gluster\n', 1, "du: cannot access '/mnt/gluster/x': No such file or directory\n")), { bytes: 4096, newestS: 1796409964 });
  // Before 1970, and a du without the time column: the size stands, the time is unknown.
  assert.deepEqual(parseDuTotal(r('0\t-86400\t/mnt/gluster\n')), { bytes: 0, newestS: -86400 });
  assert.deepEqual(parseDuTotal(r('123\t/mnt/gluster\n')), { bytes: 123 });
});

test('du that printed no total fails with its own words, or its exit code', () => {
  assert.throws(() => parseDuTotal(r('', 1, "du: cannot access '/mnt/gluster': Transport endpoint is not connected\n")), /^Error: du: cannot access '\/mnt\/gluster': Transport endpoint is not connected$/);
  assert.throws(() => parseDuTotal(r('', 137)), /^Error: du exited 137$/);
  // Beyond what a double holds exactly: refused rather than rounded.
  assert.throws(() => parseDuTotal(r('99999999999999999999\t1\t/x\n')), /du exited 0/);
});

test('mutated du output: a safe integer total or an Error, never anything else', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), fc.integer({ min: 0, max: 255 }), (text, code) => {
      try {
        const out = parseDuTotal(r(text, code));
        assert.ok(Number.isSafeInteger(out.bytes) && out.bytes >= 0);
        if (out.newestS !== undefined) assert.ok(Number.isSafeInteger(out.newestS));
      } catch (e) {
        assert.ok(e instanceof Error);
      }
    }),
    { seed: 20261204, numRuns: 2000 },
  );
});
