// Property tests of the progress page's saved state and its guard (isPersistedState). What the
// page itself saves, after any run of host messages, passes and paints (a reload keeps working);
// that state mutated at random (fields dropped, retyped, stretched), and arbitrary JSON, is
// refused by the guard or paints without a throw. Painting is the page's own render.ts and
// model.ts against a stand-in DOM (progressPageInNode). Fixed seeds: the runs are the same each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { JobRecord, JobState } from '../../src/core/backup/types';
import { ProgressModel } from '../../src/webview/model';
import { isPersistedState, type HostMessage, type PanelJob, type PersistedState, type ReadDataRun } from '../../src/webview/protocol';
import { backupJob } from '../helpers/builders';
import { paintSaved } from './helpers/progressPageInNode';
import { backup, DIR, readData, restore, saved, T0 } from './helpers/savedStates';

const SEED = 20240305;
const NOW = T0 + 3_600_000;
const STATES: JobState[] = ['running', 'completed', 'completedWithWarnings', 'failed', 'cancelled', 'unknown'];

const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
const time = fc.integer({ min: 0, max: 86_400_000 }).map((ms) => new Date(T0 + ms).toISOString());
const bytes = fc.integer({ min: 0, max: 2 ** 45 });
const node = fc.oneof(fc.constantFrom('data-node-1', 'local', '10.0.0.7'), fc.string({ minLength: 1, maxLength: 40 }));

/** A backup's record as the host has it: read from a job file, or as startBackup made it, seen at any point of its life. */
const backupRecord: fc.Arbitrary<JobRecord> = fc
  .record(
    {
      node,
      gzip: fc.boolean(),
      compressor: fc.constantFrom('pigz', 'gzip'),
      state: fc.constantFrom(...STATES),
      exitCode: fc.integer({ min: 0, max: 255 }),
      reason: text(300),
      endedAt: time,
      sourceBytes: bytes,
      archiveBytes: bytes,
      overrides: fc.array(fc.record({ check: fc.string({ maxLength: 30 }), reason: text(200), by: fc.string({ maxLength: 20 }) }, { requiredKeys: ['check', 'reason'] }), { maxLength: 3 }),
      warnings: fc.record({ changed: fc.nat(1000), other: fc.nat(1000) }, { requiredKeys: [] }),
    },
    { requiredKeys: ['node', 'gzip', 'state', 'overrides'] },
  )
  .map(({ gzip, compressor, ...r }) => {
    const archive = `datarobot-gluster-backup-2024-05-03${gzip ? '.tar.gz' : '.tar'}`;
    return backupJob({ ...r, ...(gzip && compressor ? { compressor } : {}) }, { dir: DIR, archive });
  });

const restoreRecord: fc.Arbitrary<JobRecord> = fc
  .record(
    {
      node,
      state: fc.constantFrom(...STATES),
      exitCode: fc.integer({ min: 0, max: 255 }),
      reason: text(300),
      endedAt: time,
      archiveBytes: bytes,
      members: fc.array(fc.string({ minLength: 1, maxLength: 60 }), { maxLength: 5 }),
      policy: fc.constantFrom('refuse' as const, 'skip' as const, 'overwrite' as const),
      bytesToWrite: bytes,
      specBytes: bytes,
      reported: fc.boolean(),
      differences: fc.nat(100),
    },
    { requiredKeys: ['node', 'state', 'members', 'policy', 'bytesToWrite', 'specBytes', 'reported'] },
  )
  .map(({ members, policy, bytesToWrite, specBytes, reported, differences, ...r }) => ({
    ...restore,
    ...r,
    restore: { target: '/mnt/gluster/restored', members, policy, bytesToWrite, archiveBytes: specBytes, ...(reported ? { report: `${DIR}/${restore.id}.json`, ...(differences !== undefined ? { differences } : {}) } : {}) },
  }));

