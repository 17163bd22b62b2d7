import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextArchiveName, seedDate } from '../../src/core/backup/naming';
import { pickTodays } from '../../src/core/restore/archiveChoice';
import { parseStatus, jobArgv } from '../../src/core/backup/jobScript';
import { jobPaths } from '../../src/core/backup/jobFile';
import { stateOfExit } from '../../src/core/backup/jobEnd';
import { backupJob } from '../helpers/builders';
import { parseOverrides, exitOf } from '../../src/cli/backup';
import type { JobRecord } from '../../src/core/backup/types';

test('the seed date format is YYYY-DD-MM', () => {
  assert.equal(seedDate(new Date(Date.UTC(2026, 0, 2))), '2026-02-01');
  assert.equal(seedDate(new Date(Date.UTC(2026, 10, 28))), '2026-28-11');
});

test("the day is UTC's, whatever the client's time zone: a laptop and a node name and pick alike", () => {
  const was = process.env.TZ;
  // 03:00 UTC on 12 May is still 11 May in Los Angeles and already 12 May in Tokyo.
  const at = new Date(Date.UTC(2026, 4, 12, 3, 0, 0));
  const names = ['datarobot-gluster-backup-2026-11-05.tar', 'datarobot-gluster-backup-2026-12-05.tar'];
  try {
    for (const tz of ['America/Los_Angeles', 'Asia/Tokyo', 'UTC']) {
      process.env.TZ = tz;
      assert.equal(seedDate(at), '2026-12-05', tz);
      assert.equal(nextArchiveName(at, 'none', names), 'datarobot-gluster-backup-2026-12-05-2.tar', tz);
      assert.equal(pickTodays(names, at), 'datarobot-gluster-backup-2026-12-05.tar', tz);
    }
    process.env.TZ = 'America/Los_Angeles';
    assert.equal(at.getDate(), 11, 'the zone took effect: local time is the 11th there');
  } finally {
    if (was === undefined) delete process.env.TZ;
    else process.env.TZ = was;
  }
});

test('same-day backups never reuse a name, whatever file holds it', () => {
  const d = new Date(Date.UTC(2026, 10, 28));
  assert.equal(nextArchiveName(d, 'none', []), 'datarobot-gluster-backup-2026-28-11.tar');
  assert.equal(nextArchiveName(d, 'gzip', []), 'datarobot-gluster-backup-2026-28-11.tar.gz');
  assert.equal(nextArchiveName(d, 'none', ['datarobot-gluster-backup-2026-28-11.tar']), 'datarobot-gluster-backup-2026-28-11-2.tar');
  // A partial archive, a job file or a log of the same stem also take the name.
  assert.equal(nextArchiveName(d, 'none', ['datarobot-gluster-backup-2026-28-11.tar.partial']), 'datarobot-gluster-backup-2026-28-11-2.tar');
  assert.equal(nextArchiveName(d, 'gzip', ['datarobot-gluster-backup-2026-28-11.job.json']), 'datarobot-gluster-backup-2026-28-11-2.tar.gz');
  assert.equal(
    nextArchiveName(d, 'none', ['datarobot-gluster-backup-2026-28-11.tar', 'datarobot-gluster-backup-2026-28-11-2.log', 'datarobot-gluster-backup-2026-28-11-3.tar']),
    'datarobot-gluster-backup-2026-28-11-4.tar',
  );
});

test('a name freed by prune is not reused: the next backup of the day ranks above every archive of that day', () => {
  const d = new Date(Date.UTC(2026, 10, 28));
  const day = 'datarobot-gluster-backup-2026-28-11';
  // The daily rule kept the day's newest (-2) and removed the first: the third is -3, not the freed name.
  assert.equal(nextArchiveName(d, 'none', [`${day}-2.tar`, `${day}-2.job.json`, `${day}-2.log`]), `${day}-3.tar`);
  assert.equal(pickTodays([`${day}-2.tar`, nextArchiveName(d, 'none', [`${day}-2.tar`])], d), `${day}-3.tar`, 'a restore with no archive named takes the newest');
  // Any file of a numbered stem counts, whatever the compression; other days and other names do not.
  assert.equal(nextArchiveName(d, 'gzip', [`${day}-7.tar.partial`, `${day}-3.tar.gz`]), `${day}-8.tar.gz`);
  assert.equal(nextArchiveName(d, 'none', [`${day}-7x.tar`, `${day}7.tar`, 'datarobot-gluster-backup-2026-29-11-9.tar', `${day}-1234567.tar`]), `${day}.tar`);
  // The day's numbers used up: the lowest free name rather than none.
  assert.equal(nextArchiveName(d, 'none', [`${day}.tar`, `${day}-999999.tar`]), `${day}-2.tar`);
});

