// The words of "Restore…" in VS Code: the include box, the plan rows, the modal confirmation and
// the verdict. Plans come from the real planner over archives written out as data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryTable, type EntryInput, type EntryType } from '../../src/core/archive/entryTable';
import type { TarIndexResult } from '../../src/core/archive/tarIndex';
import type { JobRecord } from '../../src/core/backup/types';
import { RestorePlanner, type PlanOptions } from '../../src/core/restore/plan';
import type { RestorePlanResult } from '../../src/core/restore/restorePlan';
import type { RestoreVerification } from '../../src/core/restore/restoreJob';
import { confirmText, includeProblem, parseIncludes, planRows, planTitle, verdictMessage } from '../../src/extension/restore/restoreText';

const T = 1700000000;
const f = (key: string, size = 10): EntryInput => ({ key, type: 'file', size, mtime: T });
const d = (key: string): EntryInput => ({ key, type: 'dir', size: 0, mtime: T });
const ARCHIVE = [d('app'), f('app/a.txt', 1000), f('app/b.txt', 2000), f('app/c.txt', 3000), d('app/sub'), f('app/sub/d.txt', 4000), f('top', 5)];

function result(target: [string, EntryType][], opts: PlanOptions = {}): RestorePlanResult {
  const index: TarIndexResult = { entries: EntryTable.from(ARCHIVE), bytesRead: 4096, reads: 1, archiveSize: 1 << 20, tarBytes: 1 << 20, compressed: false, rootEntries: 1 };
  const p = new RestorePlanner(index, opts);
  for (const [key, type] of target) p.entry(key, type, 1, T);
  return {
    node: 'node1',
    archive: '/backups/datarobot-gluster-backup-2024-05-03.tar',
    archiveBytes: 1 << 20,
    method: 'sftp-headers',
    root: '/mnt/gluster',
    targetDir: '/mnt/gluster/back',
    targetExists: target.length > 0,
    volume: 'gv0',
    freeBytes: 10 * 1024 ** 3,
    plan: p.finish(),
    timings: { indexMs: 1, listMs: 1, totalMs: 2 },
  };
}

test('include paths: commas or new lines, blanks dropped, each once; bad ones named without the CLI flag', () => {
  assert.deepEqual(parseIncludes(''), []);
  assert.deepEqual(parseIncludes('  \n , '), []);
  assert.deepEqual(parseIncludes('mongo, uploads/2024\nmongo\n  logs  '), ['mongo', 'uploads/2024', 'logs']);
  assert.equal(includeProblem(''), undefined);
  assert.equal(includeProblem('mongo, /uploads/2024/'), undefined, 'a leading or trailing slash names the same path');
  assert.equal(includeProblem('mongo, ../etc'), '"../etc": give a path relative to the filesystem root, without "." or ".." segments or doubled slashes');
  assert.equal(includeProblem('a//b'), '"a//b": give a path relative to the filesystem root, without "." or ".." segments or doubled slashes');
  assert.match(includeProblem('.') ?? '', /names the whole filesystem/);
});

test('an empty target: everything written, the plan rows say so, the modal overwrites nothing', () => {
  const r = result([]);
  assert.equal(planTitle(r, r.plan.refusals), 'Restore datarobot-gluster-backup-2024-05-03.tar into /mnt/gluster/back on node1: can go ahead');
  const labels = planRows(r).map((x) => `${x.label}${x.description ? ` | ${x.description}` : ''}`);
  assert.deepEqual(labels, ['$(new-file) write 7 entries | 9.8 KiB', '$(info) 9.8 KiB to write, 10 GiB free on gv0']);
  const c = confirmText({ ...r, targetExists: false }, []);
  assert.equal(c.message, 'Restore datarobot-gluster-backup-2024-05-03.tar into /mnt/gluster/back on node1?');
  assert.equal(
    c.detail,
    [
      'Node node1: tar extracts in its gluster container into /mnt/gluster/back (created), on volume gv0 (10 GiB free).',
      'From /backups/datarobot-gluster-backup-2024-05-03.tar.',
      'Writes 7 new entries (9.8 KiB).',
      'Overwrites nothing.',
      'A cancel stops tar and leaves what it has written.',
    ].join('\n'),
  );
});

