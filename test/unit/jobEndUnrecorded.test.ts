// A job's end that its job file cannot take (the backups directory full): the observer says
// what ended and why it is not recorded, instead of failing the look (which every caller showed
// as "unknown", the node unreachable), and records it at the first look once there is room.
// A node that is this machine, its connection's write and free space standing in for a full
// directory; the job's files as the script leaves them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster } from '../../src/core/cluster';
import { parseSettings } from '../../src/core/config';
import { BackupJobs } from '../../src/core/backup/jobs';
import { jobPaths, serializeJobFile } from '../../src/core/backup/jobFile';
import type { JobRecord } from '../../src/core/backup/types';
import { backupJob } from '../helpers/builders';

const NAME = 'datarobot-gluster-backup-2026-04-12.tar';

test('a failed backup whose end the full backups directory cannot take: failed, saying so; recorded once there is room', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-end-unrecorded-'));
  const backups = path.join(dir, 'backups');
  fs.mkdirSync(backups);
  const { settings } = parseSettings({ backupDir: backups, nodes: [{ name: 'here', dockerSocket: path.join(dir, 'no-docker.sock') }] });
  const cluster = new Cluster(settings);
  try {
    const p = jobPaths(backups, NAME);
    const record = backupJob({ node: 'here' }, { dir: backups, archive: NAME });
    fs.writeFileSync(p.job, serializeJobFile(record));
    const noSpace = `tar: ./a/big: Cannot write: No space left on device`;
    fs.writeFileSync(p.log, `${noSpace}\ntar: Error is not recoverable: exiting now\n`);
    fs.writeFileSync(p.status, 'exit 2 1765000000.000000000\n');
    fs.writeFileSync(p.partial!, 'a partial archive\n');
    const conn = cluster.connection('here');
    const write = conn.writeAtomic.bind(conn);
    const free = conn.freeBytes.bind(conn);
    const enospc = `ENOSPC: no space left on device, write`;
    conn.writeAtomic = async () => {
      throw Object.assign(new Error(enospc), { code: 'ENOSPC' });
    };
    conn.freeBytes = async () => 0;
    const why = `the backups directory ran out of space (${noSpace.slice('tar: '.length)}); the partial archive was removed`;
    const seen = await new BackupJobs(cluster).observe(record);
    assert.deepEqual(
      [seen.state, seen.exitCode, seen.reason],
      ['failed', 2, `${why}; not recorded on the node: the backups directory is full (0 bytes left), and writing ${p.job} failed (${enospc}); the first look after space is freed there records it`],
    );
    assert.equal(fs.existsSync(p.partial!), false);
    // What the end was read from stays for the next look; the job file is as it was.
    assert.equal(fs.readFileSync(p.status, 'utf8'), 'exit 2 1765000000.000000000\n');
    assert.equal(fs.readFileSync(p.job, 'utf8'), serializeJobFile(record));
    conn.writeAtomic = write;
    conn.freeBytes = free;
    const later = await new BackupJobs(cluster).observe(record);
    assert.deepEqual([later.state, later.reason], ['failed', why]);
    assert.deepEqual([(JSON.parse(fs.readFileSync(p.job, 'utf8')) as JobRecord).state, fs.existsSync(p.status)], ['failed', false]);
  } finally {
    cluster.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a job file that cannot be written for another reason, with room in the directory: the look still fails with that error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-end-unrecorded-'));
  const backups = path.join(dir, 'backups');
  fs.mkdirSync(backups);
  const { settings } = parseSettings({ backupDir: backups, nodes: [{ name: 'here', dockerSocket: path.join(dir, 'no-docker.sock') }] });
  const cluster = new Cluster(settings);
  try {
    const p = jobPaths(backups, NAME);
    const record = backupJob({ node: 'here' }, { dir: backups, archive: NAME });
    fs.writeFileSync(p.job, serializeJobFile(record));
    fs.writeFileSync(p.log, '');
    fs.writeFileSync(p.status, 'exit 0 1765000000.000000000\n');
    fs.writeFileSync(p.archive, 'an archive\n');
    const conn = cluster.connection('here');
    conn.writeAtomic = async () => {
      throw Object.assign(new Error('EACCES: permission denied, open'), { code: 'EACCES' });
    };
    conn.freeBytes = async () => 5 * 1024 * 1024;
    await assert.rejects(new BackupJobs(cluster).observe(record), { message: 'EACCES: permission denied, open' });
    assert.equal(fs.readFileSync(p.status, 'utf8'), 'exit 0 1765000000.000000000\n');
  } finally {
    cluster.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
