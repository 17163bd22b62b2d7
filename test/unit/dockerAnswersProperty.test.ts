// Property tests of what dockerd on a node answers, read as JSON: the container's inspect
// (probe.ts), the daemon's clock (info's SystemTime, jobEnd.ts) and an exec's inspect
// (execInspect.ts). A real answer with fields replaced by any JSON value, dropped or added, and
// arbitrary values: a well-formed answer, never a TypeError. Fixed seed: the runs are the same
// each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { nodeTimeOf } from '../../src/core/backup/jobEnd';
import { ExecAnswerError, execStateOf } from '../../src/core/docker/execInspect';
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

/** docker exec inspect of a command that exited, as dockerd 24 answers it. */
const EXEC = {
  CanRemove: false,
  ContainerID: INSPECT.Id,
  DetachKeys: '',
  ExitCode: 0,
  ID: '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b',
  OpenStderr: true,
  OpenStdin: false,
  OpenStdout: true,
  ProcessConfig: { arguments: ['-c', 'exit 0'], entrypoint: 'sh', privileged: false, tty: false, user: '' },
  Running: false,
  Pid: 4343,
};

test("an exec's inspect: its exit code, running, never started; an answer docker would not give is named", () => {
  assert.deepEqual(execStateOf(EXEC, 'sh'), { running: false, exitCode: 0 });
  assert.deepEqual(execStateOf({ ...EXEC, ExitCode: 137 }, 'sh'), { running: false, exitCode: 137 });
  assert.deepEqual(execStateOf({ ...EXEC, Running: true, ExitCode: null }, 'sh'), { running: true });
  assert.deepEqual(execStateOf({ ...EXEC, ExitCode: null }, 'sh'), { running: false });
  assert.deepEqual(execStateOf({ ...EXEC, ExitCode: undefined }, 'sh'), { running: false });
  // A string "0" passed `!== 0` as a failure; an object made a job "exited" with it as its code.
  for (const [code, said] of [['0', '"0"'], [{}, '{}'], [-1, '-1'], [256, '256'], [1.5, '1.5'], [Number.NaN, 'null'], [true, 'true']] as const) {
    assert.throws(() => execStateOf({ ...EXEC, ExitCode: code }, 'tar in container gluster'), (e: Error) => e instanceof ExecAnswerError && e.message === `tar in container gluster: docker's exec inspect answer has ExitCode ${said}: a whole number from 0 to 255 expected`);
  }
  assert.throws(() => execStateOf({ ...EXEC, Running: 'false' }, 'sh'), /^ExecAnswerError: sh: docker's exec inspect answer has Running "false": true or false expected$/);
  assert.throws(() => execStateOf(null, 'sh'), /^ExecAnswerError: sh: docker's exec inspect answer is not an object: null$/);
  assert.throws(() => execStateOf({ ...EXEC, ExitCode: 'x'.repeat(1 << 20) }, 'sh'), (e: Error) => e instanceof ExecAnswerError && e.message.length < 300);
});

test("property: any exec inspect answer is its state, as docker said it, or an ExecAnswerError naming the field", () => {
  const field = fc.constantFrom('ExitCode', 'Running', 'ID', 'Pid', 'ProcessConfig', '__proto__', 'x');
  const value = fc.oneof(fc.constant(undefined), fc.jsonValue(), fc.anything(), fc.integer({ min: -300, max: 300 }), fc.double(), fc.string({ unit: 'binary', maxLength: 2000 }));
  const mutatedExec = fc.array(fc.tuple(field, value), { maxLength: 4 }).map((edits) => {
    const o = JSON.parse(JSON.stringify(EXEC)) as Record<string, unknown>;
    for (const [k, v] of edits) o[k] = v;
    return o;
  });
  fc.assert(
    fc.property(fc.oneof(mutatedExec, fc.anything()), (answer) => {
      let state;
      try {
        state = execStateOf(answer, 'sh');
      } catch (e) {
        assert.ok(e instanceof ExecAnswerError, String((e as Error)?.stack ?? e));
        assert.ok(e.message.length <= 300 && /^sh: docker's exec inspect answer (is not an object|has (Running|ExitCode) )/.test(e.message), e.message);
        return;
      }
      const o = answer as { Running: unknown; ExitCode: unknown };
      assert.equal(state.running, o.Running);
      if (!state.running) {
        if (state.exitCode === undefined) assert.ok(o.ExitCode === null || o.ExitCode === undefined);
        else assert.ok(state.exitCode === o.ExitCode && Number.isInteger(state.exitCode) && state.exitCode >= 0 && state.exitCode <= 255, String(state.exitCode));
      }
    }),
    { seed: SEED, numRuns: 2000 },
  );
});
