// The volume's size and newest change from its bricks' summaries (what du --time through the
// mount would say), and the race preflight runs between the bricks and du: its outcome for
// every order in which the two can answer, each order pinned by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FUSE_DIR_BYTES, sumOfSummaries, type VolumeSum } from '../../src/core/bricks/brickSum';
import type { BrickSummary } from '../../src/core/bricks/brickLister';
import { firstSound, type BrickAnswer } from '../../src/core/backup/volumeWalk';
import { tagged } from '../../src/core/docker/tagged';
import type { Settled } from '../../src/core/settled';

const brick = (o: Partial<BrickSummary>): BrickSummary => ({ brick: '/bricks/gv0', dirs: 17, digest: '25084b855cce2ae3', files: 60, linkfiles: 0, bytes: 0, ...o });

test('the sum: every brick\'s bytes, each directory and the root once at the size FUSE shows, the newest entry of all', () => {
  const sum = sumOfSummaries([
    brick({ bytes: 100, newest: { s: 1700000000, ns: 5, path: 'a' } }),
    brick({ bytes: 20, newest: { s: 1700000000, ns: 7, path: 'b' } }),
    brick({ bytes: 3, newest: { s: 1699999999, ns: 999999999, path: 'c' } }),
  ]);
  assert.deepEqual(sum, { bytes: 123 + 18 * FUSE_DIR_BYTES, newest: { s: 1700000000, ns: 7, path: 'b' }, bricks: 3 });
  // Equal times: the first brick's entry stands (any of them is a true example).
  assert.equal(sumOfSummaries([brick({ newest: { s: 1, ns: 0, path: 'first' } }), brick({ newest: { s: 1, ns: 0, path: 'second' } })])?.newest?.path, 'first');
  // An empty root: no newest entry at all, the root's own size only.
  assert.deepEqual(sumOfSummaries([brick({ dirs: 0 })]), { bytes: FUSE_DIR_BYTES, bricks: 1 });
});

test('no sum: no brick, a brick that printed no bytes, or a total beyond an exact integer', () => {
  assert.equal(sumOfSummaries([]), undefined);
  assert.equal(sumOfSummaries([brick({}), brick({ bytes: undefined })]), undefined);
  assert.equal(sumOfSummaries([brick({ bytes: Number.MAX_SAFE_INTEGER }), brick({ bytes: Number.MAX_SAFE_INTEGER })]), undefined);
});

test('a tagged command carries its tag in its environment through env, no shell', () => {
  const a = tagged(['du', '-s', '/mnt/gluster']);
  const b = tagged(['du', '-s', '/mnt/gluster']);
  assert.match(a.tag, /^[0-9a-f-]{36}$/);
  assert.notEqual(a.tag, b.tag, 'each command its own tag');
  assert.deepEqual(a.argv, ['env', `GLUSTER_BACKUP_TAG=${a.tag}`, 'du', '-s', '/mnt/gluster']);
});

/** A promise settled by hand, so each test fixes the order in which the two sides answer. */
function later<T>(): { p: Promise<T>; give: (v: T) => void } {
  let give!: (v: T) => void;
  return { p: new Promise<T>((r) => (give = r)), give };
}
type Du = Settled<{ bytes: number }>;
const SUM: VolumeSum = { bytes: 42, bricks: 3 };
const tick = () => new Promise((r) => setImmediate(r));

async function race(steps: ((d: (v: Du) => void, b: (v: BrickAnswer) => void) => void)[]) {
  const du = later<Du>();
  const bricks = later<BrickAnswer>();
  let out: unknown;
  void firstSound(du.p, bricks.p).then((o) => (out = o));
  for (const step of steps) {
    step(du.give, bricks.give);
    await tick();
  }
  return out;
}

test('the race: the first sound answer wins, in every order', async () => {
  const duOk: Du = { ok: true, value: { bytes: 41 } };
  const duFailed: Du = { ok: false, error: new Error('du: cannot access') };
  const bricksOk: BrickAnswer = { ok: true, sum: SUM, volume: 'gv0' };
  // du first: the bricks are not waited for.
  assert.deepEqual(await race([(d) => d(duOk)]), { from: 'mount', du: duOk });
  // The bricks first: du is not waited for.
  assert.deepEqual(await race([(_, b) => b(bricksOk)]), { from: 'bricks', sum: SUM, volume: 'gv0' });
  // The bricks refused or failed: du answers, and says why the bricks were not used.
  assert.deepEqual(await race([(_, b) => b({ ok: false, why: 'volume gv0: 1 brick(s) offline' }), (d) => d(duOk)]), { from: 'mount', du: duOk, why: 'volume gv0: 1 brick(s) offline' });
  // Not asked (the plan unknown, or du already done): du's answer alone.
  assert.deepEqual(await race([(_, b) => b(undefined), (d) => d(duOk)]), { from: 'mount', du: duOk });
  // du failing first is said, not hidden behind the bricks: tar reads the same mount.
  assert.deepEqual(await race([(d) => d(duFailed), (_, b) => b(bricksOk)]), { from: 'mount', du: duFailed });
  // Nothing yet while neither has answered soundly.
  assert.equal(await race([(_, b) => b({ ok: false, why: 'x' })]), undefined);
});
