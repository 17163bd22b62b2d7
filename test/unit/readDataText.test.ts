// The read-data progress line of the VS Code notification, fed pinned times.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationWords, ReadDataMeter } from '../../src/extension/validate/readDataText';

const MiB = 1024 * 1024;

test('members and bytes done from the first report; rate and time left once the estimator has them', () => {
  const m = new ReadDataMeter();
  const first = m.update({ members: 0, membersTotal: 200, bytes: 0, bytesTotal: 1000 * MiB }, 0);
  assert.equal(first.text, 'read data: 0/200 members, 0 B of 1000 MiB (0.0%)');
  assert.equal(first.percent, 0);
  let last = first;
  // 10 MiB/s steadily for 60 s.
  for (let s = 1; s <= 60; s++) last = m.update({ members: s * 2, membersTotal: 200, bytes: s * 10 * MiB, bytesTotal: 1000 * MiB }, s * 1000);
  assert.match(last.text, /^read data: 120\/200 members, 600 MiB of 1000 MiB \(60\.0%\), 10 MiB\/s, 40 s left$/);
  assert.equal(last.percent, 60);
});

test('an empty archive (no bytes to read) has no percent, and says so without dividing by zero', () => {
  const r = new ReadDataMeter().update({ members: 0, membersTotal: 0, bytes: 0, bytesTotal: 0 }, 5);
  assert.deepEqual(r, { text: 'read data: 0/0 members, 0 B of 0 B', percent: undefined });
});

test('durations in words', () => {
  assert.equal(durationWords(4_400), '4 s');
  assert.equal(durationWords(125_000), '2 min 05 s');
  assert.equal(durationWords(3_600_000 * 2 + 60_000 * 7), '2 h 07 min');
});
