// The state a progress page saves for a reload is read back through a guard: the page paints
// only what passes it, and the serializer gives the host only that (which then follows the
// saved job on its node again). A state from an older page, or altered, must be refused
// whole rather than half-painted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobRecord } from '../../src/core/backup/types';
import { LineSplitter } from '../../src/core/lineSplitter';
import { isPersistedState, isReadDataRun, jobKindOf, MAX_SAVED_POINTS, MAX_SAVED_WARNINGS, MAX_WARNING_CHARS } from '../../src/webview/protocol';
import { paintSaved } from './helpers/progressPageInNode';
import { backup, DIR, readData, restore, saved, T0 } from './helpers/savedStates';

const NOW = T0 + 60_000;

test('a saved backup, one saved before job kinds and versions existed, a whole restore and a read-data run pass, and paint', () => {
  const { kind: _, version: __, ...older } = backup;
  for (const job of [backup, older, restore, readData, { ...backup, compression: 'gzip', compressor: 'pigz', archive: `${backup.archive}.gz`, partial: `${backup.archive}.gz.partial`, overrides: [{ check: 'freeSpace', reason: 'pruned tonight', by: 'alice' }] }]) {
    const s = saved(job);
    assert.ok(isPersistedState(s), JSON.stringify(job));
    paintSaved(s, NOW);
  }
  assert.equal(jobKindOf(older as JobRecord), 'backup');
  assert.equal(jobKindOf(restore), 'restore');
  // No target yet, no warning yet, no sample yet: what a page saves right after its init.
  assert.ok(isPersistedState(saved(backup, { target: undefined, history: [], warnings: { count: 0, last: [] } })));
  // Ended ones, with what their end brings.
  assert.ok(isPersistedState(saved({ ...backup, state: 'failed', exitCode: 2, reason: 'No space left on device', endedAt: new Date(NOW).toISOString() })));
  assert.ok(isPersistedState(saved({ ...restore, state: 'completed', exitCode: 0, endedAt: new Date(NOW).toISOString(), restore: { ...restore.restore, members: [], report: `${DIR}/${restore.id}.json`, differences: 0 } })));
});

test('what the review found: a job with no warnings, and a completed restore saved without its members, are refused', () => {
  // Painted, the first threw a TypeError at the warnings (and then at the missing overrides);
  // the second in the banner, at restore.members.length.
  assert.ok(!isPersistedState({ version: 1, job: { id: 'a', node: 'b' }, history: [] }));
  const { members: _, ...spec } = restore.restore!;
  assert.ok(!isPersistedState(saved({ ...restore, state: 'completed', restore: spec })));
});

test('every field the page reads of a backup or restore: missing, of the wrong type or out of bounds is refused', () => {
  const mutations: [JobRecord, Record<string, unknown>][] = [
    [backup, { overrides: undefined }],
    [backup, { overrides: null }],
    [backup, { overrides: [{ check: 'freeSpace' }] }],
    [backup, { kind: 'migrate' }],
    [backup, { kind: null }],
    [backup, { node: undefined }],
    [backup, { node: '' }],
    [backup, { node: 'n'.repeat(1025) }],
    [backup, { state: 'exploded' }],
    [backup, { state: undefined }],
    [backup, { archive: undefined }],
    [backup, { archive: 7 }],
    [backup, { compression: 'zstd' }],
    [backup, { compressor: 'pigz; rm -rf /' }],
    [backup, { source: undefined }],
    [backup, { container: undefined }],
    [backup, { log: undefined }],
    [backup, { startedAt: 'yesterday' }],
    [backup, { startedAt: undefined }],
    [backup, { endedAt: 12 }],
    [backup, { exitCode: -1 }],
    [backup, { exitCode: 256 }],
    [backup, { exitCode: '2' }],
    [backup, { reason: 3 }],
    [backup, { reason: 'x'.repeat(64 * 1024 + 1) }],
    [backup, { warnings: 'many' }],
    [backup, { sourceBytes: -5 }],
    [backup, { archiveBytes: 1.5 }],
    [backup, { kept: true }],
    [restore, { restore: undefined }],
    [restore, { restore: { ...restore.restore, target: 7 } }],
    [restore, { restore: { ...restore.restore, members: './mongo' } }],
    [restore, { restore: { ...restore.restore, members: [null] } }],
    [restore, { restore: { ...restore.restore, policy: 'merge' } }],
    [restore, { restore: { ...restore.restore, bytesToWrite: '6 MiB' } }],
    [restore, { restore: { ...restore.restore, archiveBytes: undefined } }],
    [restore, { restore: { ...restore.restore, differences: -1 } }],
  ];
  for (const [job, m] of mutations) assert.ok(!isPersistedState(saved({ ...job, ...m })), `passed with ${JSON.stringify(m).slice(0, 80)}`);
});