const readDataRun: fc.Arbitrary<ReadDataRun> = fc
  .record(
    {
      node,
      state: fc.constantFrom(...STATES),
      phase: fc.constantFrom('finding the archive', 'reading the archive headers', 'reading data', 'saving the report beside the archive', 'locating'),
      members: fc.nat(2000),
      extra: fc.nat(2000),
      bytesTotal: bytes,
      subset: fc.integer({ min: 1, max: 10_000 }),
      exitCode: fc.integer({ min: 0, max: 2 }),
      reason: text(300),
      endedAt: time,
    },
    { requiredKeys: ['node', 'state', 'phase', 'members', 'extra', 'bytesTotal'] },
  )
  .map(({ members, extra, ...r }) => ({ ...readData, ...r, members, membersTotal: members + extra }));

const job: fc.Arbitrary<PanelJob> = fc.oneof(backupRecord, restoreRecord, readDataRun);

/** What the host posts after an init: samples, the target, tar's messages, a state, a read-data step, and batches of them. */
const update: fc.Arbitrary<HostMessage> = fc.oneof(
  fc.record({ type: fc.constant('sample' as const), t: fc.integer({ min: T0, max: NOW }), bytes }),
  fc.record({ type: fc.constant('target' as const), bytes, sourceBytes: bytes, estimated: fc.boolean() }),
  fc.record({ type: fc.constant('warnings' as const), count: fc.nat(10_000), last: fc.array(text(200), { maxLength: 5 }) }),
  fc.record({ type: fc.constant('state' as const), state: fc.constantFrom(...STATES), exitCode: fc.integer({ min: 0, max: 255 }), reason: text(300), endedAt: time }, { requiredKeys: ['type', 'state'] }),
  fc.tuple(fc.nat(500), fc.nat(500), fc.string({ maxLength: 40 })).map(([members, extra, phase]): HostMessage => ({ type: 'readData', phase, members, membersTotal: members + extra })),
);
const message: fc.Arbitrary<HostMessage> = fc.oneof(update, fc.array(update, { maxLength: 6 }).map((messages): HostMessage => ({ type: 'batch', messages })));

/** What the page saves (main.ts: setState(model.persisted())) after an init and some updates, as VS Code keeps it. */
const pageSaved: fc.Arbitrary<PersistedState> = fc
  .record({
    job,
    history: fc.array(fc.record({ t: fc.integer({ min: T0, max: NOW }), bytes }), { maxLength: 40 }),
    target: fc.option(fc.record({ bytes, sourceBytes: bytes, estimated: fc.boolean() }), { nil: undefined }),
    warnings: fc.record({ count: fc.nat(10_000), last: fc.array(text(200), { maxLength: 5 }) }),
    live: fc.boolean(),
    updates: fc.array(message, { maxLength: 30 }),
  })
  .map(({ job, history, target, warnings, live, updates }) => {
    const model = new ProgressModel();
    model.apply({ type: 'init', job, history, target, warnings, now: NOW, live });
    for (const m of updates) model.apply(m);
    return JSON.parse(JSON.stringify(model.persisted())) as PersistedState;
  });

test('property: whatever the page saves, after any run of host messages, passes the guard and paints', () => {
  fc.assert(
    fc.property(pageSaved, (s) => {
      assert.ok(isPersistedState(s), JSON.stringify(s).slice(0, 400));
      paintSaved(s, NOW);
    }),
    { seed: SEED, numRuns: 400 },
  );
});

type Path = (string | number)[];

/** Every place in a JSON value a mutation can land: each key of each object, each index of each array. */
function pathsOf(v: unknown, at: Path = []): Path[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => [[...at, i], ...pathsOf(x, [...at, i])]);
  if (typeof v === 'object' && v !== null) return Object.entries(v).flatMap(([k, x]) => [[...at, k], ...pathsOf(x, [...at, k])]);
  return [];
}

type Mutation = { pick: number; op: 'drop' } | { pick: number; op: 'set'; value: unknown } | { pick: number; op: 'add'; key: string; value: unknown };

