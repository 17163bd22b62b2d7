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
import { FsListParser, fileReader, fsListArgv, indexArchive, TarListingParser, tarListArgv } from '../../src/core/archive';
import { storedNames } from '../../src/core/archive/paths';
import { RestorePlanner } from '../../src/core/restore/plan';
import { lastStartedMember } from '../../src/core/restore/resumePoint';

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

/** `redo`: the resume's list of paths to remove first; `fileBlocks`: a ulimit -f for the job, a volume that fills up. */
function run(archive: string, backups: string, target: string, policy: 'refuse' | 'skip' | 'overwrite', members: string[] = [], rewrite?: string, dirs?: Buffer, o: { redo?: Buffer; fileBlocks?: number } = {}) {
  const id = restoreId(path.basename(archive), new Date(Date.UTC(2026, 11, 3, 23, 59, 58)));
  const p = restorePaths(backups, id);
  if (dirs) fs.writeFileSync(p.dirs, dirs);
  if (o.redo) fs.writeFileSync(p.redo, o.redo);
  const resume = rewrite || dirs || o.redo ? { ...(rewrite ? { rewrite } : {}), dirs: dirs !== undefined, ...(o.redo ? { redo: true } : {}) } : undefined;
  const [cmd, ...args] = restoreArgv(p, target, policy, members, resume);
  // A write past the limit fails with EFBIG, as one to a full volume fails with ENOSPC (SIGXFSZ ignored, as tar then sees the error).
  const limited = o.fileBlocks !== undefined ? ['sh', '-c', `trap '' XFSZ; ulimit -f ${o.fileBlocks}; exec "$@"`, 'limited', cmd, ...args] : [cmd, ...args];
  const r = spawnSync(limited[0], limited.slice(1), { encoding: 'utf8' });
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
    assert.deepEqual(fs.readdirSync(backups).sort(), [path.basename(archive), `${r.id}.log`, `${r.id}.members`, `${r.id}.status`].sort());
    // tar's list of the members it started on, in archive order: where an interruption would have struck.
    assert.deepEqual(fs.readFileSync(r.p.members, 'utf8').split('\n').filter(Boolean), spawnSync('tar', ['-tf', archive], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean));
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
    // --verbose (for the members file) must not turn every skipped file into a log line.
    assert.equal(skip.log, '');
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
    members: `/b/${id}.members`,
    dirs: `/b/${id}.dirs`,
    redo: `/b/${id}.redo`,
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
  // A resume names the file it rewrites: a path under the target, never out of it.
  const resumed = { ...rec, restore: { ...rec.restore!, resume: { from: 'datarobot-gluster-backup-2026-03-12.tar.gz.restore-20261203T080000Z', rewrite: 'a/b/f', dirs: 2 } } };
  assert.deepEqual(parseJobFile(serializeJobFile(resumed), p.job, 'node1'), resumed);
  for (const rewrite of ['../etc/passwd', '/etc/passwd', 'a/../../x', 'a//b', '', 'a/./b'])
    bad({ restore: { ...resumed.restore, resume: { ...resumed.restore.resume, rewrite } } }, /"restore.resume.rewrite" is not a path under the target/);
  bad({ restore: { ...resumed.restore, resume: { from: 'x', rewrite: 'a', dirs: 0 } } }, /"restore.resume.from" is not a restore id/);
  bad({ restore: { ...resumed.restore, resume: { ...resumed.restore.resume, dirs: -1 } } }, /"restore.resume.dirs" is not a count/);
  const redone = { ...rec, restore: { ...rec.restore!, resume: { ...resumed.restore.resume, redo: 3 } } };
  assert.deepEqual(parseJobFile(serializeJobFile(redone), p.job, 'node1'), redone);
  for (const redo of [0, -1, 1.5, '3']) bad({ restore: { ...redone.restore, resume: { ...redone.restore.resume, redo } } }, /"restore.resume.redo" is not a count/);
  assert.deepEqual(restoreTarHead('/b/a.tar'), ['--extract', '--file=/b/a.tar']);
});

