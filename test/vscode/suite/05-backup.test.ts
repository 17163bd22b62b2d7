// Back Up…, Show Backup Progress (the webview and its messages), Show Backup Log and Cancel
// Backup, on the real test bed: tar runs in node1's gluster container.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { PanelExchange } from '../../../src/extension/progress/progressPanel';
import type { JobRecord } from '../../../src/core/backup/types';
import type { TrackedJob } from '../../../src/extension/backup/trackedJob';
import { jobKey } from '../../../src/extension/jobText';
import { activated, eventually } from '../helpers/extension';
import { backupsOn, cleanBackups, cliBackup, inGluster, onNode, unthrottle, waitHealthy } from '../helpers/testbed';
import { childRows, nodeRow } from '../helpers/tree';
import { Operator } from '../helpers/user';
import { BACKUPS, plantRunningJob } from '../../integration/helpers/plantedJob';
import { showRunningNotification } from '../../../src/extension/backup/jobNotifications';
import { assertReadOnly, panelTabs } from '../helpers/documents';

/**
 * Fewer CPUs for node1's container once tar runs: long enough to watch, and to cancel. Not
 * before: preflight measures the whole gluster filesystem (100k files after the integration
 * suite) and would crawl.
 */
function throttle(cpus: string): void {
  onNode('node1', ['docker', 'update', '--cpus', cpus, 'gluster']);
}

