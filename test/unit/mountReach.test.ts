// The FUSE client's own view of its bricks (the mount's .meta translators), read before Start
// calls a node settled: glusterd's "brick online" comes before the client is connected to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMountReach } from '../../src/core/node/containerActions';

test('counts the client translators connected to their brick', () => {
  // As `grep -m1 "^connected = "` prints it for gv0-client-0..2, measured on the test bed.
  assert.deepEqual(parseMountReach('connected = 1\nconnected = 0\nconnected = 1\n'), { connected: 2, total: 3 });
  assert.deepEqual(parseMountReach('connected = 1\nconnected = 1\nconnected = 1\n'), { connected: 3, total: 3 });
});

test('a mount without a .meta view says nothing, rather than "no brick reached"', () => {
  assert.equal(parseMountReach(''), undefined);
  assert.equal(parseMountReach('grep: /mnt/gluster/.meta: No such file or directory\n'), undefined);
});
