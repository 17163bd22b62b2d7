// The panel's time words: 24-hour clock on the chart's axis like everywhere else in the panel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAxisTime, formatClock } from '../../src/webview/format';

test('the chart axis reads 24-hour local time, with seconds for short spans', () => {
  const afternoon = new Date(2024, 2, 5, 13, 5, 9).getTime() / 1000;
  assert.equal(formatAxisTime(afternoon, true), '13:05:09');
  assert.equal(formatAxisTime(afternoon, false), '13:05');
  const midnight = new Date(2024, 2, 5, 0, 0, 0).getTime() / 1000;
  assert.equal(formatAxisTime(midnight, false), '00:00');
  // The same clock as the rest of the panel.
  assert.equal(formatClock(afternoon * 1000, afternoon * 1000), '13:05');
});
