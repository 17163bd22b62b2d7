// A followed restore's read position as the jobs service reports it: never backwards while its
// wait runs, whichever of the two racing sources answered last; kept only while a wait runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestorePositions } from '../../src/core/backup/restorePositions';

test('a printed position older than an exec read does not move the report back, nor its time', () => {
  const p = new RestorePositions(3000);
  p.waitBegan('node1/r1');
  assert.equal(p.fresh('node1/r1', 1000), undefined, 'nothing printed yet: the node is asked');
  assert.deepEqual(p.read('node1/r1', 3_700_000, 1000), { bytes: 3_700_000, at: 1000 });
  // The wait's line, measured before that exec, arrives after it.
  p.heard('node1/r1', 2_800_000, 1100);
  assert.deepEqual(p.fresh('node1/r1', 1200), { bytes: 3_700_000, at: 1000 });
  p.heard('node1/r1', 5_000_000, 2100);
  assert.deepEqual(p.fresh('node1/r1', 2200), { bytes: 5_000_000, at: 2100 });
  assert.deepEqual(p.read('node1/r1', 4_900_000, 2300), { bytes: 5_000_000, at: 2100 });
});

test('a position heard once is given with the time it was heard, at every look until the next: a follower stamps its sample with it, not with the time it looked', () => {
  const p = new RestorePositions(3000);
  p.waitBegan('k');
  p.heard('k', 10, 1000);
  assert.deepEqual([p.fresh('k', 1500), p.fresh('k', 2500)], [{ bytes: 10, at: 1000 }, { bytes: 10, at: 1000 }]);
  // tar stalled: the same position printed again is news (time passed without progress).
  p.heard('k', 10, 3000);
  assert.deepEqual(p.fresh('k', 3100), { bytes: 10, at: 3000 });
});

test('a printed position is used for freshMs, then the node is asked again', () => {
  const p = new RestorePositions(3000);
  p.waitBegan('k');
  p.heard('k', 10, 1000);
  assert.deepEqual(p.fresh('k', 3999), { bytes: 10, at: 1000 });
  assert.equal(p.fresh('k', 4000), undefined);
  // An exec's read does not make the printed position fresh again.
  assert.deepEqual(p.read('k', 20, 4000), { bytes: 20, at: 4000 });
  assert.equal(p.fresh('k', 4001), undefined);
});

test('without a wait nothing is kept; the last of two waits on a restore ends its entry', () => {
  const p = new RestorePositions(3000);
  assert.deepEqual(p.read('k', 50, 1), { bytes: 50, at: 1 });
  p.heard('k', 60, 0);
  assert.deepEqual(p.read('k', 40, 2), { bytes: 40, at: 2 }, 'no wait ran: nothing was kept');
  p.waitBegan('k');
  p.waitBegan('k');
  p.heard('k', 60, 0);
  p.waitEnded('k');
  assert.deepEqual(p.read('k', 40, 3), { bytes: 60, at: 0 }, 'one wait still runs');
  p.waitEnded('k');
  assert.deepEqual(p.read('k', 40, 4), { bytes: 40, at: 4 });
  assert.equal(p.fresh('k', 1), undefined);
});

test('each restore has its own position', () => {
  const p = new RestorePositions(3000);
  p.waitBegan('node1/r1');
  p.waitBegan('node2/r1');
  p.heard('node1/r1', 900, 0);
  p.heard('node2/r1', 10, 0);
  assert.deepEqual([p.fresh('node1/r1', 1)?.bytes, p.fresh('node2/r1', 1)?.bytes], [900, 10]);
});
