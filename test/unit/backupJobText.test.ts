// The words and numbers the extension shows about backup jobs (tree, status bar, final notification).
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobRecord } from '../../src/core/backup/types';
import type { VolumeHealth } from '../../src/core/model';
import { backupJob } from '../helpers/builders';
import { FINAL_ACTIONS, bytesVerb, cancelDetail, finalActions, finalMessage, hasReplicaVolume, jobContextValue, jobPercent, kindWord, partialOfJob, progressTarget, REPLICA_NOTE, runningText, statusBarText } from '../../src/extension/jobText';

const job = (over: Partial<JobRecord> = {}): JobRecord => backupJob(over);

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
  // A backup that left an archive says tar's exit and that nothing checked it yet, and offers Validate Now.
  const done = finalMessage(job({ state: 'completed', exitCode: 0 }), false);
  assert.ok(done.text.endsWith('. tar exit 0: not yet validated.'), done.text);
  assert.equal(done.validate, true);
  const warnedDone = finalMessage(job({ state: 'completedWithWarnings', exitCode: 1, warnings: { changed: 1 } }), false);
  assert.ok(warnedDone.text.endsWith(' tar exit 1: not yet validated.'), warnedDone.text);
  assert.equal(warnedDone.validate, true);
  // A completed job with a reason (sync could not flush the published archive's name) says it, as a warning.
  const why = 'the archive is published as /b/x.tar, but sync could not flush its name to disk (sync: error syncing \'/b/\': Input/output error): the host going down before its own flush could lose them; validate the archive before relying on it';
  assert.deepEqual(finalMessage(job({ state: 'completed', exitCode: 0, reason: why }), false), {
    severity: 'warning',
    text: `Backup datarobot-gluster-backup-2024-05-03 on node1 completed: datarobot-gluster-backup-2024-05-03.tar. ${why}. tar exit 0: not yet validated.`,
    validate: true,
  });
  assert.ok(finalMessage(job({ state: 'completedWithWarnings', exitCode: 1, warnings: { changed: 1 }, reason: why }), false).text.endsWith(` ${why}. tar exit 1: not yet validated.`));
  assert.equal(finalMessage(job({ state: 'failed', exitCode: 2 }), false).validate, undefined);
  assert.equal(finalMessage(job({ state: 'cancelled' }), false).validate, undefined);
  assert.match(finalMessage(job({ state: 'cancelled' }), false).text, /cancelled/);
});

/** A restore of the 2024-05-03 archive (1000 bytes) into a subdirectory, as startRestore records it. */
function restore(over: Partial<JobRecord> = {}): JobRecord {
  return job({
    kind: 'restore',
    id: 'datarobot-gluster-backup-2024-05-03.tar.restore-20240503T101500Z',
    partial: undefined,
    log: '/backups/datarobot-gluster-backup-2024-05-03.tar.restore-20240503T101500Z.log',
    source: '/backups/datarobot-gluster-backup-2024-05-03.tar',
    restore: { target: '/mnt/gluster/back', members: [], policy: 'refuse', bytesToWrite: 600, archiveBytes: 1000 },
    ...over,
  });
}

test('a restore measures tar\'s read position against the archive size, exactly, from the start', () => {
  assert.deepEqual(progressTarget(restore()), { bytes: 1000, estimated: false });
  assert.deepEqual(progressTarget(restore({ compression: 'gzip', sourceBytes: 5000 })), { bytes: 1000, estimated: false }, 'the compressed file is what tar reads');
  assert.equal(jobPercent(restore(), 420), 42);
  assert.equal(jobPercent(restore(), 1000), 99, 'running: never 100%');
  assert.equal(jobPercent(restore({ state: 'completed' }), 1000), 100);
  assert.equal(jobPercent(restore({ restore: undefined }), 420), undefined, 'a restore without its spec has no target');
  assert.deepEqual(progressTarget(job({ sourceBytes: 1000, compression: 'gzip' })), { bytes: 800, estimated: true });
  assert.equal(progressTarget(job()), undefined);
});

test('restore words: status bar, kinds running, cancel, bytes', () => {
  assert.equal(statusBarText([{ job: restore(), bytes: 420 }]), '$(sync~spin) Restore 42% node1');
  assert.equal(statusBarText([{ job: restore() }, { job: restore({ id: 'x' }) }]), '$(sync~spin) 2 restores');
  assert.equal(statusBarText([{ job: restore() }, { job: job() }]), '$(sync~spin) 2 jobs');
  assert.equal(runningText(['backup']), 'backup running');
  assert.equal(runningText(['restore']), 'restore running');
  assert.equal(runningText(['backup', 'backup']), '2 backups running');
  assert.equal(runningText(['restore', 'backup', 'restore']), '1 backup and 2 restores running');
  assert.equal(kindWord(restore()), 'Restore');
  assert.equal(kindWord(job()), 'Backup');
  assert.equal(bytesVerb(restore()), 'read of the archive');
  assert.equal(bytesVerb(job()), 'written');
  assert.match(cancelDetail('restore'), /what it has restored so far stays/);
  assert.doesNotMatch(cancelDetail('restore'), /deleted/);
  assert.equal(cancelDetail('backup'), 'tar is stopped on the node and the partial archive is deleted.');
  assert.equal(jobContextValue(restore()), 'job:running', 'the job row menus (progress, log, cancel) apply to restores as they are');
});

test('a restore that failed or was cancelled says where it restored to', () => {
  assert.deepEqual(finalMessage(restore({ state: 'failed', reason: 'tar: x: Cannot open; what it wrote stays' }), true), {
    severity: 'error',
    text: 'Restore of datarobot-gluster-backup-2024-05-03.tar into /mnt/gluster/back on node1 failed: tar: x: Cannot open; what it wrote stays.',
  });
  const c = finalMessage(restore({ state: 'cancelled', reason: 'cancelled by the operator' }), false);
  assert.deepEqual(c, { severity: 'info', text: 'Restore of datarobot-gluster-backup-2024-05-03.tar into /mnt/gluster/back on node1 was cancelled: cancelled by the operator.' });
  assert.equal(finalMessage(restore({ state: 'completed' }), false).severity, 'info');
});

test("final notification's buttons: Validate Now for a new archive, Publish Kept Archive… for a backup that kept its archive as its partial, else the log and progress alone", () => {
  const rest = [FINAL_ACTIONS.log, FINAL_ACTIONS.progress];
  const done = job({ state: 'completed', exitCode: 0 });
  assert.deepEqual(finalActions(done, finalMessage(done, false)), [FINAL_ACTIONS.validate, ...rest]);
  const kept = job({ state: 'failed', exitCode: 3, kept: true, reason: 'tar exit 0, but x already exists and is never overwritten: the complete archive is kept as /backups/datarobot-gluster-backup-2024-05-03.tar.partial' });
  assert.deepEqual(finalActions(kept, finalMessage(kept, false)), [FINAL_ACTIONS.publish, ...rest]);
  // A record from before the field says it in its reason alone.
  const { kept: _k, ...older } = kept;
  assert.deepEqual(finalActions(older, finalMessage(older, false)), [FINAL_ACTIONS.publish, ...rest]);
  const failed = job({ state: 'failed', reason: 'tar failed: boom' });
  assert.deepEqual(finalActions(failed, finalMessage(failed, false)), rest);
  assert.equal(FINAL_ACTIONS.publish, 'Publish Kept Archive…');
});
