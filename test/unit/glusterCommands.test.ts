import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_GLUSTER_TIMEOUT_S,
  callDeadlineMs,
  checkVolumeName,
  glusterArgv,
  healInfoArgv,
  peerStatusArgv,
  poolListArgv,
  volumeInfoArgv,
  volumeStartArgv,
  volumeStatusArgv,
} from '../../src/core/gluster';

const PREFIX = ['gluster', '--mode=script', '--xml', `--timeout=${DEFAULT_GLUSTER_TIMEOUT_S}`];

test('every call is gluster --mode=script --xml --timeout=N followed by the words', () => {
  assert.deepEqual(peerStatusArgv(), [...PREFIX, 'peer', 'status']);
  assert.deepEqual(poolListArgv(), [...PREFIX, 'pool', 'list']);
  assert.deepEqual(volumeInfoArgv(), [...PREFIX, 'volume', 'info']);
  assert.deepEqual(volumeInfoArgv('gv0'), [...PREFIX, 'volume', 'info', 'gv0']);
  assert.deepEqual(volumeStatusArgv('gv0'), [...PREFIX, 'volume', 'status', 'gv0']);
  assert.deepEqual(volumeStatusArgv('gv0', true), [...PREFIX, 'volume', 'status', 'gv0', 'detail']);
  assert.deepEqual(healInfoArgv('gvrep'), [...PREFIX, 'volume', 'heal', 'gvrep', 'info']);
  assert.deepEqual(healInfoArgv('gvrep', true), [...PREFIX, 'volume', 'heal', 'gvrep', 'info', 'summary']);
  assert.deepEqual(volumeStartArgv('gv0', true), [...PREFIX, 'volume', 'start', 'gv0', 'force']);
});

test('timeout: whole seconds, positive; our own deadline is longer', () => {
  assert.deepEqual(poolListArgv({ timeoutS: 2.5 }).slice(0, 4), ['gluster', '--mode=script', '--xml', '--timeout=3']);
  assert.deepEqual(glusterArgv(['peer', 'status'], { program: '/usr/sbin/gluster', timeoutS: 30 }), [
    '/usr/sbin/gluster', '--mode=script', '--xml', '--timeout=30', 'peer', 'status',
  ]);
  for (const bad of [0, -1, Number.NaN, Infinity]) assert.throws(() => poolListArgv({ timeoutS: bad }), RangeError);
  assert.ok(callDeadlineMs({ timeoutS: 10 }) > 10_000);
});

test('volume names that gluster would refuse, or that look like options, are rejected', () => {
  for (const ok of ['gv0', 'gv_rep-1', '0x']) assert.equal(checkVolumeName(ok), ok);
  for (const bad of ['', '-x', '--remote-host=evil', 'a b', 'a;rm', 'all', 'vol/1', 'x'.repeat(300)]) {
    assert.throws(() => volumeStatusArgv(bad), RangeError, bad);
  }
});