test('a saved record that names files other than its own is refused: the host would follow it on the node', () => {
  for (const m of [
    { partial: '/etc/passwd' },
    { partial: undefined },
    { log: `${DIR}/other.log` },
    { archive: '/etc/datarobot-gluster-backup-2024-05-03.tar' },
    { archive: 'datarobot-gluster-backup-2024-05-03.tar' },
    { id: '../x' },
    { id: 'datarobot-gluster-backup-2024-05-04' },
    { execId: 'not-an-exec' },
  ]) {
    assert.ok(!isPersistedState(saved({ ...backup, ...m })), `passed with ${JSON.stringify(m)}`);
  }
  assert.ok(!isPersistedState(saved({ ...restore, partial: `${restore.archive}.partial` })));
  assert.ok(!isPersistedState(saved({ ...restore, restore: { ...restore.restore, report: '/tmp/report.json' } })));
});

test('the saved series, target and warnings: missing, of the wrong type or out of bounds is refused', () => {
  const at = (i: number, p: unknown) => [...saved(backup).history.slice(0, i), p];
  const bad: Partial<Record<string, unknown>>[] = [
    { history: undefined },
    { history: {} },
    { history: at(1, null) },
    { history: at(1, { t: T0 }) },
    { history: at(1, { t: String(T0), bytes: 1 }) },
    { history: at(1, { t: -1, bytes: 1 }) },
    { history: at(1, { t: 8.64e15 + 1, bytes: 1 }) },
    { history: at(1, { t: T0, bytes: -1 }) },
    { history: at(1, { t: T0, bytes: 0.5 }) },
    { history: at(1, [T0, 1]) },
    { history: Array.from({ length: MAX_SAVED_POINTS + 1 }, (_, i) => ({ t: T0 + i, bytes: i })) },
    { target: null },
    { target: 5 },
    { target: { bytes: 1, sourceBytes: 1 } },
    { target: { bytes: -1, sourceBytes: 1, estimated: false } },
    { target: { bytes: 1, sourceBytes: '1', estimated: false } },
    { warnings: undefined },
    { warnings: null },
    { warnings: { count: 1 } },
    { warnings: { last: [] } },
    { warnings: { count: -1, last: [] } },
    { warnings: { count: 1, last: 'x' } },
    { warnings: { count: 1, last: [7] } },
    { warnings: { count: 1, last: ['x'.repeat(MAX_WARNING_CHARS + 1)] } },
    { warnings: { count: 101, last: Array.from({ length: MAX_SAVED_WARNINGS + 1 }, () => 'x') } },
  ];
  for (const over of bad) assert.ok(!isPersistedState(saved(backup, over)), `passed with ${JSON.stringify(over).slice(0, 80)}`);
  // More points than a page keeps (600) but under the bound: an older page's longer series still paints.
  assert.ok(isPersistedState(saved(backup, { history: Array.from({ length: 5000 }, (_, i) => ({ t: T0 + i * 1000, bytes: i })) })));
});

