// The state a progress page saves for a reload is read back through a guard: the page and the
// serializer trust only what passes it, restores included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobRecord } from '../../src/core/backup/types';
import { isPersistedState, jobKindOf } from '../../src/webview/protocol';

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
