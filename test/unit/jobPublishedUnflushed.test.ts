// A backup job that published its archive and then could not flush its name (or its checksum
// file) to disk: its line in the log says so, but a backups directory too full to take that line
// left the job looking clean. The exit status carries a mark for it (STATUS_UNFLUSHED), written
// where the status file's own block is (over the "running" line in place when no temporary file
// can be made). Run here with the machine's own sh and GNU tar on real files (mtimes pinned), a
// PATH shim for sync standing in for the flush that fails on a node; then what the observer
// (jobs.ts) makes of what the script left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { jobPaths } from '../../src/core/backup/jobFile';
import { parseStatus, PUBLISHED_UNSYNCED } from '../../src/core/backup/jobScript';
import type { JobRecord } from '../../src/core/backup/types';
import { runBackupJob, scriptScratch, shim, withLocalNode } from './helpers/scriptScratch';

const NAME = 'datarobot-gluster-backup-2026-04-12.tar';

test('the exit status with the mark: read with its time, padded or not; the mark only on an exit; a client before it reads the same exit without the time', () => {
  assert.deepEqual(parseStatus('exit 0 1700000000.123456789,unflushed\n'), { phase: 'exit', code: 0, at: 1700000000123, unflushed: true });
  // Written over the "running" line in place: padded with spaces to cover it.
  assert.deepEqual(parseStatus(`${'exit 1 1700000000.5,unflushed'.padEnd(63)}\n`), { phase: 'exit', code: 1, at: 1700000000500, unflushed: true });
  // A date without %N: no time, the mark still read.
  assert.deepEqual(parseStatus('exit 0 1700000000.%N,unflushed\n'), { phase: 'exit', code: 0, unflushed: true });
  assert.deepEqual(parseStatus('exit 0 1700000000.5\n'), { phase: 'exit', code: 0, at: 1700000000500 });
  assert.deepEqual(parseStatus('running 12 34 1700000000.5,unflushed\n'), { phase: 'running', shPid: 12, tarPid: 34 });
  assert.deepEqual(parseStatus('exit 0 1700000000.5,unflushedx\n'), { phase: 'exit', code: 0 });
  assert.deepEqual(parseStatus('exit 0 1700000000.5 ,unflushed\n'), { phase: 'none' });
  // The parser of every release before the mark (as it was in jobScript.ts): the same exit, its
  // time left out as for any time it cannot read (endedAt is then the status file's mtime).
  const before = (text: string) => {
    const m = /^(?:(running) (\d{1,10}) (\d{1,10})|(exit) (\d{1,3}))(?: (\S{1,40}))?$/.exec(text.trim());
    if (!m || (m[4] && Number(m[5]) > 255)) return { phase: 'none' };
    const at = m[6] !== undefined && /^\d{1,12}\.\d{1,9}$/.test(m[6]) ? { at: Math.round(Number(m[6]) * 1000) } : {};
    return m[1] ? { phase: 'running', shPid: Number(m[2]), tarPid: Number(m[3]), ...at } : { phase: 'exit', code: Number(m[5]), ...at };
  };
  for (const line of ['exit 0 1700000000.123456789,unflushed\n', `${'exit 1 1700000000.123456789,unflushed'.padEnd(63)}\n`]) {
    assert.deepEqual(before(line), { phase: 'exit', code: Number(line[5]) }, line);
  }
});


test('published, sync cannot flush it, and the log cannot take the line: the status says so, over the running line in place when no new file can be made, and the job completes saying the archive is not known to be on disk', async () => {
  for (const status of ['temporary file', 'in place'] as const) {
    const { dir, src, backups, bin } = scriptScratch('gb-published-unflushed-', 6 * 1024 * 1024);
    try {
      const p = jobPaths(backups, NAME);
      // The flush after publishing fails naming the directory; from then on the log takes no
      // line (a directory now, as a full backups directory takes none) and, 'in place', no
      // temporary status file can be made either.
      const full = `rm -f ${p.log} && mkdir ${p.log}${status === 'in place' ? ` ${p.status}.tmp` : ''}`;
      shim(bin, 'sync', `if [ "$1" = -- ] && [ "$2" != ${p.partial} ]; then ${full}; printf "sync: error syncing '%s': Input/output error\\n" ${backups}/ >&2; exit 1; fi\nexec "$REAL" "$@"`);
      const { record } = runBackupJob(backups, src, bin, NAME);
      assert.equal(fs.statSync(p.log).isDirectory(), true, 'the line did not reach the log');
      const text = fs.readFileSync(p.status, 'latin1');
      if (status === 'in place') {
        assert.match(text, /^exit 0 \d+\.\d{9},unflushed +\n$/);
        assert.equal(text.length, 64, 'the running line covered, nothing of it left');
      } else assert.match(text, /^exit 0 \d+\.\d{9},unflushed\n$/);
      const st = parseStatus(text);
      assert.ok(st.phase === 'exit' && st.code === 0 && st.unflushed === true && st.at !== undefined, JSON.stringify(st));
      const sum = spawnSync('sha256sum', [p.archive], { encoding: 'utf8' }).stdout.split(' ')[0];
      assert.equal(fs.readFileSync(`${p.archive}.sha256`, 'utf8'), `${sum}  ${NAME}\n`);

      const seen = await withLocalNode(dir, backups, (jobs) => jobs.observe(record));
      const why = `${PUBLISHED_UNSYNCED}${p.archive}, but sync could not flush its name or its checksum file to disk, so it is not known to be on disk (the job's status says so; its log does not say sync's words: a full backups directory cannot take the line): the host going down before its own flush could lose them; validate the archive before relying on it`;
      assert.deepEqual([seen.state, seen.exitCode, seen.reason, seen.archiveBytes], ['completed', 0, why, fs.statSync(p.archive).size], status);
      const saved = JSON.parse(fs.readFileSync(p.job, 'utf8')) as JobRecord;
      assert.deepEqual([saved.state, saved.reason, saved.version], ['completed', why, 1], 'recorded as every client reads it');
      assert.equal(fs.readFileSync(`${p.archive}.sha256`, 'utf8'), `${sum}  ${NAME}\n`, 'the archive and its checksum stay');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a clean end writes no mark, whichever way the status is written', () => {
  for (const status of ['temporary file', 'in place'] as const) {
    const { dir, src, backups, bin } = scriptScratch('gb-published-flushed-', 1024);
    try {
      const p = jobPaths(backups, NAME);
      if (status === 'in place') shim(bin, 'sync', `if [ "$1" = -- ] && [ "$2" != ${p.partial} ]; then mkdir ${p.status}.tmp; fi\nexec "$REAL" "$@"`);
      runBackupJob(backups, src, bin, NAME);
      assert.deepEqual({ ...parseStatus(fs.readFileSync(p.status, 'latin1')), at: 0 }, { phase: 'exit', code: 0, at: 0 }, status);
      assert.doesNotMatch(fs.readFileSync(p.status, 'latin1'), /unflushed/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});