test('a state with a key the page does not write is refused: spread into the init, a `type` would make it another message', () => {
  assert.ok(!isPersistedState({ ...saved(backup), type: 'batch', messages: [null] }));
  assert.ok(!isPersistedState({ ...saved(backup), type: 'sample' }));
  assert.ok(!isPersistedState({ ...saved(backup), extra: 1 }));
  assert.ok(!isPersistedState({ ...saved(backup), version: 2 }));
  assert.ok(!isPersistedState(JSON.parse(`{"__proto__": {"x": 1}, ${JSON.stringify(saved(backup)).slice(1)}`)));
});

test('the guard answers, never throws, for what JSON cannot hold (a cycle, a BigInt) and for what is not a state at all', () => {
  const cyclic: Record<string, unknown> = { ...backup };
  cyclic.self = cyclic;
  for (const s of [
    { ...saved(backup), job: cyclic },
    { ...saved(backup), job: { ...backup, archiveBytes: 10n } },
    { ...saved(backup), history: [{ t: T0, bytes: 1n }] },
  ]) {
    assert.equal(isPersistedState(s), false);
  }
  for (const v of [undefined, null, 0, '', 'state', [], [saved(backup)], true]) assert.equal(isPersistedState(v), false);
});

test('a tar message as the log reader cuts the longest line still fits a saved warning', () => {
  const lines = new LineSplitter().push(`tar: ./${'a'.repeat(200 * 1024)}: file changed as we read it\n`);
  assert.equal(lines.length, 1);
  assert.ok(lines[0].length <= MAX_WARNING_CHARS, `${lines[0].length} characters`);
  assert.ok(isPersistedState(saved(backup, { warnings: { count: 1, last: lines } })));
});

test('a saved read-data run passes with every field the page reads, a slice and an end included', () => {
  assert.ok(isReadDataRun(readData));
  assert.ok(isPersistedState(saved(readData)));
  assert.ok(isPersistedState(saved({ ...readData, subset: 1000, state: 'completedWithWarnings', exitCode: 1, reason: 'x: 1 of 40 members differ', endedAt: '2024-03-05T10:01:00.000Z' })));
  assert.equal(jobKindOf(readData), 'readData');
});

test('a read-data run with a field missing, of the wrong type or out of bounds does not pass', () => {
  const mutations: Record<string, unknown>[] = [
    { archive: undefined },
    { archive: 7 },
    { archive: 'a'.repeat(4097) },
    { node: undefined },
    { node: '' },
    { id: null },
    { state: 'exploded' },
    { startedAt: undefined },
    { startedAt: 'soon' },
    { phase: undefined },
    { phase: 'p'.repeat(257) },
    { members: -1 },
    { members: 41 },
    { members: 1.5 },
    { membersTotal: '40' },
    { bytesTotal: Number.NaN },
    { bytesTotal: Infinity },
    { subset: 0 },
    { subset: 10_001 },
    { subset: '10%' },
    { exitCode: -2 },
    { exitCode: 256 },
    { reason: 3 },
    { reason: 'r'.repeat(64 * 1024 + 1) },
    { endedAt: 12 },
    { endedAt: 'later' },
  ];
  for (const m of mutations) {
    const bad = { ...readData, ...m };
    assert.ok(!isReadDataRun(bad), `passed with ${JSON.stringify(m).slice(0, 80)}`);
    assert.ok(!isPersistedState({ ...saved(readData), job: bad }), `saved state passed with ${JSON.stringify(m).slice(0, 80)}`);
  }
  // A run still needs the page's other fields: its list of warnings is drawn (hidden) too.
  assert.ok(!isPersistedState({ ...saved(readData), warnings: undefined }));
  assert.ok(!isReadDataRun(null) && !isReadDataRun('readData') && !isReadDataRun({ ...readData, kind: 'readdata' }));
});
