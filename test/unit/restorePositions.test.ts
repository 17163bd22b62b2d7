// A followed restore's read position as the jobs service reports it: never backwards while its
// wait runs, whichever of the two racing sources answered last; kept only while a wait runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestorePositions } from '../../src/core/backup/restorePositions';

test('a printed position older than an exec read does not move the report back', () => {
  const p = new RestorePositions(3000);
  p.waitBegan('node1/r1');
  assert.equal(p.fresh('node1/r1', 1000), undefined, 'nothing printed yet: the node is asked');
  assert.equal(p.read('node1/r1', 3_700_000), 3_700_000);
  // The wait's line, measured before that exec, arrives after it.
  p.heard('node1/r1', 2_800_000, 1100);
  assert.equal(p.fresh('node1/r1', 1200), 3_700_000);
  p.heard('node1/r1', 5_000_000, 2100);
  assert.equal(p.fresh('node1/r1', 2200), 5_000_000);
  assert.equal(p.read('node1/r1', 4_900_000), 5_000_000);
});

test('a printed position is used for freshMs, then the node is asked again', () => {
  const p = new RestorePositions(3000);
  p.waitBegan('k');
  p.heard('k', 10, 1000);
  assert.equal(p.fresh('k', 3999), 10);
  assert.equal(p.fresh('k', 4000), undefined);
  // An exec's read does not make the printed position fresh again.
  assert.equal(p.read('k', 20), 20);
  assert.equal(p.fresh('k', 4001), undefined);
});

test('without a wait nothing is kept; the last of two waits on a restore ends its entry', () => {
  const p = new RestorePositions(3000);
  assert.equal(p.read('k', 50), 50);
  p.heard('k', 60, 0);
  assert.equal(p.read('k', 40), 40, 'no wait ran: nothing was kept');
  p.waitBegan('k');
  p.waitBegan('k');
  p.heard('k', 60, 0);
  p.waitEnded('k');
  assert.equal(p.read('k', 40), 60, 'one wait still runs');
  p.waitEnded('k');
  assert.equal(p.read('k', 40), 40);
  assert.equal(p.fresh('k', 1), undefined);
});

test('each restore has its own position', () => {
  const p = new RestorePositions(3000);
  p.waitBegan('node1/r1');
  p.waitBegan('node2/r1');
  p.heard('node1/r1', 900, 0);
  p.heard('node2/r1', 10, 0);
  assert.deepEqual([p.fresh('node1/r1', 1), p.fresh('node2/r1', 1)], [900, 10]);
});
