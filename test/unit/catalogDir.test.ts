// A backups directory's names, grouped by archive: only exact names of ours belong to an
// archive; a name like ours with anything more, or a directory with our name, is foreign and
// never offered for removal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupDir, roleOf } from '../../src/core/catalog/dirFiles';
import { partialFilesOf } from '../../src/core/backup/jobScript';
import { PruneGuardError, removablePath, startedSincePlan } from '../../src/core/catalog/prune';
import type { DirEntry } from '../../src/core/node/nodeConnection';

const file = (name: string, size = 10, mtimeMs = 0): DirEntry => ({ name, size, mtimeMs, isFile: true });
const A = 'datarobot-gluster-backup-2026-10-03.tar';
const B = 'datarobot-gluster-backup-2026-10-03-2.tar.gz';

test('an archive gathers its own sidecars, its job files and its restores', () => {
  const r = 'datarobot-gluster-backup-2026-10-03.tar.restore-20261004T101500Z';
  const g = groupDir([
    file(A, 1000, 5),
    file(`${A}.sha256`),
    file(`${A}.validation.json`),
    file(`${A}.validation.json.tmp-123-0a1b2c3d`),
    file(`${A}.read-data.json`),
    file(`${A}.read-data.lock`),
    file(`${A}.read-data.lock.tmp-77-0a1b2c3e`),
    file('datarobot-gluster-backup-2026-10-03.job.json'),
    file('datarobot-gluster-backup-2026-10-03.log'),
    file('datarobot-gluster-backup-2026-10-03.status'),
    file(`${r}.job.json`),
    file(`${r}.log`),
    file(`${r}.json`),
    file(`${r}.members`),
    file(`${r}.dirs`),
    file(`${r}.redo`),
    file('notes.txt'),
    file('other.tar'),
  ]);
  assert.equal(g.archives.length, 1);
  const a = g.archives[0];
  assert.deepEqual([a.name, a.size, a.mtimeMs], [A, 1000, 5]);
  // The lock of a --read-data-subset run is its own, never an unknown name (and its temporary file too).
  assert.deepEqual(a.own, { checksum: `${A}.sha256`, validation: `${A}.validation.json`, readData: `${A}.read-data.json`, readDataLock: `${A}.read-data.lock` });
  assert.deepEqual(a.job, { job: 'datarobot-gluster-backup-2026-10-03.job.json', log: 'datarobot-gluster-backup-2026-10-03.log', status: 'datarobot-gluster-backup-2026-10-03.status' });
  // A resumed restore's lists (directories to set, unfinished entries to write again) are its files too: prune takes them with it.
  assert.deepEqual([...a.restores], [[r, [`${r}.dirs`, `${r}.job.json`, `${r}.json`, `${r}.log`, `${r}.members`, `${r}.redo`]]]);
  assert.deepEqual(a.temps, [`${A}.read-data.lock.tmp-77-0a1b2c3e`, `${A}.validation.json.tmp-123-0a1b2c3d`]);
  assert.equal(a.stemShared, false);
  assert.deepEqual(g.foreign, ['notes.txt', 'other.tar']);
});

test('x.tar beside x.tar.gz: each keeps its own sidecars; the shared stem is flagged', () => {
  const gz = 'datarobot-gluster-backup-2026-10-03.tar.gz';
  const g = groupDir([file(A), file(gz), file(`${gz}.sha256`), file(`${gz}.members`), file('datarobot-gluster-backup-2026-10-03.job.json')]);
  const [t, z] = g.archives;
  assert.deepEqual([t.name, z.name], [A, gz]);
  assert.deepEqual(t.own, {});
  // The member list a compressed backup writes is its archive's, and goes with it.
  assert.deepEqual(z.own, { checksum: `${gz}.sha256`, members: `${gz}.members` });
  assert.ok(t.stemShared && z.stemShared);
});

test("a job's member list left beside its partial (the job died) is the archive's, named for prune; with no archive it is foreign", () => {
  const gz = 'datarobot-gluster-backup-2026-10-03.tar.gz';
  const g = groupDir([file(gz), file(`${gz}.partial`), file(`${gz}.partial.members`), file('datarobot-gluster-backup-2026-10-04.tar.gz.partial.members')]);
  assert.deepEqual(g.archives.map((a) => [a.name, a.own]), [[gz, { partial: `${gz}.partial`, partialMembers: `${gz}.partial.members` }]]);
  assert.deepEqual(g.foreign, ['datarobot-gluster-backup-2026-10-04.tar.gz.partial.members']);
});

