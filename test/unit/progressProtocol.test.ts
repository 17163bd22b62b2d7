// The state a progress page saves for a reload is read back through a guard: the page and the
// serializer trust only what passes it, restores included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobRecord } from '../../src/core/backup/types';
import { isPersistedState, isReadDataRun, jobKindOf } from '../../src/webview/protocol';

const backup = { version: 1, kind: 'backup', id: 'b', node: 'node1', state: 'running' } as unknown as JobRecord;
const saved = (job: object) => ({ version: 1, job, history: [], warnings: { count: 0, last: [] } });

test('a saved backup, one saved before job kinds existed, and a whole restore pass', () => {
  assert.ok(isPersistedState(saved(backup)));
  const { kind: _, ...older } = backup;
  assert.ok(isPersistedState(saved(older)));
  assert.equal(jobKindOf(older as JobRecord), 'backup');
  const restore = { ...backup, kind: 'restore', restore: { target: '/mnt/gluster/x', members: [], policy: 'skip', bytesToWrite: 1, archiveBytes: 2 } };
  assert.ok(isPersistedState(saved(restore)));
  assert.equal(jobKindOf(restore as JobRecord), 'restore');
});

test('a restore without its target or archive size, or an unknown kind, does not pass', () => {
  assert.ok(!isPersistedState(saved({ ...backup, kind: 'restore' })));
  assert.ok(!isPersistedState(saved({ ...backup, kind: 'restore', restore: { target: '/x' } })));
  assert.ok(!isPersistedState(saved({ ...backup, kind: 'restore', restore: { target: 7, archiveBytes: 2 } })));
  assert.ok(!isPersistedState(saved({ ...backup, kind: 'migrate' })));
  assert.ok(!isPersistedState({ ...saved(backup), version: 2 }));
});

const run = {
  kind: 'readData',
  id: 'read-data datarobot-gluster-backup-2024-05-03.tar',
  node: 'node1',
  archive: '/opt/datarobot/data/backups/gluster/datarobot-gluster-backup-2024-05-03.tar',
  state: 'running',
  startedAt: '2024-03-05T10:00:00.000Z',
  phase: 'reading data',
  members: 3,
  membersTotal: 40,
  bytesTotal: 1024,
};

test('a saved read-data run passes with every field the page reads, a slice included', () => {
  assert.ok(isReadDataRun(run));
  assert.ok(isPersistedState(saved(run)));
  assert.ok(isPersistedState(saved({ ...run, subset: 1000, state: 'completedWithWarnings', exitCode: 1, reason: 'x: 1 of 40 members differ', endedAt: '2024-03-05T10:01:00.000Z' })));
  assert.equal(jobKindOf(run as unknown as JobRecord), 'readData');
});

test('a read-data run with a field missing, of the wrong type or out of bounds does not pass', () => {
  const mutations: Record<string, unknown>[] = [
    { archive: undefined },
    { archive: 7 },
    { node: undefined },
    { id: null },
    { state: 'exploded' },
    { startedAt: undefined },
    { phase: undefined },
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
    { reason: 3 },
    { endedAt: 12 },
  ];
  for (const m of mutations) {
    const bad = { ...run, ...m };
    assert.ok(!isReadDataRun(bad), `passed with ${JSON.stringify(m)}`);
    assert.ok(!isPersistedState(saved(bad)), `saved state passed with ${JSON.stringify(m)}`);
  }
  assert.ok(!isReadDataRun(null) && !isReadDataRun('readData') && !isReadDataRun({ ...run, kind: 'readdata' }));
});
