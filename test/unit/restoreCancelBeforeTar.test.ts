// A restore cancelled while it was being started (no tar pid yet for the client to signal): its
// script runs no tar and touches nothing in the target, the client records it cancelled saying
// nothing was written, and a resume does not take it for the interrupted restore to go on from.
// The script is run here with the machine's own sh and GNU tar on real files (mtimes pinned),
// a PATH shim for tar standing in for what happens on the node meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Cluster } from '../../src/core/cluster';
import { parseSettings } from '../../src/core/config';
import { RESTORE_CANCELLED_BEFORE_TAR, endWithoutStatus, restoreEnd, restoreWroteNothing } from '../../src/core/backup/jobEnd';
import { restoreId, restorePaths, serializeJobFile, type JobRecord } from '../../src/core/backup/jobFile';
import { CANCELLED_EXIT, restoreArgv } from '../../src/core/backup/jobScript';
import { interruptedRestore } from '../../src/core/restore/restorePlan';
import { backupJob } from '../helpers/builders';
import { SCRIPT_MTIME, exitOf, scriptScratch, shim, withLocalNode } from './helpers/scriptScratch';

const NAME = 'datarobot-gluster-backup-2026-04-12.tar';

/** Every entry under `dir` with its type, mode, mtime and content: what "nothing changed" compares. */
function manifest(dir: string): string {
  const h = createHash('sha256');
  const walk = (rel: string) => {
    const full = path.join(dir, rel);
    const st = fs.lstatSync(full);
    h.update(`${rel}\0${st.mode}\0${st.mtimeMs}\0`);
    if (st.isFile()) h.update(fs.readFileSync(full));
    else if (st.isSymbolicLink()) h.update(fs.readlinkSync(full));
    else if (st.isDirectory()) for (const e of fs.readdirSync(full).sort()) walk(path.join(rel, e));
    h.update('\n');
  };
  walk('.');
  return h.digest('hex');
}

function restoreRecord(backups: string, id: string, target: string, over: Partial<JobRecord> = {}): JobRecord {
  const p = restorePaths(backups, id);
  const { partial: _, ...b } = backupJob({ node: 'here' }, { dir: backups, archive: NAME });
  return {
    ...b,
    version: 1,
    kind: 'restore',
    id,
    archive: path.join(backups, NAME),
    log: p.log,
    restore: { target, members: [], policy: 'skip', bytesToWrite: 0, archiveBytes: 0 },
    ...over,
  };
}

/** The archive of the scratch source, a live target holding other data and a file a resume would rewrite. */
function setup(prefix: string) {
  const s = scriptScratch(prefix, 64 * 1024);
  const archive = path.join(s.backups, NAME);
  assert.equal(spawnSync('tar', ['--create', `--file=${archive}`, `--directory=${s.src}`, '--numeric-owner', '.']).status, 0);
  const target = path.join(s.dir, 'vol');
  fs.mkdirSync(path.join(target, 'a'), { recursive: true });
  fs.writeFileSync(path.join(target, 'a/big'), 'half written');
  fs.writeFileSync(path.join(target, 'live'), 'the operator\'s data');
  for (const f of ['a/big', 'live', 'a', '.']) fs.utimesSync(path.join(target, f), SCRIPT_MTIME, SCRIPT_MTIME);
  const id = restoreId(NAME, new Date(Date.UTC(2026, 3, 12, 10, 0, 0)));
  const p = restorePaths(s.backups, id);
  return { ...s, archive, target, id, p };
}

/** Runs the restore's script to its end: a resume (rewrite a/big, redo a list), every member, policy skip. */
function runRestore(s: ReturnType<typeof setup>, target: string, timeout = 20_000): void {
  fs.writeFileSync(s.p.redo, 'live\0');
  const [cmd, ...args] = restoreArgv(s.p, target, 'skip', [], { rewrite: 'a/big', dirs: false, redo: true });
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${s.bin}:${process.env.PATH}` };
  delete env.TMPDIR;
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout });
  assert.equal(r.error, undefined, `the restore script did not end: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr);
}

