// The node-side restore script run here with the machine's own sh and GNU tar, on real files:
// what it extracts, what each policy does with entries already there, the status and log files
// it leaves for the client, and that it never touches the archive. Inputs and mtimes pinned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { restoreArgv, parseStatus, restoreTarHead } from '../../src/core/backup/jobScript';
import { parseJobFile, restoreId, restorePaths, serializeJobFile, type JobRecord } from '../../src/core/backup/jobFile';

const MTIME = 1700000000;

function fixture(): { dir: string; archive: string; backups: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-restore-'));
  const src = path.join(dir, 'src');
  fs.mkdirSync(path.join(src, 'a/b'), { recursive: true });
  fs.writeFileSync(path.join(src, 'a/b/f'), 'archived');
  fs.writeFileSync(path.join(src, 'top'), 'top');
  fs.symlinkSync('top', path.join(src, 'link'));
  for (const p of ['a/b/f', 'top', 'a/b', 'a']) fs.utimesSync(path.join(src, p), MTIME, MTIME);
  const backups = path.join(dir, 'backups');
  fs.mkdirSync(backups);
  const archive = path.join(backups, 'datarobot-gluster-backup-2026-03-12.tar');
  assert.equal(spawnSync('tar', ['--create', `--file=${archive}`, `--directory=${src}`, '--numeric-owner', '.']).status, 0);
  return { dir, archive, backups };
}

function run(archive: string, backups: string, target: string, policy: 'refuse' | 'skip' | 'overwrite', members: string[] = []) {
  const id = restoreId(path.basename(archive), new Date(Date.UTC(2026, 11, 3, 23, 59, 58)));
  const p = restorePaths(backups, id);
  const [cmd, ...args] = restoreArgv(p, target, policy, members);
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  // The script's own exit is not the outcome: the status file is (as the client reads it).
  assert.ok(r.status === 0 || r.status === 2, r.stderr);
  const status = parseStatus(fs.readFileSync(p.status, 'utf8'));
  assert.equal(status.phase, 'exit');
  return { code: status.phase === 'exit' ? status.code : -1, log: fs.readFileSync(p.log, 'utf8'), p, id };
}

test('a restore into a new directory: made, everything extracted with its mtime and link, exit 0, empty log', () => {
  const { dir, archive, backups } = fixture();
  try {
    const before = fs.readFileSync(archive);
    const target = path.join(dir, 'vol/restored');
    const r = run(archive, backups, target, 'refuse');
    assert.equal(r.code, 0, r.log);
    assert.equal(r.log, '');
    assert.equal(fs.readFileSync(path.join(target, 'a/b/f'), 'utf8'), 'archived');
    assert.equal(fs.statSync(path.join(target, 'a/b/f')).mtimeMs, MTIME * 1000);
    assert.equal(fs.readlinkSync(path.join(target, 'link')), 'top');
    assert.deepEqual(fs.readFileSync(archive), before, 'the archive is only read');
    assert.deepEqual(fs.readdirSync(backups).sort(), [path.basename(archive), `${r.id}.log`, `${r.id}.status`].sort());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('entries already there: refuse fails on them and keeps them, skip keeps them, overwrite replaces them', () => {
  const { dir, archive, backups } = fixture();
  try {
    const target = path.join(dir, 'vol');
    fs.mkdirSync(path.join(target, 'a/b'), { recursive: true });
    const f = path.join(target, 'a/b/f');
    fs.writeFileSync(f, 'live');
    const refuse = run(archive, backups, target, 'refuse');
    assert.equal(refuse.code, 2);
    assert.match(refuse.log, /a\/b\/f: Cannot open: File exists/);
    assert.equal(fs.readFileSync(f, 'utf8'), 'live');
    const skip = run(archive, backups, target, 'skip');
    assert.equal(skip.code, 0, skip.log);
    assert.equal(fs.readFileSync(f, 'utf8'), 'live');
    assert.equal(fs.readFileSync(path.join(target, 'top'), 'utf8'), 'top', 'what was missing is written');
    const over = run(archive, backups, target, 'overwrite');
    assert.equal(over.code, 0, over.log);
    assert.equal(fs.readFileSync(f, 'utf8'), 'archived');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('members: only those paths, each with what is under it', () => {
  const { dir, archive, backups } = fixture();
  try {
    const target = path.join(dir, 'vol');
    const r = run(archive, backups, target, 'refuse', ['./a']);
    assert.equal(r.code, 0, r.log);
    assert.deepEqual(fs.readdirSync(target), ['a']);
    assert.equal(fs.readFileSync(path.join(target, 'a/b/f'), 'utf8'), 'archived');
    const missing = run(archive, backups, path.join(dir, 'vol2'), 'refuse', ['./nothing']);
    assert.equal(missing.code, 2);
    assert.match(missing.log, /\.\/nothing: Not found in archive/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a target that cannot be made ends the job with exit 2 and the reason in the log', () => {
  const { dir, archive, backups } = fixture();
  try {
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    const r = run(archive, backups, path.join(dir, 'file/sub'), 'refuse');
    assert.equal(r.code, 2);
    assert.match(r.log, /mkdir.*(Not a directory|File exists)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a restore's job file: named for the archive and its start, paths fixed by its location, guarded", () => {
  const id = restoreId('datarobot-gluster-backup-2026-03-12.tar.gz', new Date(Date.UTC(2026, 11, 3, 9, 5, 7, 123)));
  assert.equal(id, 'datarobot-gluster-backup-2026-03-12.tar.gz.restore-20261203T090507Z');
  const p = restorePaths('/b', id);
  assert.deepEqual(p, {
    archive: '/b/datarobot-gluster-backup-2026-03-12.tar.gz',
    log: `/b/${id}.log`,
    status: `/b/${id}.status`,
    cancel: `/b/${id}.cancel`,
    job: `/b/${id}.job.json`,
    report: `/b/${id}.json`,
  });
  const rec: JobRecord = {
    version: 1,
    kind: 'restore',
    id,
    node: 'node1',
    state: 'running',
    archive: p.archive,
    log: p.log,
    compression: 'gzip',
    source: p.archive,
    container: 'gluster',
    startedAt: '2026-12-03T09:05:07.123Z',
    overrides: [],
    restore: { target: '/mnt/gluster/restored', members: ['./a'], policy: 'skip', bytesToWrite: 10, archiveBytes: 2048 },
  };
  assert.deepEqual(parseJobFile(serializeJobFile(rec), p.job, 'node1'), rec);
  const bad = (over: Record<string, unknown>, why: RegExp) => assert.throws(() => parseJobFile(JSON.stringify({ ...rec, ...over }), p.job, 'node1'), why);
  bad({ partial: '/root/x' }, /a restore has no "partial"/);
  bad({ archive: '/etc/passwd' }, /"archive" is not \/b\/datarobot-gluster-backup-2026-03-12\.tar\.gz/);
  bad({ compression: 'none' }, /"compression" is not that of/);
  bad({ restore: undefined }, /a restore without its "restore" fields/);
  bad({ restore: { ...rec.restore, target: 'relative' } }, /"restore.target" is not an absolute path/);
  bad({ restore: { ...rec.restore, policy: 'yolo' } }, /"restore.policy"/);
  bad({ restore: { ...rec.restore, report: '/etc/x.json' } }, /"restore.report" is not the report beside this job file/);
  bad({ kind: 'backup' }, /"archive" is not|a backup with "restore" fields/);
  assert.deepEqual(restoreTarHead('/b/a.tar'), ['--extract', '--file=/b/a.tar']);
});