test('resume: the file an interrupted restore was writing is removed and written whole; skip keeps the rest', () => {
  const { dir, archive, backups } = fixture();
  try {
    const target = path.join(dir, 'vol');
    fs.mkdirSync(path.join(target, 'a/b'), { recursive: true });
    // What an interrupted tar leaves: the member it was on cut short, with its own mode and time,
    // and the directories it made still at its temporary 0700 (their modes come at the end).
    fs.writeFileSync(path.join(target, 'a/b/f'), 'arch', { mode: 0o600 });
    fs.writeFileSync(path.join(target, 'top'), 'LIVE');
    fs.chmodSync(path.join(target, 'a/b'), 0o700);
    fs.chmodSync(path.join(target, 'a'), 0o700);
    const r = run(archive, backups, target, 'skip', [], 'a/b/f', Buffer.from('./a\0./a/b\0'));
    assert.equal(r.code, 0, r.log);
    for (const d of ['a', 'a/b']) {
      assert.equal(fs.statSync(path.join(target, d)).mode & 0o7777, fs.statSync(path.join(dir, 'src', d)).mode & 0o7777, `${d}: mode as archived`);
      assert.equal(fs.statSync(path.join(target, d)).mtimeMs, MTIME * 1000, `${d}: mtime as archived`);
    }
    assert.equal(fs.readFileSync(path.join(target, 'a/b/f'), 'utf8'), 'archived');
    assert.equal(fs.statSync(path.join(target, 'a/b/f')).mtimeMs, MTIME * 1000);
    assert.equal(fs.readFileSync(path.join(target, 'top'), 'utf8'), 'LIVE', 'skip keeps the rest');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('resume: the entries of the redo list (a symlink\'s placeholder, a file cut short with the archived mtime) are removed and written whole; skip keeps the rest', () => {
  const { dir, archive, backups } = fixture();
  try {
    const target = path.join(dir, 'vol');
    fs.mkdirSync(path.join(target, 'a/b'), { recursive: true });
    // What tar leaves where a symlink goes until its end: an empty file of mode 0.
    fs.writeFileSync(path.join(target, 'link'), '', { mode: 0 });
    fs.chmodSync(path.join(target, 'link'), 0);
    fs.writeFileSync(path.join(target, 'top'), 'to');
    fs.utimesSync(path.join(target, 'top'), MTIME, MTIME);
    fs.writeFileSync(path.join(target, 'a/b/f'), 'LIVE');
    const r = run(archive, backups, target, 'skip', [], undefined, undefined, { redo: Buffer.from('link\0top\0') });
    assert.equal(r.code, 0, r.log);
    assert.equal(r.log, '');
    assert.equal(fs.readlinkSync(path.join(target, 'link')), 'top');
    assert.equal(fs.readFileSync(path.join(target, 'top'), 'utf8'), 'top');
    assert.equal(fs.statSync(path.join(target, 'top')).mtimeMs, MTIME * 1000);
    assert.equal(fs.readFileSync(path.join(target, 'a/b/f'), 'utf8'), 'LIVE', 'not in the list: skip keeps it');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A target whose `a` is a symlink to a directory outside it holding the operator's `b/f`. */
function targetWithWayOut(dir: string): { target: string; outside: string } {
  const target = path.join(dir, 'vol');
  const outside = path.join(dir, 'outside');
  fs.mkdirSync(path.join(outside, 'b'), { recursive: true });
  fs.writeFileSync(path.join(outside, 'b/f'), 'precious');
  fs.mkdirSync(target);
  fs.symlinkSync(outside, path.join(target, 'a'));
  return { target, outside };
}

test('resume: a redo path that leads out of the target through a symlink, or names a directory, removes nothing', () => {
  const { dir, archive, backups } = fixture();
  try {
    const { target, outside } = targetWithWayOut(dir);
    fs.mkdirSync(path.join(target, 'top'));
    const r = run(archive, backups, target, 'skip', [], undefined, undefined, { redo: Buffer.from('a/b/f\0top\0') });
    // Neither entry was a file to remove, so nothing failed: skip kept both, tar said nothing.
    assert.deepEqual([r.code, r.log], [0, '']);
    assert.equal(fs.readFileSync(path.join(outside, 'b/f'), 'utf8'), 'precious');
    assert.ok(fs.statSync(path.join(target, 'top')).isDirectory());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a restore cut by a full volume (tar exit 2) leaves files short with the archived mtime: the resume\'s plan, from find\'s listing, names them and the resume writes them whole', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-resume-full-'));
  try {
    const src = path.join(dir, 'src');
    fs.mkdirSync(path.join(src, 'd'), { recursive: true });
    const data = (n: number) => Buffer.alloc(10000, n);
    for (const n of [1, 2]) fs.writeFileSync(path.join(src, `d/f${n}`), data(n));
    for (const p of ['d/f1', 'd/f2', 'd']) fs.utimesSync(path.join(src, p), MTIME, MTIME);
    const backups = path.join(dir, 'backups');
    fs.mkdirSync(backups);
    const archive = path.join(backups, 'datarobot-gluster-backup-2026-03-12.tar');
    assert.equal(spawnSync('tar', ['--create', `--file=${archive}`, `--directory=${src}`, '--numeric-owner', '.']).status, 0);
    const target = path.join(dir, 'vol');
    const start = Math.floor(Date.now() / 1000);
    // Four blocks (2 KiB in dash and busybox, 4 KiB in bash): each file fails part way.
    const cut = run(archive, backups, target, 'refuse', [], undefined, undefined, { fileBlocks: 4 });
    const until = Math.ceil(Date.now() / 1000);
    assert.equal(cut.code, 2, cut.log);
    assert.match(cut.log, /d\/f1: (Wrote only|Cannot write)/);
    for (const n of [1, 2]) {
      const st = fs.statSync(path.join(target, `d/f${n}`));
      assert.ok(st.size < 10000, `f${n}: ${st.size} bytes`);
      assert.equal(st.mtimeMs, MTIME * 1000, `f${n}: cut short, with the archived mtime all the same`);
    }
    const index = await indexArchive(fileReader(archive));
    const key = lastStartedMember(fs.readFileSync(cut.p.members));
    assert.equal(key, 'd/f2');
    const planner = new RestorePlanner(index, { policy: 'skip', resume: { from: cut.id, key: key!, since: Math.floor(fs.statSync(cut.p.members).mtimeMs / 1000), start, until } });
    const argv = fsListArgv(target, { ctime: true });
    const parser = new FsListParser(planner, { meta: true, ctime: true });
    parser.push(spawnSync(argv[0], argv.slice(1)).stdout);
    parser.end();
    const plan = planner.finish();
    assert.deepEqual(plan.resume, { from: cut.id, path: 'd/f2', rewrite: false, redo: 2 });
    assert.deepEqual(plan.overwrite, { count: 2, bytes: 20000 });
    assert.deepEqual(planner.resumeRedo(), ['d/f1', 'd/f2']);
    assert.deepEqual(planner.resumeDirs(), [], 'tar ended, setting d as archived');
    const again = run(archive, backups, target, 'skip', [], undefined, undefined, { redo: storedNames(planner.resumeRedo(), 0) });
    assert.equal(again.code, 0, again.log);
    for (const n of [1, 2]) {
      assert.deepEqual(fs.readFileSync(path.join(target, `d/f${n}`)), data(n), `f${n} whole`);
      assert.equal(fs.statSync(path.join(target, `d/f${n}`)).mtimeMs, MTIME * 1000);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('resume with an empty directory list: the directories pass does not run (tar given no names takes every member, overwriting)', () => {
  const { dir, archive, backups } = fixture();
  try {
    const target = path.join(dir, 'vol');
    fs.mkdirSync(path.join(target, 'a'), { recursive: true });
    fs.writeFileSync(path.join(target, 'top'), 'LIVE');
    fs.utimesSync(path.join(target, 'top'), MTIME - 86400, MTIME - 86400);
    fs.chmodSync(path.join(target, 'a'), 0o751);
    const r = run(archive, backups, target, 'skip', [], undefined, Buffer.alloc(0));
    assert.equal(r.code, 0, r.log);
    assert.equal(fs.readFileSync(path.join(target, 'top'), 'utf8'), 'LIVE', 'skip keeps it, and no second pass replaced it');
    assert.equal(fs.statSync(path.join(target, 'top')).mtimeMs, (MTIME - 86400) * 1000);
    assert.equal(fs.statSync(path.join(target, 'a')).mode & 0o7777, 0o751, 'an existing directory keeps its mode');
    assert.equal(fs.readFileSync(path.join(target, 'a/b/f'), 'utf8'), 'archived', 'what was missing is written');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('resume: a file whose name is not UTF-8, or ends in a newline, is removed and written whole (argv carries only UTF-8)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-resume-bytes-'));
  try {
    const names = [Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from('nl\n'), Buffer.from('pct%s \\ $x')];
    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    const at = (base: string, name: Buffer) => Buffer.concat([Buffer.from(`${base}/`), name]);
    for (const n of names) {
      fs.writeFileSync(at(src, n), 'archived');
      fs.utimesSync(at(src, n), MTIME, MTIME);
    }
    const backups = path.join(dir, 'backups');
    fs.mkdirSync(backups);
    const archive = path.join(backups, 'datarobot-gluster-backup-2026-03-12.tar');
    assert.equal(spawnSync('tar', ['--create', `--file=${archive}`, `--directory=${src}`, '--numeric-owner', '.']).status, 0);
    for (const n of names) {
      const target = path.join(dir, `vol-${n.toString('hex')}`);
      fs.mkdirSync(target);
      // Every file already there, the resumed one cut short: only that one is written again.
      for (const m of names) fs.writeFileSync(at(target, m), m.equals(n) ? 'arch' : 'LIVE');
      const r = run(archive, backups, target, 'skip', [], n.toString('latin1'));
      assert.equal(r.code, 0, r.log);
      for (const m of names) assert.equal(fs.readFileSync(at(target, m), 'utf8'), m.equals(n) ? 'archived' : 'LIVE', `resuming ${n.toString('hex')}: ${m.toString('hex')}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('resume: a rewrite path that leads out of the target through a symlink, or names a directory, removes nothing', () => {
  const { dir, archive, backups } = fixture();
  try {
    const { target, outside } = targetWithWayOut(dir);
    const out = run(archive, backups, target, 'skip', [], 'a/b/f');
    assert.deepEqual([out.code, out.log], [0, '']);
    assert.equal(fs.readFileSync(path.join(outside, 'b/f'), 'utf8'), 'precious');
    fs.rmSync(path.join(target, 'a'));
    fs.mkdirSync(path.join(target, 'a/b/f'), { recursive: true });
    const dir2 = run(archive, backups, target, 'skip', [], 'a/b/f');
    assert.deepEqual([dir2.code, dir2.log], [0, '']);
    assert.ok(fs.statSync(path.join(target, 'a/b/f')).isDirectory());
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the stored name form is read from the archive: "./dir/x" without a root member, "dir/x", and both from tar -tv', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-names-'));
  try {
    fs.mkdirSync(path.join(dir, 'src/d'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'src/d/f'), 'x');
    const forms: [string[], number, number][] = [
      [['.'], 1, 3],
      [['./d'], 0, 2],
      [['d'], 0, 0],
    ];
    for (const [what, root, dotSlash] of forms) {
      const a = path.join(dir, 'a.tar');
      assert.equal(spawnSync('tar', ['-cf', a, '-C', path.join(dir, 'src'), ...what]).status, 0);
      const walked = await indexArchive(fileReader(a));
      assert.deepEqual([walked.rootEntries, walked.dotSlashNames], [root, dotSlash], `tar -cf A ${what.join(' ')}: header walk`);
      const listing = new TarListingParser();
      listing.push(spawnSync(tarListArgv(a)[0], tarListArgv(a).slice(1), { env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } }).stdout);
      const listed = listing.end(0, '', fs.statSync(a).size, false);
      assert.deepEqual([listed.rootEntries, listed.dotSlashNames], [root, dotSlash], `tar -cf A ${what.join(' ')}: tar -tv`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