test('files in the way under refuse: listed as rows and refused', () => {
  const r = result([
    ['app', 'dir'],
    ['app/a.txt', 'file'],
    ['app/sub', 'file'],
  ]);
  assert.equal(r.plan.refusals.length, 2);
  assert.match(planTitle(r, r.plan.refusals), /: refused \(2 reasons\), nothing was written$/);
  const labels = planRows(r).map((x) => `${x.label}${x.description ? ` | ${x.description}` : ''}`);
  assert.deepEqual(labels, [
    '$(new-file) write 4 entries | 8.8 KiB',
    '$(folder) merge 1 directory | that exist',
    '$(circle-slash) in the way: app/a.txt | file in the target, file in the archive',
    '$(circle-slash) in the way: app/sub | file in the target, dir in the archive: type clash',
    '$(info) 8.8 KiB to write, 10 GiB free on gv0',
  ]);
});

test('overwrite: the modal counts what is replaced and names the first of them', () => {
  const target: [string, EntryType][] = [['app', 'dir'], ['app/a.txt', 'file'], ['app/b.txt', 'file'], ['app/c.txt', 'file'], ['extra', 'file']];
  const r = result(target, { policy: 'overwrite', include: ['app'] });
  assert.deepEqual(r.plan.refusals, []);
  const c = confirmText(r, ['app/a.txt', 'app/b.txt']);
  const lines = c.detail.split('\n');
  assert.equal(lines[1], 'From /backups/datarobot-gluster-backup-2024-05-03.tar, only app.');
  assert.equal(lines[2], 'Writes 2 new entries (3.9 KiB), merges into 1 existing directory.');
  assert.equal(lines[3], 'OVERWRITES 3 existing entries (5.9 KiB): app/a.txt, app/b.txt and 1 more.');
  const labels = planRows(r).map((x) => x.label);
  assert.ok(labels.includes('$(replace-all) overwrite 3 entries'), labels.join('\n'));
  const skip = result(target, { policy: 'skip' });
  assert.equal(confirmText(skip, []).detail.split('\n')[2], 'Writes 3 new entries (3.9 KiB), merges into 1 existing directory, keeps 3 existing entries.');
});

test('the title counts what still refuses; overridden checks let it go ahead and say so', () => {
  const r = result([]);
  const bricks = { check: 'bricks' as const, message: '1 of 3 bricks of gvrep are offline' };
  const jobs = { check: 'jobs' as const, message: 'backup x is running on node2' };
  assert.match(planTitle(r, [bricks, jobs]), /: refused \(2 reasons\), nothing was written$/);
  assert.match(planTitle(r, [bricks, jobs], [{ check: 'bricks', reason: 'replica' }]), /: refused \(1 reason\), nothing was written$/);
  assert.match(planTitle(r, [bricks], [{ check: 'bricks', reason: 'replica' }]), /: can go ahead with 1 check overridden$/);
  // An override of a check no reason lifts changes nothing.
  assert.match(planTitle(r, [jobs], [{ check: 'jobs', reason: 'x' }]), /: refused \(1 reason\)/);
});

test('the verdict: verified, differences, a failed verification, one recorded by another client', () => {
  const job = { id: 'r', node: 'node1', restore: { target: '/mnt/gluster/back', members: [], policy: 'refuse', bytesToWrite: 1, archiveBytes: 2 } } as unknown as JobRecord;
  const section = (count: number) => ({ count, items: [], bytes: 0, omitted: 0 });
  const v = (over: object): RestoreVerification => ({ verdict: 'verified', differences: 0, members: 7, missing: section(0), changed: section(0), ...over }) as unknown as RestoreVerification;
  assert.deepEqual(verdictMessage(job, { verification: v({}) }), { severity: 'info', text: 'Restore into /mnt/gluster/back on node1: verified, all 7 archive members are there as archived.' });
  assert.deepEqual(verdictMessage(job, { verification: v({ verdict: 'differs', differences: 3, missing: section(1), changed: section(2) }) }), {
    severity: 'warning',
    text: 'Restore into /mnt/gluster/back on node1: 3 differences from the archive (1 missing, 2 different) among 7 members.',
  });
  assert.deepEqual(verdictMessage(job, { error: 'find could not list /mnt/gluster/back' }), {
    severity: 'error',
    text: 'Restore into /mnt/gluster/back on node1: tar finished, but the verification failed: find could not list /mnt/gluster/back',
  });
  assert.equal(verdictMessage(job, { recorded: 0 }).severity, 'info');
  assert.match(verdictMessage(job, { recorded: 2 }).text, /2 differences from the archive/);
});