test('the day numbers used up and a hundred thousand taken below: the lowest free one, each kind of file of a number holding it', { timeout: 10_000 }, () => {
  const d = new Date(Date.UTC(2026, 10, 28));
  const day = 'datarobot-gluster-backup-2026-28-11';
  // Quadratic on the old search (every name looked at for every number): minutes of CPU.
  const taken = [`${day}-999999.tar`, ...Array.from({ length: 100_000 }, (_, i) => `${day}-${i + 2}.tar`)];
  assert.equal(nextArchiveName(d, 'none', taken), `${day}-100002.tar`);
  const held = [`${day}-999999.tar`, `${day}-2.log`, `${day}-3.job.json`, `${day}-4.tar.partial`, `${day}-5.tar.gz`, `${day}-6.tarx`];
  assert.equal(nextArchiveName(d, 'none', held), `${day}-6.tar`, 'a .tar.gz holds its number for a .tar too (the two would share job files); a stray name holds none');
  assert.equal(nextArchiveName(d, 'gzip', held), `${day}-4.tar.gz`);
});

test('job files sit beside the archive and every value is a separate argv entry', () => {
  const p = jobPaths('/b/dir/', 'datarobot-gluster-backup-2026-28-11-2.tar.gz');
  assert.deepEqual(p, {
    archive: '/b/dir/datarobot-gluster-backup-2026-28-11-2.tar.gz',
    partial: '/b/dir/datarobot-gluster-backup-2026-28-11-2.tar.gz.partial',
    log: '/b/dir/datarobot-gluster-backup-2026-28-11-2.log',
    status: '/b/dir/datarobot-gluster-backup-2026-28-11-2.status',
    cancel: '/b/dir/datarobot-gluster-backup-2026-28-11-2.cancel',
    job: '/b/dir/datarobot-gluster-backup-2026-28-11-2.job.json',
  });
  const argv = jobArgv(p, '/mnt/$(rm -rf /) `x`', 'pigz', '0600');
  assert.equal(argv[0], 'sh');
  assert.equal(argv[1], '-c');
  assert.ok(!argv[2].includes('/mnt/'), 'no value inside the script text');
  // The script's own arguments, then tar's argv: each value one entry, never shell text.
  assert.deepEqual(argv.slice(3), [
    'gluster-backup-job',
    p.partial,
    p.archive,
    p.log,
    p.status,
    p.cancel,
    '',
    '',
    '',
    '0600',
    p.job,
    // A restore's resume list: none for a backup.
    '',
    '--create',
    `--file=${p.partial}`,
    '--directory=/mnt/$(rm -rf /) `x`',
    '--numeric-owner',
    '--use-compress-program=pigz',
    // A compressed archive's member list, for a dry run that need not decompress it.
    '--verbose',
    '--verbose',
    '--block-number',
    '--full-time',
    '--quoting-style=c',
    `--index-file=${p.partial}.members`,
    '.',
  ]);
  // A plain .tar has its header walk: no list.
  const plain = jobPaths('/b/dir/', 'datarobot-gluster-backup-2026-28-11-3.tar');
  assert.deepEqual(jobArgv(plain, '/mnt/gluster', undefined, '0600').slice(-5), ['--create', `--file=${plain.partial}`, '--directory=/mnt/gluster', '--numeric-owner', '.']);
});

test('status file and exit codes', () => {
  assert.deepEqual(parseStatus('running 12 34\n'), { phase: 'running', shPid: 12, tarPid: 34 });
  assert.deepEqual(parseStatus('exit 1\n'), { phase: 'exit', code: 1 });
  // With the script's own clock (the file's SFTP mtime has whole seconds only).
  assert.deepEqual(parseStatus('running 12 34 1796125123.158955685\n'), { phase: 'running', shPid: 12, tarPid: 34, at: 1796125123159 });
  assert.deepEqual(parseStatus('exit 0 1796125124.000400000\n'), { phase: 'exit', code: 0, at: 1796125124000 });
  // A date without %N support prints it literally: the time is left out, the status stands.
  assert.deepEqual(parseStatus('exit 2 1796125124.%N\n'), { phase: 'exit', code: 2 });
  assert.deepEqual(parseStatus(undefined), { phase: 'none' });
  assert.deepEqual(parseStatus('garbage'), { phase: 'none' });
  assert.equal(stateOfExit(0, false), 'completed');
  assert.equal(stateOfExit(1, false), 'completedWithWarnings');
  assert.equal(stateOfExit(2, false), 'failed');
  assert.equal(stateOfExit(143, true), 'cancelled');
  const job = (state: JobRecord['state']) => backupJob({ state });
  assert.equal(exitOf(job('completed')), 0);
  assert.equal(exitOf(job('completedWithWarnings')), 1);
  for (const s of ['failed', 'cancelled', 'unknown', 'running'] as const) assert.equal(exitOf(job(s)), 2);
});

test('an override needs a reason', () => {
  assert.deepEqual(parseOverrides(['freeSpace:I checked by hand']), [{ check: 'freeSpace', reason: 'I checked by hand' }]);
  assert.throws(() => parseOverrides(['freeSpace']), /needs a reason/);
  assert.throws(() => parseOverrides(['freeSpace:  ']), /needs a reason/);
});
