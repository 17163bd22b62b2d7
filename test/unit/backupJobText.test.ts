// The words and numbers the extension shows about backup jobs (tree, status bar, final notification).
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobRecord } from '../../src/core/backup/types';
import type { VolumeHealth } from '../../src/core/model';
import { finalMessage, hasReplicaVolume, jobContextValue, jobPercent, partialOfJob, REPLICA_NOTE, statusBarText } from '../../src/extension/backup/jobText';

function job(over: Partial<JobRecord> = {}): JobRecord {
  return {
    version: 1,
    kind: 'backup',
    id: 'datarobot-gluster-backup-2024-05-03',
    node: 'node1',
    state: 'running',
    archive: '/backups/datarobot-gluster-backup-2024-05-03.tar',
    partial: '/backups/datarobot-gluster-backup-2024-05-03.tar.partial',
    log: '/backups/datarobot-gluster-backup-2024-05-03.log',
    compression: 'none',
    source: '/mnt/gluster',
    container: 'gluster',
    startedAt: '2024-03-05T10:00:00.000Z',
    overrides: [],
    ...over,
  };
}

const vol = (type: string): VolumeHealth => ({ name: 'v', type, status: 'Started', bricks: 2, bricksOnline: 2, brickList: [], peersConnected: 1, peersTotal: 1, problems: [] });

test('percent is archive bytes over the expected archive (gzip: 80% of the source)', () => {
  assert.equal(jobPercent(job({ sourceBytes: 1000 }), 420), 42);
  assert.equal(jobPercent(job({ sourceBytes: 1000, compression: 'gzip' }), 400), 50);
  assert.equal(jobPercent(job(), 400), undefined, 'no target measured');
  assert.equal(jobPercent(job({ sourceBytes: 1000 }), 5000), 99, 'a running job never shows 100%');
  assert.equal(jobPercent(job({ sourceBytes: 1000, state: 'completed' }), 900), 100);
});

test('status bar: percent and node for one job, a count for several', () => {
  assert.equal(statusBarText([]), undefined);
  assert.equal(statusBarText([{ job: job({ sourceBytes: 100 }), bytes: 42 }]), '$(sync~spin) Backup 42% node1');
  assert.equal(statusBarText([{ job: job() }]), '$(sync~spin) Backup node1');
  assert.equal(statusBarText([{ job: job() }, { job: job({ id: 'b' }) }]), '$(sync~spin) 2 backups');
});

test('job rows: contextValue job:<state>, and the .partial they stand for', () => {
  assert.equal(jobContextValue(job()), 'job:running');
  const j = job();
  assert.equal(partialOfJob('/backups/datarobot-gluster-backup-2024-05-03.tar.partial', [j]), j);
  assert.equal(partialOfJob('/backups/datarobot-gluster-backup-2024-05-02.tar.partial', [j]), undefined);
});

test('final notification: warnings counted, replica false positive mentioned only when it applies', () => {
  assert.ok(hasReplicaVolume([vol('Distribute'), vol('Distributed-Replicate')]));
  assert.ok(!hasReplicaVolume([vol('Distribute')]));
  const warned = job({ state: 'completedWithWarnings', warnings: { changed: 3, removed: 1 }, archiveBytes: 2048 });
  const m = finalMessage(warned, true);
  assert.equal(m.severity, 'warning');
  assert.match(m.text, /4 warnings \(3 changed as read, 1 removed before read\)/);
  assert.ok(m.text.includes(REPLICA_NOTE));
  assert.ok(!finalMessage(warned, false).text.includes(REPLICA_NOTE));
  assert.ok(!finalMessage(job({ state: 'completedWithWarnings', warnings: { removed: 1 } }), true).text.includes(REPLICA_NOTE));
  // Live counts stand in when the record has none (its log could not be read).
  assert.match(finalMessage(job({ state: 'completedWithWarnings' }), false, { changed: 2 }).text, /2 warnings/);
  assert.deepEqual(finalMessage(job({ state: 'failed', reason: 'tar failed: boom' }), false), { severity: 'error', text: 'Backup datarobot-gluster-backup-2024-05-03 on node1 failed: tar failed: boom.' });
  assert.equal(finalMessage(job({ state: 'completed' }), false).severity, 'info');
  assert.match(finalMessage(job({ state: 'cancelled' }), false).text, /cancelled/);
});
