// The restore starts only the plan the operator confirmed: the plan made again right before tar
// is compared with it, and each difference named. Plans come from the real planner over
// archives and targets written out as data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryTable, type EntryInput, type EntryType } from '../../src/core/archive/entryTable';
import type { TarIndexResult } from '../../src/core/archive/tarIndex';
import { RestorePlanner, type PlanOptions } from '../../src/core/restore/plan';
import type { RestorePlanResult } from '../../src/core/restore/restorePlan';
import { confirmedPlan, planChanges } from '../../src/core/restore/confirmedPlan';
import { RestoreError, RestorePlanChanged } from '../../src/core/restore/restoreError';

const T = 1700000000;
const f = (key: string, size = 10): EntryInput => ({ key, type: 'file', size, mtime: T });
const d = (key: string): EntryInput => ({ key, type: 'dir', size: 0, mtime: T });
const ARCHIVE = [d('app'), f('app/a.txt', 1000), f('app/b.txt', 2000), f('top', 5)];

function result(target: [string, EntryType][], opts: PlanOptions = {}, o: { bytes?: number; mtimeMs?: number; targetDir?: string } = {}): RestorePlanResult {
  const index: TarIndexResult = { entries: EntryTable.from(ARCHIVE), bytesRead: 4096, reads: 1, archiveSize: 1 << 20, tarBytes: 1 << 20, compressed: false, rootEntries: 1 };
  const p = new RestorePlanner(index, opts);
  for (const [key, type] of target) p.entry(key, type, 1, T);
  const r: RestorePlanResult = {
    node: 'node1',
    archive: '/backups/datarobot-gluster-backup-2024-05-03.tar',
    archiveBytes: o.bytes ?? 1 << 20,
    method: 'sftp-headers',
    root: '/mnt/gluster',
    targetDir: o.targetDir ?? '/mnt/gluster/back',
    targetExists: target.length > 0,
    volume: 'gv0',
    freeBytes: 10 * 1024 ** 3,
    plan: p.finish(),
    timings: { indexMs: 1, listMs: 1, totalMs: 2 },
  };
  if (o.mtimeMs !== undefined) Object.defineProperty(r, 'indexed', { value: { index, size: r.archiveBytes, mtimeMs: o.mtimeMs }, enumerable: false });
  return r;
}

test('the same plan made again: no change, the restore may start', () => {
  const a = result([['app', 'dir']], { policy: 'overwrite' }, { mtimeMs: 1000 });
  assert.deepEqual(planChanges(confirmedPlan(a), result([['app', 'dir']], { policy: 'overwrite' }, { mtimeMs: 1000 })), []);
});

test('a file that appeared in the target while the confirmation waited, under overwrite: refused, the entry it would replace counted', () => {
  const confirmed = confirmedPlan(result([], { policy: 'overwrite' }));
  const { overwriteSet, ...facts } = confirmed;
  assert.deepEqual(facts, { archiveBytes: 1 << 20, targetDir: '/mnt/gluster/back', policy: 'overwrite', overwrites: 0 });
  assert.equal(overwriteSet?.length, 0);
  assert.deepEqual(planChanges(confirmed, result([['app', 'dir'], ['app/a.txt', 'file']], { policy: 'overwrite' })), ['overwrites 1 existing entry the confirmation did not list (1 in all, was 0)']);
});

test('shifts that replace nothing more than was agreed to start: a file appearing under skip, one going under overwrite', () => {
  // skip: the new file is kept, one write fewer.
  assert.deepEqual(planChanges(confirmedPlan(result([], { policy: 'skip' })), result([['app/a.txt', 'file']], { policy: 'skip' })), []);
  // overwrite: a file confirmed to be replaced is gone; it is written instead.
  assert.deepEqual(planChanges(confirmedPlan(result([['app/a.txt', 'file'], ['top', 'file']], { policy: 'overwrite' })), result([['top', 'file']], { policy: 'overwrite' })), []);
});

test('one file gone and another come, the same count: the one not confirmed is named, not hidden by the count', () => {
  const confirmed = confirmedPlan(result([['app/a.txt', 'file']], { policy: 'overwrite' }));
  assert.deepEqual(planChanges(confirmed, result([['app/b.txt', 'file']], { policy: 'overwrite' })), ['overwrites 1 existing entry the confirmation did not list (1 in all, was 1)']);
  assert.deepEqual(planChanges(confirmed, result([['app/a.txt', 'file']], { policy: 'overwrite' })), [], 'the same file: the same plan');
});

test('the archive replaced (size, or only its mtime when both plans read it), another target, another policy, a resume: each named', () => {
  const confirmed = confirmedPlan(result([], {}, { mtimeMs: Date.UTC(2024, 4, 3) }));
  assert.deepEqual(planChanges(confirmed, result([], {}, { bytes: 2 << 20, mtimeMs: Date.UTC(2024, 4, 4) })), [`the archive is now ${2 << 20} bytes (was ${1 << 20})`]);
  assert.deepEqual(planChanges(confirmed, result([], {}, { mtimeMs: Date.UTC(2024, 4, 4) })), ['the archive was modified (at 2024-05-04T00:00:00.000Z, was 2024-05-03T00:00:00.000Z)']);
  // A plan that did not read the archive itself has no mtime to compare: only the size counts.
  assert.deepEqual(planChanges(confirmed, result([])), []);
  assert.deepEqual(planChanges(confirmed, result([], {}, { targetDir: '/mnt/gluster/other' })), ['the target is now /mnt/gluster/other (was /mnt/gluster/back)']);
  assert.deepEqual(planChanges({ ...confirmed, policy: 'skip' }, result([])), ['existing entries: now refuse (was skip)']);
  const resumed = { ...confirmed, resumeFrom: 'a.tar.restore-20240503T000000Z' };
  assert.deepEqual(planChanges(resumed, result([])), ['no longer resumes a.tar.restore-20240503T000000Z']);
});

test('a changed plan is a RestoreError (nothing was written) with no refusal to override, its changes in the message', () => {
  const e = new RestorePlanChanged(['the target is now /mnt/gluster/other (was /mnt/gluster/back)', 'overwrites 1 existing entry the confirmation did not list (1 in all, was 0)']);
  assert.ok(e instanceof RestoreError);
  assert.deepEqual(e.refusals, []);
  assert.equal(e.message, 'refused, nothing was written: the plan changed since it was confirmed: the target is now /mnt/gluster/other (was /mnt/gluster/back); overwrites 1 existing entry the confirmation did not list (1 in all, was 0)');
});