/** Values of the wrong type, at the edges, or of another field: what an older page or a hand could have left. */
const odd = fc.oneof(
  fc.constantFrom(null, 0, -1, 1.5, 2 ** 53, 1e300, '', 'x', true, false, [], {}, 'running', 'restore', 'readData', 'backup', 'completed', T0, '2024-03-05T10:00:00Z', [null], [{}], [''], { t: T0 }),
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.nat(4).map((n) => 'x'.repeat([300, 4097, 8193, 65_537, 140_000][n])),
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ pick: fc.nat(), op: fc.constant('drop' as const) }),
  fc.record({ pick: fc.nat(), op: fc.constant('set' as const), value: odd }),
  fc.record({ pick: fc.nat(), op: fc.constant('add' as const), key: fc.constantFrom('type', 'messages', 'kind', 'members', 'last', 'restore', 'warnings', 'overrides', 'x'), value: odd }),
);

function mutate(state: unknown, ms: Mutation[]): unknown {
  let s = JSON.parse(JSON.stringify(state)) as unknown;
  for (const m of ms) {
    const paths = pathsOf(s);
    if (m.op === 'add') paths.push([]);
    if (!paths.length) continue;
    const path = paths[m.pick % paths.length];
    if (m.op === 'add') {
      const target = path.reduce<any>((o, k) => o[k], s);
      if (typeof target === 'object' && target !== null && !Array.isArray(target)) target[m.key] = m.value;
      continue;
    }
    const parent = path.slice(0, -1).reduce<any>((o, k) => o[k], s);
    const key = path[path.length - 1];
    if (m.op === 'drop') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else parent[key] = m.value;
    s = JSON.parse(JSON.stringify(s)) as unknown;
  }
  return s;
}

/** The guard's answer, and if it said yes, the paint must not throw. */
function refusedOrPaints(s: unknown): void {
  const ok = isPersistedState(s);
  assert.equal(typeof ok, 'boolean');
  if (ok) paintSaved(s as PersistedState, NOW);
}

test('property: a saved state mutated at random is refused, or it paints', () => {
  const fixed = fc.constantFrom(saved(backup), saved(restore), saved(readData), saved({ ...restore, state: 'completed' }), saved(backupJob({ state: 'failed', exitCode: 2 }, { dir: DIR })));
  fc.assert(
    fc.property(fc.oneof(fixed, pageSaved), fc.array(mutation, { minLength: 1, maxLength: 4 }), (s, ms) => refusedOrPaints(mutate(s, ms))),
    { seed: SEED, numRuns: 3000 },
  );
});

test('property: arbitrary JSON, bare or in a state’s shape, is refused or paints', () => {
  const shaped = fc.record(
    {
      version: fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 0 })),
      job: fc.oneof(job, fc.jsonValue({ maxDepth: 3 }), fc.dictionary(fc.constantFrom(...Object.keys(backup), ...Object.keys(readData), 'restore'), fc.jsonValue({ maxDepth: 2 }))),
      history: fc.oneof(fc.array(fc.record({ t: fc.jsonValue({ maxDepth: 0 }), bytes: fc.jsonValue({ maxDepth: 0 }) }), { maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })),
      target: fc.oneof(fc.record({ bytes: fc.jsonValue({ maxDepth: 0 }), sourceBytes: fc.jsonValue({ maxDepth: 0 }), estimated: fc.jsonValue({ maxDepth: 0 }) }), fc.jsonValue({ maxDepth: 1 })),
      warnings: fc.oneof(fc.record({ count: fc.jsonValue({ maxDepth: 0 }), last: fc.jsonValue({ maxDepth: 1 }) }), fc.jsonValue({ maxDepth: 1 })),
    },
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue(), shaped.map((s) => JSON.parse(JSON.stringify(s)) as unknown)), refusedOrPaints),
    { seed: SEED, numRuns: 2000 },
  );
});

test('the mutations reach both sides: some mutated states still pass and paint, most are refused', () => {
  // Without this the property above would hold for a guard that refused everything.
  const sample = fc.sample(fc.tuple(fc.constantFrom(saved(backup), saved(restore), saved(readData)), fc.array(mutation, { minLength: 1, maxLength: 2 })), { seed: SEED, numRuns: 500 });
  const passed = sample.filter(([s, ms]) => isPersistedState(mutate(s, ms))).length;
  assert.ok(passed > 25 && passed < 475, `${passed} of 500 passed`);
});
