// Two observers of one job in one process (the follower and a cancel waiting for the end) must
// not both finalise it: the second found the first's files gone ("No such file") and the
// operator saw "Could not cancel" for a job that was cancelled. A job on a local node in a
// temporary backups directory: its files are real, nothing is doubled.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster } from '../../src/core/cluster';
import { parseSettings } from '../../src/core/config';
import { BackupJobs } from '../../src/core/backup/jobs';
import { jobPaths } from '../../src/core/backup/jobFile';
import type { JobRecord } from '../../src/core/backup/types';
import { backupJob } from '../helpers/builders';

test('concurrent observes of an ended job share one finalisation', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-observe-'));
  const { settings } = parseSettings({ backupDir: dir, nodes: [{ name: 'here', dockerSocket: path.join(dir, 'no-docker.sock') }] });
  const cluster = new Cluster(settings);
  try {
    const p = jobPaths(dir, 'datarobot-gluster-backup-2026-29-11.tar');
    const record: JobRecord = backupJob({ node: 'here' }, { dir, archive: 'datarobot-gluster-backup-2026-29-11.tar' });
    // What the job script leaves after a cancelled tar (SIGTERM: 143).
    fs.writeFileSync(p.job, JSON.stringify(record));
    fs.writeFileSync(p.log, '');
    fs.writeFileSync(p.cancel, 'x\n');
    fs.writeFileSync(p.status, 'exit 143\n');
    const logged: string[] = [];
    cluster.on('log', (l: { message: string }) => logged.push(l.message));
    const jobs = new BackupJobs(cluster);
    const [a, b] = await Promise.all([jobs.observe(record), jobs.observe({ ...record })]);
    assert.equal(a.state, 'cancelled', a.reason);
    assert.deepEqual(b, a);
    assert.equal(logged.filter((m) => m.includes('cancelled')).length, 1, logged.join('\n'));
    const saved = JSON.parse(fs.readFileSync(p.job, 'utf8')) as JobRecord;
    assert.equal(saved.state, 'cancelled');
    assert.deepEqual(fs.readdirSync(dir).sort(), [path.basename(p.job), path.basename(p.log)].sort(), 'status and marker removed, no temporary file left');
    // A later look reads the record on the node, not a stale shared one.
    assert.equal((await jobs.observe(record)).state, 'cancelled');
  } finally {
    cluster.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
