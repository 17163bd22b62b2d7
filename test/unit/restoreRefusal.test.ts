// Which restore refusals an override lifts, how each is worded, and the CLI's ETA wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockingRefusals, overrideProblems, refusalText, RESTORE_CHECKS, type Refusal } from '../../src/core/restore/refusal';
import { durationText } from '../../src/cli/backup';

const R = (check: Refusal['check']): Refusal => ({ check, message: `${check} said no` });

test('an override lifts only its own check, and only an overridable one', () => {
  const all = RESTORE_CHECKS.map(R);
  const every = RESTORE_CHECKS.map((check) => ({ check, reason: 'because' }));
  assert.deepEqual(
    blockingRefusals(all, every).map((r) => r.check),
    ['corrupt', 'names', 'archive-types', 'duplicates', 'include', 'type-clash', 'in-the-way', 'jobs'],
  );
  assert.deepEqual(blockingRefusals([R('bricks'), R('free-space')], [{ check: 'bricks', reason: 'replica' }]).map((r) => r.check), ['free-space']);
  assert.deepEqual(blockingRefusals([], []), []);
});

test('overrides that cannot apply are named before anything is asked of a node', () => {
  assert.deepEqual(overrideProblems([{ check: 'bricks', reason: 'x' }]), []);
  assert.deepEqual(overrideProblems([{ check: 'in-the-way', reason: 'x' }]), ['--override in-the-way: cannot be overridden: choose --existing skip or --existing overwrite']);
  assert.match(overrideProblems([{ check: 'space', reason: 'x' }])[0], /^--override space: no such restore check \(checks: archive, corrupt, names, archive-types, duplicates, include/);
  // A backup check name is not a restore check.
  assert.equal(overrideProblems([{ check: 'diskSpace', reason: 'x' }]).length, 1);
});

test('each refusal says its check and how to get past it', () => {
  assert.equal(refusalText(R('bricks')), 'bricks said no [bricks; --override bricks:"reason" to go ahead anyway]');
  assert.equal(refusalText(R('jobs')), 'jobs said no [jobs]');
  assert.equal(refusalText(R('bricks'), [{ check: 'bricks', reason: 'replica 3' }]), 'bricks said no [bricks: overridden: replica 3]');
  // An override of a check that cannot be overridden changes nothing in the wording.
  assert.equal(refusalText(R('jobs'), [{ check: 'jobs', reason: 'x' }]), 'jobs said no [jobs]');
});

test('durations on a progress line', () => {
  assert.equal(durationText(0), '0s');
  assert.equal(durationText(59_400), '59s');
  assert.equal(durationText(59_500), '1m00s');
  assert.equal(durationText(75_000), '1m15s');
  assert.equal(durationText(3_599_000), '59m59s');
  assert.equal(durationText(3_725_000), '1h02m');
  assert.equal(durationText(100 * 3600_000), '100h00m');
});
