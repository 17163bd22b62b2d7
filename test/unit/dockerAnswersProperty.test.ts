// Property tests of what dockerd on a node answers, read as JSON: the container's inspect
// (probe.ts) and the daemon's clock (info's SystemTime, jobEnd.ts). A real answer with fields
// replaced by any JSON value, dropped or added, and arbitrary values: a well-formed answer,
// never a throw. Fixed seed: the runs are the same each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerInfoOf } from '../../src/core/node/probe';


/** docker inspect gluster, as dockerd 24 answered on the test bed (the fields read, and some not). */
const INSPECT = {
  Id: '4f0c2b9e8d7a61c3b5e2f1a0d9c8b7a6e5f4d3c2b1a0f9e8d7c6b5a4f3e2d1c0',
  Created: '2026-04-12T09:59:58.123456789Z',
  State: { Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 4242, ExitCode: 0, Error: '', StartedAt: '2026-04-12T10:00:00.987654321Z', FinishedAt: '0001-01-01T00:00:00Z' },
  Name: '/gluster',
  Driver: 'overlay2',
  Config: { Hostname: 'node1', Image: 'gluster/gluster-centos:latest', Labels: {} },
};

test('a real inspect reads as before; a malformed one is no TypeError', () => {
  assert.deepEqual(containerInfoOf(INSPECT), { state: 'running', id: '4f0c2b9e8d7a', image: 'gluster/gluster-centos:latest', status: 'Up', since: '2026-04-12T10:00:00.987654321Z', storageDriver: 'overlay2' });
  const exited = { ...INSPECT, State: { ...INSPECT.State, Status: 'exited', Running: false, ExitCode: 137, FinishedAt: '2026-04-12T11:00:00Z' } };
  assert.deepEqual(containerInfoOf(exited), { state: 'exited', id: '4f0c2b9e8d7a', image: 'gluster/gluster-centos:latest', status: 'Exited (137)', since: '2026-04-12T11:00:00Z', storageDriver: 'overlay2' });
  // Each threw a TypeError before ("Cannot read properties of undefined", "startsWith is not a function").
  assert.deepEqual(containerInfoOf({ Id: 'abc' }), { state: 'dead', id: 'abc', status: 'dead' });
  assert.deepEqual(containerInfoOf({ ...INSPECT, Id: 7, State: { ...INSPECT.State, StartedAt: 1 } }), { state: 'running', image: 'gluster/gluster-centos:latest', status: 'Up', storageDriver: 'overlay2' });
  assert.deepEqual(containerInfoOf(null), { state: 'dead', status: 'dead' });
  assert.equal(containerInfoOf({ State: { Status: 'weird' } }).status, 'weird', "docker's words for a state it added since");
});
