// A finished archive the backup job script cannot publish is kept as its partial, never
// removed: its name already taken, or the file form of sync reporting an error. Run here with
// the machine's own sh and GNU tar on real files (mtimes pinned), a PATH shim standing in for
// the tool that fails on a node; then what the observer (jobs.ts) makes of what it left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { jobPaths, serializeJobFile } from '../../src/core/backup/jobFile';
import { CANCELLED_EXIT, KEPT_EXIT } from '../../src/core/backup/jobScript';
import type { JobRecord } from '../../src/core/backup/types';
import { backupJob } from '../helpers/builders';
import { exitOf, runBackupJob, scriptScratch, shim, withLocalNode } from './helpers/scriptScratch';
import { prune } from '../../src/core/catalog/prune';
import { LocalConnection } from '../../src/core/node/nodeConnection';
import type { Cluster } from '../../src/core/cluster';

const NAME = 'datarobot-gluster-backup-2026-04-12.tar';
type Paths = ReturnType<typeof jobPaths>;


/** What `jobs.observe` makes of the files in `backups`, on a node that is this machine. */
const observe = (dir: string, backups: string, record: JobRecord): Promise<JobRecord> => withLocalNode(dir, backups, (jobs) => jobs.observe(record));

/** The members of the archive at `file` as `tar -tv` lists them, size and name, sorted (tar takes the directory's order). */
function members(file: string): string[] {
  const r = spawnSync('tar', ['-tvf', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${file} is a whole archive: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(/\s+/))
    .map((f) => `${f[2]} ${f[5]}`)
    .sort((a, b) => a.slice(a.indexOf(' ')).localeCompare(b.slice(b.indexOf(' '))));
}

const WHOLE = ['0 ./', '0 ./a/', '6291456 ./a/big', '5 ./small'];

test('an archive name taken while tar ran: the finished archive is kept as the partial, the other untouched, and the observer leaves both', async () => {
  for (const compressor of [undefined, 'gzip']) {
    const { dir, src, backups, bin } = scriptScratch('gb-kept-taken-', 6 * 1024 * 1024);
    try {
      const p = jobPaths(backups, compressor ? `${NAME}.gz` : NAME);
      // The name is taken once tar has started (no client picks a name that is there).
      shim(bin, 'tar', `"$REAL" "$@"; rc=$?\nprintf 'an older archive' > ${p.archive}\nexit $rc`);
      const { record } = runBackupJob(backups, src, bin, NAME, { compressor });
      assert.equal(exitOf(p), KEPT_EXIT);
      assert.equal(fs.readFileSync(p.archive, 'utf8'), 'an older archive');
      let kept = p.partial!;
      if (compressor) fs.writeFileSync((kept = path.join(dir, 'kept.tar')), zlib.gunzipSync(fs.readFileSync(p.partial!)));
      assert.deepEqual(members(kept), WHOLE);
      // ln's own words, as it refuses the same pair now.
      const why = spawnSync('ln', ['--', p.partial!, p.archive], { encoding: 'utf8' }).stderr.trim();
      assert.match(why, /File exists/);
      const line = `tar exit 0, but ${p.archive} already exists and is never overwritten (${why}): the complete archive is kept as ${p.partial}`;
      assert.equal(fs.readFileSync(p.log, 'utf8'), `gluster-backup: ${line}\n`);
      assert.equal(fs.existsSync(`${p.archive}.members`), false, 'no member list beside the other archive');
      assert.equal(fs.existsSync(`${p.archive}.sha256`), false);
      // A cancel asked after the job ended does not take the partial with it either.
      fs.writeFileSync(p.cancel, 'asked too late\n');
      const bytes = fs.readFileSync(p.partial!);
      const seen = await observe(dir, backups, record);
      assert.deepEqual(
        [seen.state, seen.reason],
        ['failed', `${line}; to use it, move ${NAME}${compressor ? '.gz' : ''} (another archive) away or prune it and publish this one (gluster-backup publish-kept --node here -f ${path.basename(p.partial!)}), or rename it by hand to a name no file in the backups directory has (the next -N of its day); it has no checksum file`],
        compressor ?? 'tar',
      );
      assert.deepEqual(fs.readFileSync(p.partial!), bytes, 'the observer left the kept archive');
      assert.equal(fs.readFileSync(p.archive, 'utf8'), 'an older archive');
      const saved = JSON.parse(fs.readFileSync(p.job, 'utf8')) as JobRecord;
      assert.deepEqual([saved.state, saved.kept, saved.version], ['failed', true, 2]);
      // Prune keeping the last archive removes the other one of that name, and only it: the
      // kept archive, its record and its log stay.
      const newer = path.join(backups, 'datarobot-gluster-backup-2026-05-12.tar');
      fs.writeFileSync(newer, 'a newer archive');
      fs.utimesSync(p.archive, new Date('2026-12-04T00:00:00Z'), new Date('2026-12-04T00:00:00Z'));
      fs.utimesSync(newer, new Date('2026-12-05T00:00:00Z'), new Date('2026-12-05T00:00:00Z'));
      const conn = new LocalConnection({ name: 'here' });
      const pruned = (await prune({ nodes: () => [{ name: 'here' }], connection: () => conn } as unknown as Cluster, backups, { last: 1 })).nodes[0];
      assert.deepEqual([pruned.removed, pruned.failed, pruned.plan?.keptPartials.map((k) => k.path)], [[p.archive], [], [p.partial]]);
      assert.deepEqual(fs.readFileSync(p.partial!), bytes, 'prune left the kept archive');
      assert.ok(fs.existsSync(p.job) && fs.existsSync(p.log), 'and what says what it is');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("sync's file form reports an I/O error: the job fails naming it, the archive is kept as the partial, the observer leaves it", async () => {
  // Two lines of it: the kept archive's line is still one line, so the client finds it.
  for (const words of ['Input/output error', 'Input/output error\nsync: giving up']) {
    const { dir, src, backups, bin } = scriptScratch('gb-kept-sync-', 6 * 1024 * 1024);
    try {
      const p = jobPaths(backups, NAME);
      // The file form fails for the partial; a plain sync (which reports nothing) succeeds.
      shim(bin, 'sync', `if [ "$1" = -- ] && [ "$2" = ${p.partial} ]; then printf "sync: error syncing '%s': ${words.replace(/\n/g, '\\n')}\\n" "$2" >&2; exit 1; fi\nexec "$REAL" "$@"`);
      const { record } = runBackupJob(backups, src, bin, NAME);
      assert.equal(exitOf(p), KEPT_EXIT, words);
      assert.equal(fs.existsSync(p.archive), false, 'not published');
      assert.equal(fs.existsSync(`${p.archive}.sha256`), false);
      assert.deepEqual(members(p.partial!), WHOLE);
      const line = `tar exit 0, but the archive could not be flushed to disk, so it was not published as ${p.archive} (sync: error syncing '${p.partial}': ${words.replace(/\n/g, ' ')}; check the disk before using it): the complete archive is kept as ${p.partial}`;
      assert.equal(fs.readFileSync(p.log, 'utf8'), `gluster-backup: ${line}\n`);
      const seen = await observe(dir, backups, record);
      assert.deepEqual([seen.state, seen.reason], ['failed', `${line}; publish it as ${NAME} to use it (gluster-backup publish-kept --node here -f ${NAME}.partial); it has no checksum file`]);
      assert.deepEqual(members(p.partial!), WHOLE, 'the observer left the kept archive');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("another archive under the final name: its member list is never touched, whether the job keeps its archive, fails or is cancelled", async () => {
  const OTHER_LIST = 'block 0: -rw-r--r-- 0/0 5 2026-04-12 00:00:00.000000000 "./the-other-archive\'s"\n';
  for (const way of ['taken', 'failed', 'cancelled'] as const) {
    const { dir, src, backups, bin } = scriptScratch('gb-kept-list-', 6 * 1024 * 1024);
    try {
      const gz = `${NAME}.gz`;
      const p = jobPaths(backups, gz);
      // The other archive and its list are there when the job starts (a client that raced
      // this one for the name; the script takes the name as given).
      fs.writeFileSync(p.archive, 'an older archive');
      fs.writeFileSync(`${p.archive}.members`, OTHER_LIST);
      const { record } = runBackupJob(backups, way === 'failed' ? path.join(src, 'not-there') : src, bin, NAME, {
        compressor: 'gzip',
        before: (q) => {
          if (way === 'cancelled') fs.writeFileSync(q.cancel, 'now\n');
        },
      });
      assert.equal(exitOf(p), { taken: KEPT_EXIT, failed: 2, cancelled: CANCELLED_EXIT }[way], way);
      assert.equal(fs.readFileSync(`${p.archive}.members`, 'utf8'), OTHER_LIST, `${way}: the other archive's list`);
      assert.equal(fs.readFileSync(p.archive, 'utf8'), 'an older archive');
      const stem = NAME.slice(0, -'.tar'.length);
      const left = [gz, `${gz}.members`, `${stem}.job.json`, `${stem}.log`, `${stem}.status`, ...(way === 'taken' ? [`${gz}.partial`] : []), ...(way === 'cancelled' ? [`${stem}.cancel`] : [])].sort();
      assert.deepEqual(fs.readdirSync(backups).sort(), left, `${way}: the job's own list is gone`);
      const seen = await observe(dir, backups, record);
      // Recorded as version 2 only when the job kept its archive (an older client would remove
      // that partial); a failed or cancelled end as 1, which older clients read.
      const saved = JSON.parse(fs.readFileSync(p.job, 'utf8')) as JobRecord;
      assert.deepEqual([saved.kept, saved.version, seen.version], way === 'taken' ? [true, 2, 2] : [undefined, 1, 1], `${way} (${saved.state})`);
      // The other archive is never the job's: a cancel before tar is no completed job.
      assert.deepEqual([seen.state, seen.archiveBytes], [way === 'cancelled' ? 'cancelled' : 'failed', undefined], `${way}: ${seen.reason}`);
      assert.equal(fs.readFileSync(`${p.archive}.members`, 'utf8'), OTHER_LIST, `${way}: the other archive's list, after the observer`);
      assert.equal(fs.readFileSync(p.archive, 'utf8'), 'an older archive');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("a job that ended without its script's cleanup: the observer removes its partial and the list beside it, never the final name's list", async () => {
  const { dir, backups } = scriptScratch('gb-kept-leftover-', 0);
  try {
    const gz = `${NAME}.gz`;
    const p = jobPaths(backups, gz);
    const record = backupJob({ node: 'here' }, { dir: backups, archive: gz });
    fs.writeFileSync(p.job, serializeJobFile(record));
    // What a script cut short after tar's exit 2 leaves: its status, partial and list.
    fs.writeFileSync(p.status, 'exit 2 1700000000.000000000\n');
    fs.writeFileSync(p.partial!, 'cut');
    fs.writeFileSync(`${p.partial}.members`, 'block 0: cut\n');
    fs.writeFileSync(`${p.archive}.members`, 'a list of no archive of this job\n');
    const seen = await observe(dir, backups, record);
    assert.equal(seen.state, 'failed');
    const stem = NAME.slice(0, -'.tar'.length);
    assert.deepEqual(fs.readdirSync(backups).sort(), [`${stem}.job.json`, `${gz}.members`]);
    assert.equal(fs.readFileSync(`${p.archive}.members`, 'utf8'), 'a list of no archive of this job\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("sync's file form reports an I/O error once the archive is published: the job completes saying so, and the archive and its checksum stay", async () => {
  for (const which of ['checksum', 'directory'] as const) {
    const { dir, src, backups, bin } = scriptScratch('gb-published-sync-', 6 * 1024 * 1024);
    try {
      const p = jobPaths(backups, NAME);
      const named = which === 'checksum' ? `${p.archive}.sha256` : `${backups}/`;
      // The partial's flush succeeds; the one after publishing fails, naming one of its operands.
      shim(bin, 'sync', `if [ "$1" = -- ] && [ "$2" != ${p.partial} ]; then printf "sync: error syncing '%s': Input/output error\\n" ${named} >&2; exit 1; fi\nexec "$REAL" "$@"`);
      const { record } = runBackupJob(backups, src, bin, NAME);
      assert.equal(exitOf(p), 0, which);
      assert.deepEqual(members(p.archive), WHOLE);
      const sum = spawnSync('sha256sum', [p.archive], { encoding: 'utf8' }).stdout.split(' ')[0];
      assert.equal(fs.readFileSync(`${p.archive}.sha256`, 'utf8'), `${sum}  ${NAME}\n`);
      const line = `the archive is published as ${p.archive}, but sync could not flush its name and its checksum file to disk (sync: error syncing '${named}': Input/output error): the host going down before its own flush could lose them; validate the archive before relying on it`;
      // After the line it says on publishing (PUBLISHED_AS), which is no reason of a job that ended.
      assert.equal(fs.readFileSync(p.log, 'utf8'), `gluster-backup: tar exit 0: published the archive as ${p.archive}\ngluster-backup: ${line}\n`);
      const seen = await observe(dir, backups, record);
      assert.deepEqual([seen.state, seen.exitCode, seen.reason, seen.archiveBytes], ['completed', 0, line, fs.statSync(p.archive).size], which);
      assert.deepEqual(members(p.archive), WHOLE, 'the observer left the archive');
      assert.equal(fs.readFileSync(`${p.archive}.sha256`, 'utf8'), `${sum}  ${NAME}\n`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a compressed archive is published with its member list beside it; a directory under the list\'s name is left as it is and the list goes', async () => {
  for (const blocked of [false, true]) {
    const { dir, src, backups, bin } = scriptScratch('gb-published-list-', 6 * 1024 * 1024);
    try {
      const gz = `${NAME}.gz`;
      const p = jobPaths(backups, gz);
      if (blocked) fs.mkdirSync(`${p.archive}.members`);
      const { record } = runBackupJob(backups, src, bin, NAME, { compressor: 'gzip' });
      assert.equal(exitOf(p), 0, fs.readFileSync(p.log, 'utf8'));
      assert.equal(fs.existsSync(`${p.partial}.members`), false);
      if (blocked) assert.deepEqual(fs.readdirSync(`${p.archive}.members`), [], 'nothing moved into the directory');
      else {
        assert.match(fs.readFileSync(`${p.archive}.members`, 'latin1'), /"\.\/a\/big"\n/);
        assert.equal((fs.statSync(`${p.archive}.members`).mode & 0o7777).toString(8), '600');
      }
      const seen = await observe(dir, backups, record);
      assert.deepEqual([seen.state, seen.reason], ['completed', undefined]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});