async function startBackup(user: Operator, cpus: string): Promise<TrackedJob> {
  const api = await activated();
  // A scan may track jobs found on other nodes meanwhile: wait for the one started here.
  const tracked = new Promise<TrackedJob>((resolve) => {
    const sub = api.monitor.onDidTrack((t) => {
      if (!t.startedHere) return;
      sub.dispose();
      resolve(t);
    });
  });
  user
    .will('quickPick', /Back Up \(1\/2\): compression/, 'Uncompressed')
    .will('quickPick', /^Back Up \(2\/2\) on node1: checks passed/, /Start the Backup on node1/);
  await vscode.commands.executeCommand('glusterBackup.backup', (await nodeRow(api, 'node1')).node);
  user.expectDone();
  const t = await Promise.race([tracked, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no job was tracked')), 5000))]);
  throttle(cpus);
  assert.equal(t.job().node, 'node1');
  return t;
}


describe('backup commands and the progress webview', function () {
  // Preflight measures, and tar reads, the whole volume: after the integration suite that is
  // 100k small files, several minutes over FUSE.
  this.timeout(900_000);
  let user: Operator;
  before(async () => {
    await waitHealthy();
    cleanBackups('node1');
    // 1.1 GB: a backup that lasts while node1's container is throttled (as in the integration suite).
    inGluster('node1', ['sh', '-c', 'mkdir -p /mnt/gluster/big && [ -s /mnt/gluster/big/big.bin ] || dd if=/dev/zero of=/mnt/gluster/big/big.bin bs=1M count=1100 status=none']);
    await vscode.commands.executeCommand('workbench.view.extension.glusterBackup');
  });
  beforeEach(() => (user = new Operator()));
  afterEach(() => {
    user.dispose();
    unthrottle('node1');
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    cleanBackups('node1');
  });

  it('Back Up… runs preflight, starts tar on the node and the panel follows it over webview messages, across a settings change', async () => {
    const api = await activated();
    let settingChanged = false;
    const traffic: PanelExchange[] = [];
    const sub = api.onDidExchange((e) => traffic.push(e));
    try {
      const t = await startBackup(user, '0.3');
      const job = t.job();
      assert.equal(job.state, 'running');
      assert.match(job.archive, /\/datarobot-gluster-backup-\d{4}-\d{2}-\d{2}(-\d+)?\.tar$/);
      // The job row stands in for its .partial under node1's backups.
      await eventually('the job row under node1 › backups', 20_000, async () => {
        const kids = await childRows(api, 'node1', /^backups$/);
        return kids.find((k) => k.contextValue === 'job:running' && /backing up/.test(k.description));
      });

      await vscode.commands.executeCommand('glusterBackup.showProgress', t.key);
      await eventually('the progress panel among the editor tabs', 10_000, () => panelTabs().length === 1);
      await eventually('the page to say ready and the host to answer with init', 30_000, () =>
        traffic.some((m) => m.from === 'page' && m.type === 'ready') && traffic.some((m) => m.from === 'host' && m.type === 'init' && m.jobId === job.id),
      );
      await eventually('live samples sent to the page', 60_000, () => traffic.some((m) => m.from === 'host' && (m.type === 'sample' || m.batched?.includes('sample'))));
      const note = await eventually('the running notification', 10_000, () => user.progressNotes.find((n) => n.title === `Backup ${job.id} on node1`));
      // A settings change mid-job makes a new Cluster: the job is found again on it, and the
      // notification and the panel follow that one to the end (they froze on the old one).
      await vscode.workspace.getConfiguration('glusterBackup').update('timeouts.connectMs', 4321, vscode.ConfigurationTarget.Global);
      settingChanged = true;
      const again = await eventually('the job found again on the new Cluster', 60_000, () => {
        const found = api.monitor.get(t.key);
        return found && found !== t && found.running ? found : undefined;
      });
      const heard = note.messages.length;
      await eventually('the notification to report new progress, of the job found again', 60_000, () => note.messages.slice(heard).some((m) => m !== note.messages[heard - 1]));
      unthrottle('node1');
      const final = await again.done;
      assert.equal(final?.state, 'completed', final?.reason);
      await eventually('the running notification to end with the job', 10_000, () => note.ended);
      await eventually('the final state sent to the page', 10_000, () => traffic.some((m) => m.from === 'host' && (m.type === 'state' || m.batched?.includes('state'))));
      await eventually('the panel title to say completed', 10_000, () => panelTabs()[0]?.label === 'Backup node1 · completed');
      // Showing it again reveals the same panel, which asks for a fresh init; a third time, the
      // same history (each Show Progress appended the whole history again before).
      const inits = () => traffic.filter((m) => m.from === 'host' && m.type === 'init' && m.jobId === job.id);
      const initsBefore = inits().length;
      await vscode.commands.executeCommand('glusterBackup.showProgress', t.key);
      assert.equal(panelTabs().length, 1);
      const second = await eventually('a fresh init', 30_000, () => inits()[initsBefore]);
      await vscode.commands.executeCommand('glusterBackup.showProgress', t.key);
      const third = await eventually('another init', 30_000, () => inits()[initsBefore + 1]);
      assert.ok((second.points ?? 0) > 1, `the history has points: ${second.points}`);
      assert.equal(third.points, second.points, 'the same history, not twice over');

      const name = job.archive.slice(job.archive.lastIndexOf('/') + 1);
      assert.ok(backupsOn('node1').includes(name), backupsOn('node1').join(', '));
      await eventually('the archive row under node1 › backups', 20_000, async () => {
        const kids = await childRows(api, 'node1', /^backups$/);
        return kids.find((k) => k.label === name && k.contextValue === 'archive');
      });
      const done = await eventually('the completion notification', 10_000, () => user.offered.find((n) => n.message.startsWith(`Backup ${job.id} on node1 completed: ${name}`)));
      assert.ok(done.message.endsWith('. tar exit 0: not yet validated.'), done.message);
      assert.deepEqual(done.items, ['Validate Now', 'Show Log', 'Show Progress']);
      assert.equal(user.offered.filter((n) => n.message.startsWith(`Backup ${job.id} on node1 `)).length, 1, 'one completion notification');
    } finally {
      sub.dispose();
      if (settingChanged) await vscode.workspace.getConfiguration('glusterBackup').update('timeouts.connectMs', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('Refresh looks for jobs again: one another client started after the first look shows up, and is followed to its end', async () => {
    const api = await activated();
    await api.monitor.ensureScanned();
    const dir = BACKUPS;
    const stem = 'datarobot-gluster-backup-2001-04-01';
    // Another client's running backup, as its files on the node say: tar's pid is a sleeper's.
    const { stop } = plantRunningJob(stem, '2001-04-01T00:00:00.000Z');
    try {
      assert.equal(api.monitor.get(`node1/${stem}`), undefined, 'not known before the refresh');
      await vscode.commands.executeCommand('glusterBackup.refresh');
      await eventually('its job row under node1 › backups', 20_000, async () => (await childRows(api, 'node1', /^backups$/)).find((k) => k.contextValue === 'job:running' && k.label.includes(stem)));
      // tar's end, as the script reports it: the window follows the job to it.
      onNode('node1', ['sh', '-c', 'printf "exit 2 986083260.0\\n" > "$1"', 'write', `${dir}/${stem}.status`]);
      const ended = await eventually('the job to end in the window', 30_000, () => {
        const t = api.monitor.get(`node1/${stem}`);
        return t && !t.running ? t.job() : undefined;
      });
      assert.equal(ended.state, 'failed', ended.reason);
    } finally {
      stop();
      cleanBackups('node1');
    }
  });

  it('a running notification whose job is not found again after a settings change (its node answered: another backups directory) ends', async () => {
    const api = await activated();
    await api.monitor.ensureScanned();
    const dir = BACKUPS;
    const stem = 'datarobot-gluster-backup-2001-04-02';
    // Another client's running backup, as its files on the node say: tar's pid is a sleeper's.
    const { stop } = plantRunningJob(stem, '2001-04-02T00:00:00.000Z');
    let changed = false;
    try {
      await vscode.commands.executeCommand('glusterBackup.refresh');
      const t = await eventually('the job followed', 20_000, () => api.monitor.get(`node1/${stem}`));
      showRunningNotification(api.monitor, t);
      const note = await eventually('its running notification', 10_000, () => user.progressNotes.find((n) => n.title === `Backup ${stem} on node1`));
      assert.equal(note.ended, false);
      // Another backups directory: node1 answers, and the job is not there.
      await vscode.workspace.getConfiguration('glusterBackup').update('backupDir', `${dir}/elsewhere`, vscode.ConfigurationTarget.Global);
      changed = true;
      await eventually('the notification to end: the job is not followed any more', 30_000, () => note.ended);
      assert.equal(api.monitor.get(`node1/${stem}`), undefined);
    } finally {
      if (changed) await vscode.workspace.getConfiguration('glusterBackup').update('backupDir', undefined, vscode.ConfigurationTarget.Global);
      stop();
      cleanBackups('node1');
    }
  });

  it('Cancel Backup asks, stops tar on the node and removes the partial archive', async () => {
    const api = await activated();
    const t = await startBackup(user, '0.2');
    const job = t.job();
    await eventually('the archive to grow', 60_000, () => (t.bytes ?? 0) > 0 || (t.job().state !== 'running' ? `ended: ${t.job().state}` : false));
    assert.equal(t.job().state, 'running', 'still running when the cancel comes');
    user.will('modal', new RegExp(`^Cancel the backup ${job.id} on node1\\?\\ntar is stopped on the node and the partial archive is deleted`), 'Cancel Backup');
    await vscode.commands.executeCommand('glusterBackup.cancelBackup', t.key);
    user.expectDone();
    const now = api.monitor.get(t.key);
    if (now?.job().state !== 'cancelled') {
      // Say what the operator saw and what the log holds of this job, not only the state.
      const log = Buffer.from(await vscode.workspace.fs.readFile(api.logFile)).toString('utf8');
      const lines = log.split('\n').filter((l) => l.includes(job.id)).slice(-15);
      assert.fail(`state after the cancel: ${now?.job().state} (${now === t ? 'same' : 'another'} tracked job; reason ${now?.job().reason})\nnotifications: ${user.notifications.join(' | ')}\nlog:\n${lines.join('\n')}`);
    }
    const left = backupsOn('node1');
    const partial = job.partial!.slice(job.partial!.lastIndexOf('/') + 1);
    assert.ok(!left.includes(partial), `the partial archive is gone: ${left.join(', ')}`);
    assert.equal(inGluster('node1', ['sh', '-c', 'pgrep -x tar || true']).stdout.trim(), '', 'no tar left running');
    await eventually('the cancel notification', 15_000, () => user.notifications.find((n) => n.startsWith(`Backup ${job.id} on node1 was cancelled`)));
  });

  it('two cancels of one backup at once (Cancel Job twice, and its panel): one request reaches the node, the others wait for it, and the backup ends cancelled', async () => {
    const api = await activated();
    const t = await startBackup(user, '0.2');
    const job = t.job();
    await eventually('the archive to grow', 60_000, () => (t.bytes ?? 0) > 0 || (t.job().state !== 'running' ? `ended: ${t.job().state}` : false));
    assert.equal(t.job().state, 'running', 'still running when the cancels come');
    const ask = new RegExp(`^Cancel the backup ${job.id} on node1\\?`);
    user.will('modal', ask, 'Cancel Backup').will('modal', ask, 'Cancel Backup');
    const commands = [vscode.commands.executeCommand('glusterBackup.cancelBackup', t.key), vscode.commands.executeCommand('glusterBackup.cancelBackup', t.key)];
    // A progress panel's Cancel, confirmed in its page, goes to the monitor directly (progressWiring).
    const panel = api.monitor.cancel(t.job());
    const again = api.monitor.cancel(t.nodeRecord());
    assert.equal(again, panel, 'a second cancel of the job gets the one in flight');
    const [final] = await Promise.all([panel, ...commands]);
    user.expectDone();
    assert.equal(final.state, 'cancelled', final.reason);
    assert.equal(api.monitor.get(t.key)?.job().state, 'cancelled');
    assert.deepEqual(user.notifications.filter((n) => /^Could not cancel|before the cancel took effect/.test(n)), []);
    await eventually('the cancel notification', 15_000, () => user.notifications.find((n) => n.startsWith(`Backup ${job.id} on node1 was cancelled`)));
    const requested = (text: string) => text.split('\n').filter((l) => l.includes(`[node1] backup ${job.id}: cancel requested`)).length;
    const log = await eventually('the cancel request in the log', 10_000, async () => {
      const text = Buffer.from(await vscode.workspace.fs.readFile(api.logFile)).toString('utf8');
      return requested(text) > 0 ? text : undefined;
    });
    assert.equal(requested(log), 1, 'one cancel request was sent');
    assert.equal(inGluster('node1', ['sh', '-c', 'pgrep -x tar || true']).stdout.trim(), '', 'no tar left running');
  });

  it('Cancel on the running notification, declined while a settings change replaces the job: the notification comes back and follows the job', async () => {
    const api = await activated();
    const t = await startBackup(user, '0.2');
    const job = t.job();
    const title = `Backup ${job.id} on node1`;
    const note = await eventually('the running notification', 10_000, () => user.progressNotes.find((n) => n.title === title));
    assert.ok(note.cancel, 'the running notification has a Cancel button');
    let settingChanged = false;
    try {
      // The operator reads the modal while the settings change; then keeps the backup.
      user.will('modal', new RegExp(`^Cancel the backup ${job.id} on node1\\?`), undefined, async () => {
        await vscode.workspace.getConfiguration('glusterBackup').update('timeouts.connectMs', 4322, vscode.ConfigurationTarget.Global);
        settingChanged = true;
        await eventually('the job found again on the new Cluster', 60_000, () => {
          const found = api.monitor.get(t.key);
          return found && found !== t && found.running;
        });
      });
      note.cancel();
      const back = await eventually('the running notification shown again', 60_000, () => user.progressNotes.find((n) => n !== note && n.title === title));
      user.expectDone();
      assert.equal(note.ended, true);
      const now = api.monitor.get(t.key)!;
      assert.ok(now !== t && now.running, 'the backup goes on, followed on the new Cluster');
      assert.equal(back.ended, false);
      // It follows the job found again: it ends with it.
      await api.monitor.cancel(now.nodeRecord());
      await eventually('the notification shown again to end with the job', 15_000, () => back.ended);
    } finally {
      if (settingChanged) await vscode.workspace.getConfiguration('glusterBackup').update('timeouts.connectMs', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  // Each of these may run alone (GB_VSCODE_GREP): the completed backup they act on is made here,
  // by the CLI as an operator's terminal makes one, never taken from the first test. This
  // window has not followed it: the command finds the job on the node by its key.
  describe('on a completed backup made by the CLI', () => {
    let made: JobRecord;
    let name: string;
    before(async () => {
      made = cliBackup();
      assert.ok(made.state === 'completed' || made.state === 'completedWithWarnings', `${made.state}: ${made.reason}`);
      name = made.archive.slice(made.archive.lastIndexOf('/') + 1);
      const api = await activated();
      await vscode.commands.executeCommand('glusterBackup.refresh', (await nodeRow(api, 'node1')).node);
    });

    it('Show Backup Log writes the job’s tar log into the output channel', async () => {
      const api = await activated();
      await vscode.commands.executeCommand('glusterBackup.showBackupLog', jobKey(made));
      assert.ok(api.monitor.get(jobKey(made)), 'the job found on node1 is tracked');
      // VS Code writes the channel to its file a moment after the lines are logged.
      const head = new RegExp(`\\[node1\\] ----- backup ${made.id}: .*\\.log -----`);
      const foot = new RegExp(`\\[node1\\] ----- backup ${made.id}: (\\d+ lines|the log is empty: tar printed nothing) -----`);
      const text = await eventually('the job’s log in the channel’s file', 10_000, async () => {
        const t = Buffer.from(await vscode.workspace.fs.readFile(api.logFile)).toString('utf8');
        return foot.test(t) ? t : undefined;
      });
      assert.match(text, head);
      assert.match(text, foot);
    });

    it('Validate Backup from the palette offers the archives on the nodes as they are now, not as the tree last saw them', async () => {
      const api = await activated();
      await eventually(`the archive row ${name} under node1 › backups`, 30_000, async () => (await childRows(api, 'node1', /^backups$/)).find((k) => k.label === name));
      // Copied in by hand after the tree's last look: only a fresh listing knows it.
      const copy = 'datarobot-gluster-backup-2001-05-01.tar';
      const dir = made.archive.slice(0, made.archive.lastIndexOf('/'));
      onNode('node1', ['cp', made.archive, `${dir}/${copy}`]);
      try {
        assert.ok(!(api.session.cluster!.status('node1')?.backups ?? []).some((b) => b.name === copy), 'the tree has not seen the copy');
        user.will('quickPick', /Validate Backup: which archive\?[^]*datarobot-gluster-backup-2001-05-01\.tar/, copy);
        const result = await vscode.commands.executeCommand<{ archive?: string } | undefined>('glusterBackup.validateBackup');
        user.expectDone();
        assert.equal(result?.archive, `${dir}/${copy}`);
      } finally {
        onNode('node1', ['sh', '-c', 'rm -f "$1" "$1".validation.json', 'rm', `${dir}/${copy}`]);
      }
    });

    it('Validate Backup on the archive row opens the report and logs its summary', async () => {
      const api = await activated();
      const row = await eventually(`the archive row ${name} under node1 › backups`, 30_000, async () =>
        (await childRows(api, 'node1', /^backups$/)).find((k) => k.label === name && k.contextValue === 'archive'),
      );
      const result = await vscode.commands.executeCommand<{ archive?: unknown } | undefined>('glusterBackup.validateBackup', row.node);
      assert.ok(result, 'the command returned no result');
      const editor = vscode.window.activeTextEditor;
      assert.ok(editor, 'no report editor');
      assert.ok(editor.document.lineAt(0).text.startsWith(`# Validation of ${name}`), editor.document.lineAt(0).text);
      await assertReadOnly(editor);
      const log = Buffer.from(await vscode.workspace.fs.readFile(api.logFile)).toString('utf8');
      assert.match(log, new RegExp(`\\[info\\] validate ${name.replace(/\./g, '\\.')}`));
    });
  });
});