test('a restore whose cancel request is there before it starts runs no tar, changes nothing in the target, and is recorded cancelled, nothing written', async () => {
  const s = setup('gb-restore-cancel-');
  try {
    const ran = path.join(s.dir, 'tar-ran');
    shim(s.bin, 'tar', `: > ${ran}\nexec "$REAL" "$@"`);
    const record = restoreRecord(s.backups, s.id, s.target);
    fs.writeFileSync(s.p.job, serializeJobFile(record));
    fs.writeFileSync(s.p.cancel, 'asked\n');
    const before = manifest(s.target);
    runRestore(s, s.target);
    assert.equal(exitOf(s.p), CANCELLED_EXIT);
    assert.equal(fs.existsSync(ran), false, 'tar was not run');
    // Neither the file a resume rewrites nor the redo list's entry was removed.
    assert.equal(manifest(s.target), before, 'the target, byte for byte and mtime for mtime');
    assert.equal(fs.readFileSync(s.p.log, 'utf8'), 'gluster-backup: cancelled before tar started: tar was not run, and nothing was written\n');

    const seen = await withLocalNode(s.dir, s.backups, (jobs) => jobs.observe(record));
    assert.deepEqual([seen.state, seen.reason, seen.exitCode], ['cancelled', RESTORE_CANCELLED_BEFORE_TAR, undefined]);
    const onDisk = JSON.parse(fs.readFileSync(s.p.job, 'utf8')) as JobRecord;
    assert.deepEqual([onDisk.state, onDisk.reason, onDisk.version], ['cancelled', RESTORE_CANCELLED_BEFORE_TAR, 1]);
    assert.equal(manifest(s.target), before);
  } finally {
    fs.rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a cancelled restore into a target that does not exist yet does not make it', () => {
  const s = setup('gb-restore-cancel-new-');
  try {
    const target = path.join(s.dir, 'vol/new');
    fs.writeFileSync(s.p.cancel, 'asked\n');
    runRestore(s, target);
    assert.equal(exitOf(s.p), CANCELLED_EXIT);
    assert.equal(fs.existsSync(target), false);
  } finally {
    fs.rmSync(s.dir, { recursive: true, force: true });
  }
});

test('a cancel that came after the script looked, before it recorded tar as running (the client signalled nothing): the script stops tar itself', async () => {
  const s = setup('gb-restore-cancel-late-');
  try {
    // tar's stand-in starts after the script's first look, asks the cancel then, and would run for long.
    shim(s.bin, 'tar', `echo asked > ${s.p.cancel}\nexec sleep 30`);
    const record = restoreRecord(s.backups, s.id, s.target);
    fs.writeFileSync(s.p.job, serializeJobFile(record));
    runRestore(s, s.target, 15_000);
    assert.equal(exitOf(s.p), 128 + 15);
    const seen = await withLocalNode(s.dir, s.backups, (jobs) => jobs.observe(record));
    assert.equal(seen.state, 'cancelled');
  } finally {
    fs.rmSync(s.dir, { recursive: true, force: true });
  }
});

test("a restore's CANCELLED_EXIT is a cancel that wrote nothing, with or without its status, marker or not", () => {
  const r = restoreRecord('/backups', restoreId(NAME, new Date(Date.UTC(2026, 3, 12))), '/vol');
  for (const cancelled of [true, false]) assert.deepEqual(restoreEnd(r, [], CANCELLED_EXIT, cancelled, []), { ...r, state: 'cancelled', reason: RESTORE_CANCELLED_BEFORE_TAR });
  for (const cancelAsked of [true, false]) {
    assert.deepEqual(endWithoutStatus(r, { shell: { gone: 'exited', code: CANCELLED_EXIT }, cancelAsked }), {
      patch: { state: 'cancelled', reason: RESTORE_CANCELLED_BEFORE_TAR },
      removePartial: false,
      clearMarks: false,
    });
  }
});

test('which restore records wrote nothing: this client\'s cancel before tar, and an older client\'s record of exit 4; no other', () => {
  const r = restoreRecord('/backups', restoreId(NAME, new Date(Date.UTC(2026, 3, 12))), '/vol');
  assert.equal(restoreWroteNothing({ ...r, state: 'cancelled', reason: RESTORE_CANCELLED_BEFORE_TAR }), true);
  assert.equal(restoreWroteNothing({ ...r, state: 'cancelled', exitCode: CANCELLED_EXIT, reason: 'cancelled by the operator; what tar had written stays (restore again with --existing skip to resume)' }), true);
  assert.equal(restoreWroteNothing({ ...r, state: 'failed', exitCode: CANCELLED_EXIT, reason: 'cancelled before tar started: tar was not run, and nothing was written; what it wrote stays' }), true);
  assert.equal(restoreWroteNothing({ ...r, state: 'cancelled', exitCode: 143, reason: 'cancelled by the operator; what tar had written stays (restore again with --existing skip to resume)' }), false);
  assert.equal(restoreWroteNothing({ ...r, state: 'cancelled', reason: 'cancelled' }), false);
  assert.equal(restoreWroteNothing({ ...r, state: 'failed', exitCode: 2 }), false);
  assert.equal(restoreWroteNothing({ ...r, state: 'completed', exitCode: 0 }), false);
  assert.equal(restoreWroteNothing({ ...r, kind: 'backup', state: 'cancelled', reason: RESTORE_CANCELLED_BEFORE_TAR }), false);
});

test('a resume goes on from the interrupted restore, not from a newer one cancelled before its tar started', async () => {
  const s = setup('gb-restore-cancel-resume-');
  const { settings } = parseSettings({ backupDir: s.backups, nodes: [{ name: 'here', dockerSocket: path.join(s.dir, 'no-docker.sock') }] });
  const cluster = new Cluster(settings);
  try {
    const archive = path.join(s.backups, NAME);
    // A, interrupted while it wrote a/big; B, its resume, cancelled before tar: no member list.
    const a = restoreRecord(s.backups, restoreId(NAME, new Date(Date.UTC(2026, 3, 12, 9))), s.target, {
      state: 'cancelled',
      exitCode: 143,
      startedAt: '2026-04-12T09:00:00.000Z',
      nodeStartedAt: '2026-04-12T09:00:00.000Z',
      endedAt: '2026-04-12T09:05:00.000Z',
    });
    const members = restorePaths(s.backups, a.id).members;
    fs.writeFileSync(members, './\n./a/\n./a/big\n');
    fs.utimesSync(members, 1776070000, 1776070000);
    const b = restoreRecord(s.backups, restoreId(NAME, new Date(Date.UTC(2026, 3, 12, 10))), s.target, {
      state: 'cancelled',
      reason: RESTORE_CANCELLED_BEFORE_TAR,
      startedAt: '2026-04-12T10:00:00.000Z',
      endedAt: '2026-04-12T10:00:01.000Z',
      restore: { target: s.target, members: [], policy: 'skip', bytesToWrite: 0, archiveBytes: 0, resume: { from: a.id, rewrite: 'a/big', dirs: 2 } },
    });
    const at = await interruptedRestore(cluster, 'here', archive, s.target, Promise.resolve([a, b]));
    assert.ok(at, 'a point to resume from');
    assert.deepEqual([at.from, Buffer.from(at.key, 'latin1').toString()], [a.id, 'a/big']);
  } finally {
    cluster.dispose();
    fs.rmSync(s.dir, { recursive: true, force: true });
  }
});