test('near misses and non-files are foreign: never an archive, never a sidecar', () => {
  const near = [
    'datarobot-gluster-backup-2026-10-03.tar.bak',
    'datarobot-gluster-backup-2026-10-03.tar.zst',
    'datarobot-gluster-backup-26-10-03.tar',
    'datarobot-gluster-backup-2026-10-03-0.tar',
    'datarobot-gluster-backup-2026-10-03.tar.sha256.old',
    `${A}.partial.tmp-1-0a1b2c3d`,
    `${A}.restore-2026.job.json`,
    // Sidecars of an archive that is not there: left for the operator (a backup may be running).
    'datarobot-gluster-backup-2026-10-04.job.json',
    'datarobot-gluster-backup-2026-10-04.tar.partial',
  ];
  const g = groupDir([file(A), ...near.map((n) => file(n)), { name: B, size: 1, mtimeMs: 0, isFile: false }]);
  assert.deepEqual(
    g.archives.map((a) => a.name),
    [A],
  );
  assert.deepEqual(g.foreign, [...near, B].sort());
});

test('roleOf names what each of our names is', () => {
  assert.deepEqual(roleOf(B), { role: { role: 'archive', archive: B }, temp: false });
  assert.deepEqual(roleOf(`${B}.partial`), { role: { role: 'partial', archive: B }, temp: false });
  assert.deepEqual(roleOf(`${B}.members`), { role: { role: 'members', archive: B }, temp: false });
  // The list a compressed backup's job writes beside its partial is the archive's too (the shortest prefix is the archive).
  assert.deepEqual(roleOf(`${B}.partial.members`), { role: { role: 'partialMembers', archive: B }, temp: false });
  assert.equal(roleOf(`${B}.partial.members.tmp-1-0a1b2c3d`), undefined, 'tar writes it in place, never through a temporary name');
  assert.deepEqual(roleOf('datarobot-gluster-backup-2026-10-03-2.cancel'), { role: { role: 'cancel', stem: 'datarobot-gluster-backup-2026-10-03-2' }, temp: false });
  assert.equal(roleOf('../' + A), undefined);
  assert.equal(roleOf(`${A}.tmp-1-0a1b2c3d`), undefined);
});

test("the partial's files (partialFilesOf, the one list) are each the archive's own, and none has a temporary name", () => {
  const files = partialFilesOf(B);
  assert.deepEqual(files, [`${B}.partial`, `${B}.partial.members`]);
  for (const f of files) {
    const r = roleOf(f);
    assert.ok(r && !r.temp && r.role.role !== 'archive' && 'archive' in r.role && r.role.archive === B, f);
    assert.equal(roleOf(`${f}.tmp-1-0a1b2c3d`), undefined, f);
  }
});

test('removablePath joins only our names to an absolute directory', () => {
  assert.equal(removablePath('/opt/b/', A), `/opt/b/${A}`);
  for (const [dir, name] of [
    ['/opt/b', 'notes.txt'],
    ['/opt/b', `../${A}`],
    ['/opt/b', `x/${A}`],
    ['opt/b', A],
    ['/opt/../etc', A],
  ]) {
    assert.throws(() => removablePath(dir, name), PruneGuardError, `${dir} ${name}`);
  }
});

test('a restore whose files appear after the plan was made is one started since: its archive is not removed', () => {
  const r = `${A}.restore-20261004T101500Z`;
  const planned = [A, `${A}.sha256`];
  const now = groupDir([file(A), file(`${A}.sha256`), file(`${r}.job.json`), file(`${r}.status`)]).archives[0];
  assert.deepEqual(startedSincePlan(planned, now), [`${r}.job.json`, `${r}.status`]);
  assert.deepEqual(startedSincePlan([...planned, `${r}.job.json`, `${r}.status`], now), []);
  // Gone since the plan (another prune): nothing started on it.
  assert.deepEqual(startedSincePlan(planned, undefined), []);
});
