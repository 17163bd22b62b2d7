// A cancel asked just after a job ended (the operator's click racing the job's last second):
// the job script has already looked for the marker and made the archive, or tar has already
// written every member. The marker it finds afterwards must not turn that job into
// "cancelled" (a good archive hidden from "last good backup", a finished restore taken for an
// interrupted one). A job on a local node in a temporary backups directory; the backup is made
// by the real job script with this machine's sh and GNU tar, mtimes pinned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster } from '../../src/core/cluster';
import { parseSettings } from '../../src/core/config';
import { BackupJobs } from '../../src/core/backup/jobs';
import { jobPaths, restoreId, restorePaths, serializeJobFile } from '../../src/core/backup/jobFile';
import { CANCELLED_EXIT, jobArgv } from '../../src/core/backup/jobScript';
import type { JobRecord } from '../../src/core/backup/types';
import { backupJob } from '../helpers/builders';

const NAME = 'datarobot-gluster-backup-2026-04-12.tar';

function withLocalNode(fn: (dir: string, jobs: BackupJobs) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-late-cancel-'));
    const backups = path.join(dir, 'backups');
    fs.mkdirSync(backups);
    const { settings } = parseSettings({ backupDir: backups, nodes: [{ name: 'here', dockerSocket: path.join(dir, 'no-docker.sock') }] });
    const cluster = new Cluster(settings);
    try {
      await fn(dir, new BackupJobs(cluster));
    } finally {
      cluster.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

function backupMadeByTheScript(dir: string, markerFirst: boolean): { record: JobRecord; p: ReturnType<typeof jobPaths> } {
  const src = path.join(dir, 'src');
  fs.mkdirSync(path.join(src, 'a'), { recursive: true });
  fs.writeFileSync(path.join(src, 'a', 'f'), 'data');
  for (const f of ['a/f', 'a']) fs.utimesSync(path.join(src, f), 1700000000, 1700000000);
  const backups = path.join(dir, 'backups');
  const p = jobPaths(backups, NAME);
  const record = backupJob({ node: 'here' }, { dir: backups, archive: NAME });
  fs.writeFileSync(p.job, serializeJobFile(record));
  if (markerFirst) fs.writeFileSync(p.cancel, 'asked\n');
  const [cmd, ...args] = jobArgv(p, src, undefined, '0600');
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  // A marker there before tar started: the script runs no tar and says so by its exit.
  assert.match(fs.readFileSync(p.status, 'utf8'), markerFirst ? new RegExp(`^exit ${CANCELLED_EXIT} `) : /^exit 0 /);
  return { record, p };
}

test(
  'a backup the script finished before the cancel came is completed, with its archive',
  withLocalNode(async (dir, jobs) => {
    const { record, p } = backupMadeByTheScript(dir, false);
    const bytes = fs.readFileSync(p.archive);
    fs.writeFileSync(p.cancel, 'asked too late\n');
    const seen = await jobs.observe(record);
    assert.deepEqual([seen.state, seen.archiveBytes, seen.reason], ['completed', bytes.length, undefined]);
    assert.deepEqual(fs.readFileSync(p.archive), bytes, 'the archive untouched');
    assert.equal(fs.existsSync(p.cancel), false, 'the late marker is gone with the status file');
    assert.equal((JSON.parse(fs.readFileSync(p.job, 'utf8')) as JobRecord).state, 'completed');
  }),
);

test(
  'a backup whose script found the marker is cancelled: no archive',
  withLocalNode(async (dir, jobs) => {
    const { record, p } = backupMadeByTheScript(dir, true);
    assert.equal(fs.existsSync(p.archive), false);
    const seen = await jobs.observe(record);
    assert.deepEqual([seen.state, seen.reason], ['cancelled', 'cancelled by the operator before tar started; nothing was written']);
  }),
);

test(
  'a restore: tar exit 0 with a marker is a finished restore; tar killed by the cancel (143) is cancelled',
  withLocalNode(async (dir, jobs) => {
    const backups = path.join(dir, 'backups');
    for (const [code, state] of [
      [0, 'completed'],
      [143, 'cancelled'],
    ] as const) {
      const id = restoreId(NAME, new Date(Date.UTC(2026, 11, 4, 10, 0, code === 0 ? 0 : 1)));
      const p = restorePaths(backups, id);
      const record: JobRecord = {
        version: 1,
        kind: 'restore',
        id,
        node: 'here',
        state: 'running',
        archive: p.archive,
        log: p.log,
        compression: 'none',
        source: p.archive,
        container: 'gluster',
        startedAt: '2026-12-04T10:00:00.000Z',
        overrides: [],
        restore: { target: '/mnt/gluster', members: [], policy: 'skip', bytesToWrite: 4, archiveBytes: 10240 },
      };
      fs.writeFileSync(p.job, serializeJobFile(record));
      fs.writeFileSync(p.log, '');
      fs.writeFileSync(p.status, `exit ${code} 1764842400.5\n`);
      fs.writeFileSync(p.cancel, 'asked\n');
      const seen = await jobs.observe(record);
      assert.equal(seen.state, state, `tar exit ${code}: ${seen.reason}`);
    }
  }),
);
