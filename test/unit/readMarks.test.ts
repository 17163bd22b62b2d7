// A restore's read position as the follower reports it: never backwards while the job runs,
// whichever of the two racing sources answered last; each job its own; bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReadMarks } from '../../src/core/backup/readMarks';

test('a position older than one already reported does not move the mark back', () => {
  const m = new ReadMarks();
  // exec read 3.7 MB, then the wait's line printed before it arrives with 2.8 MB.
  assert.deepEqual([100, 3_700_000, 2_800_000, 2_800_000, 5_000_000].map((b) => m.report('node1/r1', b)), [100, 3_700_000, 3_700_000, 3_700_000, 5_000_000]);
});

test('each restore has its own mark, and a forgotten one starts from nothing', () => {
  const m = new ReadMarks();
  m.report('node1/r1', 900);
  assert.equal(m.report('node2/r1', 10), 10);
  assert.equal(m.report('node1/r2', 5), 5);
  m.forget('node1/r1');
  assert.equal(m.report('node1/r1', 7), 7);
});

test('at most max restores are remembered: the oldest goes first, a known one is only updated', () => {
  const m = new ReadMarks(3);
  for (const k of ['a', 'b', 'c']) m.report(k, 50);
  m.report('a', 60);
  assert.equal(m.size, 3);
  m.report('d', 1);
  assert.equal(m.size, 3);
  // 'a' was the first in; it went, so its next report starts over.
  assert.equal(m.report('a', 10), 10);
  assert.equal(m.report('c', 20), 50, 'c stayed');
});
