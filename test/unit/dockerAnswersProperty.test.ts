// Property tests of what dockerd on a node answers, read as JSON: the container's inspect
// (probe.ts) and the daemon's clock (info's SystemTime, jobEnd.ts). A real answer with fields
// replaced by any JSON value, dropped or added, and arbitrary values: a well-formed answer,
// never a throw. Fixed seed: the runs are the same each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nodeTimeOf } from '../../src/core/backup/jobEnd';
import { containerInfoOf } from '../../src/core/node/probe';

const SEED = 20261210;
const STATES = ['running', 'exited', 'paused', 'restarting', 'created', 'dead', 'removing'];

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

/** Inspect answers with fields replaced by any value, dropped, or added, at the top and in State and Config. */
const mutatedInspect = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom('', 'State.', 'Config.'), fc.constantFrom('Id', 'Driver', 'Image', 'Status', 'Running', 'Paused', 'Restarting', 'ExitCode', 'StartedAt', 'FinishedAt', 'State', 'Config', '__proto__', 'x'), fc.oneof(fc.constant(undefined), fc.jsonValue(), fc.string({ unit: 'binary', maxLength: 2000 }), fc.constantFrom(...STATES, '0001-01-01T00:00:00Z', 'not a time', '2026-13-45T99:99:99Z'))), { maxLength: 6 }),
  )
  .map(([edits]) => {
    const o = JSON.parse(JSON.stringify(INSPECT)) as Record<string, Record<string, unknown>>;
    for (const [at, k, v] of edits) {
      const into = at === '' ? (o as Record<string, unknown>) : (o[at.slice(0, -1)] as Record<string, unknown> | undefined);
      if (into && typeof into === 'object') into[k] = v;
    }
    return o;
  });

test('property: any inspect answer gives a known state, short strings, and a time only when it is one', () => {
  fc.assert(
    fc.property(fc.oneof(mutatedInspect, fc.anything()), (c) => {
      const i = containerInfoOf(c);
      assert.ok(STATES.includes(i.state), i.state);
      for (const [k, v] of Object.entries(i)) assert.ok(typeof v === 'string' && v.length <= 512, `${k}: ${String(v).slice(0, 80)}`);
      assert.ok(i.id === undefined || i.id.length <= 12);
      if (i.since !== undefined) assert.ok(Number.isFinite(Date.parse(i.since)) && !i.since.startsWith('0001-'), i.since);
    }),
    { seed: SEED, numRuns: 1000 },
  );
});

test("property: the daemon's SystemTime, mutated or any value, is a finite time or nothing", () => {
  const T = '2026-04-12T10:00:00.123456789+02:00';
  const edit = fc.tuple(fc.nat(), fc.constantFrom('replace', 'insert', 'delete'), fc.constantFrom('9', '0', '-', ':', '.', 'Z', 'T', '+', ' ', '\0', '\u2028'));
  const mutated = fc.array(edit, { maxLength: 3 }).map((es) => es.reduce((s, [at, kind, ch]) => {
    const i = at % (s.length + 1);
    return kind === 'replace' ? s.slice(0, i) + ch + s.slice(i + 1) : kind === 'insert' ? s.slice(0, i) + ch + s.slice(i) : s.slice(0, i) + s.slice(i + 1);
  }, T));
  fc.assert(
    fc.property(fc.oneof(mutated.map((SystemTime) => ({ SystemTime })), fc.record({ SystemTime: fc.anything() }), fc.anything()), (info) => {
      const t = nodeTimeOf(info);
      assert.ok(t === undefined || Number.isFinite(t), String(t));
    }),
    { seed: SEED, numRuns: 1000 },
  );
  assert.equal(nodeTimeOf({ SystemTime: T }), Date.UTC(2026, 3, 12, 8, 0, 0, 123));
});
