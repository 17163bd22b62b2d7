// Restore… on the real test bed: an archive of gv0 made by the CLI, restored from its tree row
// into a subdirectory (plan, modal, the job followed like a backup, the verification report),
// a restore refused from the palette that writes nothing, a refusal a reason can lift (a brick
// down) overridden up to the modal, where the operator stops it, a plan that changes while the
// modal waits (nothing starts), a restore cancelled, and one that ends while its node is out of
// the settings (verified once it is back).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JobRecord } from '../../../src/core/backup/types';
import type { TrackedJob } from '../../../src/extension/backup/trackedJob';
import type { PanelExchange } from '../../../src/extension/progress/progressPanel';
import { manifest } from '../../integration/helpers/trees';
import { activated, eventually } from '../helpers/extension';
import { backupsOn, cleanBackups, cliBackup, inGluster, onNode, testbed, unthrottle, waitHealthy } from '../helpers/testbed';
import { panelTabs } from '../helpers/documents';
import { childRows, nodeRow } from '../helpers/tree';
import { Operator } from '../helpers/user';

const SOURCE = '/mnt/gluster/vsc-restore';
const TARGET = 'vsc-restored';
const TARGET_DIR = `/mnt/gluster/${TARGET}`;
const DIR = '/opt/datarobot/data/backups/gluster';

const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const cfg = () => vscode.workspace.getConfiguration('glusterBackup');

/** A few files, a directory, a symlink, pinned mtimes and modes; one 64 MiB file of random bytes so that tar writes long enough to be watched under a CPU throttle. */
const TREE = String.raw`
set -e
rm -rf "$1"; mkdir -p "$1/dir/sub"; cd "$1"
printf one > one; printf two > dir/two; printf deep > dir/sub/deep
ln -s one link
head -c 67108864 /dev/urandom > dir/blob.bin
chmod 0640 one; touch -d @1700000000 one dir/two
`;


/** Every entry under the volume's test directories and the backups directory with its ctime: any write shows. */
function fingerprint(): string {
  const vol = inGluster('node1', ['sh', '-c', 'find "$1" "$2" -printf "%C@ %s %y %p\\n" | LC_ALL=C sort', 'fp', SOURCE, TARGET_DIR]).stdout;
  const dir = onNode('node1', ['sh', '-c', 'find "$1" -printf "%C@ %s %p\\n" | LC_ALL=C sort', 'fp', DIR]).stdout;
  return vol + dir;
}


describe('restore from VS Code', function () {
  this.timeout(600_000);
  let user: Operator;
  let archive: JobRecord;
  let name: string;
  before(async () => {
    await waitHealthy();
    cleanBackups('node1');
    inGluster('node1', ['rm', '-rf', TARGET_DIR]);
    inGluster('node1', ['sh', '-c', TREE, 'tree', SOURCE]);
    archive = cliBackup();
    name = path.posix.basename(archive.archive);
    await vscode.commands.executeCommand('workbench.view.extension.glusterBackup');
  });
  beforeEach(() => (user = new Operator()));
  afterEach(() => {
    user.dispose();
    unthrottle('node1');
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    inGluster('node1', ['rm', '-rf', SOURCE, TARGET_DIR]);
    // The targets of the tests that restore into TARGET_DIR-<suffix>.
    inGluster('node1', ['sh', '-c', 'rm -rf "$1"-*', 'rm', TARGET_DIR]);
    cleanBackups('node1');
  });

  /**
   * The jobs the window tracks once it has scanned the nodes. The jobs already there (the CLI
   * backup of before()) are known first: run alone, the window's first scan would otherwise
   * track them during the command under test and be counted as started by it.
   */
  async function trackedAfterScan(api: Awaited<ReturnType<typeof activated>>): Promise<number> {
    await api.monitor.scan();
    return api.monitor.all().length;
  }

  /** The row of the archive made in before(), once node1's backups were read again. */
  async function archiveRow() {
    const api = await activated();
    await vscode.commands.executeCommand('glusterBackup.refresh', (await nodeRow(api, 'node1')).node);
    return eventually('the new archive row under node1 › backups', 30_000, async () => (await childRows(api, 'node1', /^backups$/)).find((k) => k.label === name && k.contextValue === 'archive'));
  }

  /**
   * Restore… of vsc-restore from the archive row into TARGET_DIR-<suffix> (not there yet),
   * existing entries refused, confirmed: the job this window started.
   */
  async function restoreFromRow(suffix: string, beforeConfirming?: () => unknown): Promise<TrackedJob> {
    const row = await archiveRow();
    const r = re(name);
    const dir = `${TARGET_DIR}-${suffix}`;
    inGluster('node1', ['rm', '-rf', dir]);
    user
      .will('quickPick', new RegExp(`^Restore ${r} \\(1/3\\)`), 'Refuse')
      .will('quickPick', new RegExp(`^Restore ${r} \\(2/3\\): into`), 'A subdirectory…')
      .will('input', new RegExp(`^Restore ${r} \\(2/3\\): subdirectory`), `${TARGET}-${suffix}`)
      .will('input', new RegExp(`^Restore ${r} \\(3/3\\)`), 'vsc-restore')
      .will('quickPick', new RegExp(`^Restore ${r} into ${re(dir)} on node1: can go ahead`), /^\$\(play\) Restore into/)
      .will('modal', new RegExp(`^Restore ${r} into ${re(dir)} on node1\\?`), 'Restore', beforeConfirming);
    const t = await vscode.commands.executeCommand<TrackedJob | undefined>('glusterBackup.restore', row.node);
    user.expectDone();
    assert.ok(t, `the command started no job; notifications: ${user.notifications.join(' | ')}`);
    return t;
  }

  const restoreJobs = () => backupsOn('node1').filter((f) => /\.restore-\d{8}T\d{6}Z\.job\.json$/.test(f));

  it('Restore… on the archive row: plan, a modal naming node, target and volume, the job followed, then verified', async () => {
    const api = await activated();
    const traffic: PanelExchange[] = [];
    const sub = api.onDidExchange((e) => traffic.push(e));
    try {
      const row = await archiveRow();
      const r = re(name);
      user
        .will('quickPick', new RegExp(`^Restore ${r} \\(1/3\\): files and links that exist in the target`), 'Refuse')
        .will('quickPick', new RegExp(`^Restore ${r} \\(2/3\\): into`), 'A subdirectory…')
        .will('input', new RegExp(`^Restore ${r} \\(2/3\\): subdirectory`), TARGET)
        .will('input', new RegExp(`^Restore ${r} \\(3/3\\): only these paths`), 'vsc-restore')
        .will('quickPick', new RegExp(`^Restore ${r} into ${re(TARGET_DIR)} on node1: can go ahead`), /^\$\(play\) Restore into/)
        .will('modal', new RegExp(`^Restore ${r} into ${re(TARGET_DIR)} on node1\\?\\nNode node1: tar extracts in its gluster container into ${re(TARGET_DIR)} \\(created\\), on volume gv0 `), 'Restore');
      const t = await vscode.commands.executeCommand<TrackedJob | undefined>('glusterBackup.restore', row.node);
      user.expectDone();
      assert.ok(t, 'the command started no job');
      // Seen at once, before the job can have ended: the status bar follows the monitor synchronously.
      assert.match(api.jobStatusBar() ?? '(hidden)', /^\$\(sync~spin\) Restore( \d+%)? node1$/);
      onNode('node1', ['docker', 'update', '--cpus', '0.2', 'gluster']);

      // The plan the operator saw: 8 entries to write (the directory, 2 subdirectories, 4 files and a link), nothing in the way.
      const plan = user.asked.find((a) => a.kind === 'quickPick' && /can go ahead/.test(a.text))!.text;
      assert.match(plan, /\$\(new-file\) write 8 entries/);
      assert.doesNotMatch(plan, /in the way|\$\(error\)/);
      const modal = user.asked.find((a) => a.kind === 'modal')!.text;
      assert.match(modal, new RegExp(`From ${re(archive.archive)}, only vsc-restore\\.`));
      assert.match(modal, /Writes 8 new entries \(64 MiB\)\.\nOverwrites nothing\./);

      const job = t.job();
      assert.equal(job.kind, 'restore');
      assert.equal(job.node, 'node1');
      assert.equal(job.restore?.target, TARGET_DIR);
      assert.deepEqual(job.restore?.members, ['./vsc-restore']);
      assert.equal(job.restore?.policy, 'refuse');
      assert.match(job.id, new RegExp(`^${r}\\.restore-\\d{8}T\\d{6}Z$`));
      await eventually('the restore’s job row under node1 › backups', 10_000, async () =>
        (await childRows(api, 'node1', /^backups$/)).find((k) => k.contextValue === 'job:running' && /^restoring\b.*into \/mnt\/gluster\/vsc-restored/.test(k.description)),
      );

      await vscode.commands.executeCommand('glusterBackup.showProgress', t.key);
      await eventually('the progress panel among the editor tabs', 10_000, () => panelTabs().length === 1);
      await eventually('the page to say ready and the host to answer with init', 30_000, () =>
        traffic.some((m) => m.from === 'page' && m.type === 'ready') && traffic.some((m) => m.from === 'host' && m.type === 'init' && m.jobId === job.id),
      );
      unthrottle('node1');
      const final = await t.done;
      assert.equal(final?.state, 'completed', final?.reason);
      await eventually('the panel title to say completed', 10_000, () => panelTabs()[0]?.label === 'Restore node1 · completed');
      assert.equal(api.jobStatusBar(), undefined, 'nothing runs: the status bar item is hidden');

      // The verification, once, by this window: recorded in the job file, its report opened.
      const report = await eventually('the verification recorded in the job', 60_000, () => t.job().restore?.report);
      assert.equal(report, `${DIR}/${job.id}.json`);
      assert.equal(t.job().restore?.differences, 0);
      const saved = JSON.parse(onNode('node1', ['cat', report]).stdout) as { verdict: string; members: number; targetDir: string; archiveSide: string };
      // Started from this window: the plan's index of the unchanged archive served the verification.
      assert.deepEqual([saved.verdict, saved.members, saved.targetDir, saved.archiveSide], ['verified', 8, TARGET_DIR, 'plan']);
      await eventually('the verdict notification', 10_000, () => user.notifications.find((n) => n === `Restore into ${TARGET_DIR} on node1: verified, all 8 archive members are there as archived.`));
      const editor = await eventually('the report in an editor', 10_000, () => vscode.window.visibleTextEditors.find((e) => e.document.lineAt(0).text.startsWith('verified: ')));
      assert.equal(editor.document.lineAt(0).text, `verified: all 8 archive members are in ${TARGET_DIR} as archived (presence, type, permission bits and numeric owner of every member; size and mtime (to the second) of files; symlink targets)`);
      assert.match(editor.document.getText(), new RegExp(`report: ${re(report)} on node1`));
      const log = Buffer.from(await vscode.workspace.fs.readFile(api.logFile)).toString('utf8');
      assert.match(log, new RegExp(`\\[info\\] \\[node1\\] restore ${re(job.id)}: verified: all 8 archive members`));
      assert.match(log, new RegExp(`\\[info\\] \\[node1\\] restore plan: target   ${re(TARGET_DIR)} \\(does not exist yet: created\\) on volume gv0`));

      // The files themselves: names, types, modes, owners, mtimes, link targets and contents.
      assert.deepEqual(manifest('node1', `${TARGET_DIR}/vsc-restore`), manifest('node1', SOURCE));
    } finally {
      sub.dispose();
    }
  });

  it('Restore… from the palette into files that exist, policy refuse: the refusals shown, nothing started or written', async () => {
    const api = await activated();
    // The target holds the tree as the restore above leaves it, put there here so that this
    // test does not need that one to have run (a copy keeps the modes, owners and mtimes).
    inGluster('node1', ['sh', '-c', 'rm -rf "$2" && mkdir -p "$2" && cp -a "$1" "$2/"', 'seed', SOURCE, TARGET_DIR]);
    const restoreJobs = () => backupsOn('node1').filter((f) => /\.restore-\d{8}T\d{6}Z\.job\.json$/.test(f));
    const jobsBefore = restoreJobs();
    const before = fingerprint();
    const known = await trackedAfterScan(api);
    const r = re(name);
    const refused = new RegExp(`^Restore ${r} into ${re(TARGET_DIR)} on node1: refused \\(1 reason\\), nothing was written`);
    user
      .will('quickPick', /^Restore: which archive\?/, name)
      .will('quickPick', new RegExp(`^Restore ${r} \\(1/3\\)`), 'Refuse')
      .will('quickPick', new RegExp(`^Restore ${r} \\(2/3\\): into`), 'A subdirectory…')
      .will('input', new RegExp(`^Restore ${r} \\(2/3\\): subdirectory`), TARGET)
      .will('input', new RegExp(`^Restore ${r} \\(3/3\\)`), 'vsc-restore, vsc-restore/dir')
      .will('quickPick', refused, /Run the Checks Again/)
      .will('quickPick', refused, /Show Log/);
    const t = await vscode.commands.executeCommand<TrackedJob | undefined>('glusterBackup.restore');
    user.expectDone();
    assert.equal(t, undefined);
    const shown = user.asked.filter((a) => a.kind === 'quickPick' && refused.test(a.text));
    assert.equal(shown.length, 2, 'shown, and shown again after the checks ran again');
    for (const a of shown) {
      assert.match(a.text, /\n\$\(error\) 5 files or links the restore would write already exist in the target: choose --existing skip/);
      assert.match(a.text, /\n\$\(circle-slash\) in the way: vsc-restore\/dir\/blob\.bin\n/);
      assert.doesNotMatch(a.text, /\$\(play\)/, 'no way to start it');
    }
    const log = Buffer.from(await vscode.workspace.fs.readFile(api.logFile)).toString('utf8');
    assert.match(log, /\[warning\] \[node1\] restore of .* refused: 5 files or links the restore would write already exist in the target/);
    assert.equal(fingerprint(), before, 'nothing was written on the volume or beside the archive');
    assert.deepEqual(restoreJobs(), jobsBefore, 'no restore job was started');
    assert.equal(api.monitor.all().length, known, 'no job was tracked');
  });

  it('a brick down: the refusal offers its override, the reason is asked, the plan can go ahead, the modal still decides', async () => {
    const api = await activated();
    const row = await archiveRow();
    const before = fingerprint();
    const known = await trackedAfterScan(api);
    const r = re(name);
    testbed('kill-brick', 'node3');
    try {
      const refused = new RegExp(`^Restore ${r} into ${re(`${TARGET_DIR}-override`)} on node1: refused \\(1 reason\\), nothing was written`);
      const overridden = new RegExp(`^Restore ${r} into ${re(`${TARGET_DIR}-override`)} on node1: can go ahead with 1 check overridden`);
      user
        .will('quickPick', new RegExp(`^Restore ${r} \\(1/3\\)`), 'Refuse')
        .will('quickPick', new RegExp(`^Restore ${r} \\(2/3\\): into`), 'A subdirectory…')
        .will('input', new RegExp(`^Restore ${r} \\(2/3\\): subdirectory`), `${TARGET}-override`)
        .will('input', new RegExp(`^Restore ${r} \\(3/3\\)`), 'vsc-restore')
        .will('quickPick', refused, /Override "bricks"/)
        .will('input', /^Override "bricks"/, 'the operator knows the brick comes back')
        .will('quickPick', overridden, /^\$\(play\) Restore into/)
        .will('modal', new RegExp(`^Restore ${r} into ${re(`${TARGET_DIR}-override`)} on node1\\?`), undefined);
      const t = await vscode.commands.executeCommand<TrackedJob | undefined>('glusterBackup.restore', row.node);
      user.expectDone();
      assert.equal(t, undefined, 'stopped at the modal');
      const first = user.asked.find((a) => a.kind === 'quickPick' && refused.test(a.text))!;
      assert.match(first.text, /\n\$\(error\) 1 of 3 bricks of gv0 are offline: files placed on them would fail or land elsewhere \[bricks; --override bricks:"reason" to go ahead anyway\]/);
      const then = user.asked.find((a) => a.kind === 'quickPick' && overridden.test(a.text))!;
      assert.match(then.text, /\n\$\(unlock\) 1 of 3 bricks of gv0 are offline: .* \[bricks: overridden: the operator knows the brick comes back\]/);
      assert.match(then.text, /\n\$\(play\) Restore into \/mnt\/gluster\/vsc-restored-override on node1…\n/);
    } finally {
      testbed('start-bricks');
      await waitHealthy();
    }
    assert.equal(fingerprint(), before, 'nothing was written');
    assert.equal(api.monitor.all().length, known, 'no job was started');
  });

  it('the target changes while the modal waits: the restore does not start, the change is named, and the new plan is shown for review', async () => {
    const api = await activated();
    const row = await archiveRow();
    const r = re(name);
    const dir = `${TARGET_DIR}-changed`;
    inGluster('node1', ['rm', '-rf', dir]);
    const jobsBefore = restoreJobs();
    const known = await trackedAfterScan(api);
    try {
      user
        .will('quickPick', new RegExp(`^Restore ${r} \\(1/3\\)`), 'Overwrite existing')
        .will('quickPick', new RegExp(`^Restore ${r} \\(2/3\\): into`), 'A subdirectory…')
        .will('input', new RegExp(`^Restore ${r} \\(2/3\\): subdirectory`), `${TARGET}-changed`)
        .will('input', new RegExp(`^Restore ${r} \\(3/3\\)`), 'vsc-restore')
        .will('quickPick', new RegExp(`^Restore ${r} into ${re(dir)} on node1: can go ahead`), /^\$\(play\) Restore into/)
        // Confirmed as "overwrites nothing"; meanwhile a file the archive holds appears in the target.
        .will('modal', new RegExp(`^Restore ${r} into ${re(dir)} on node1\\?\\n[^]*Overwrites nothing\\.`), 'Restore', () =>
          inGluster('node1', ['sh', '-c', 'mkdir -p "$1/vsc-restore" && printf changed > "$1/vsc-restore/one"', 'seed', dir]),
        )
        .will('modal', new RegExp(`^The restore of ${r} did not start: its plan changed since you confirmed it\\.\\nWhat changed: overwrites 1 existing entry the confirmation did not list \\(1 in all, was 0\\)\\.\\nNothing was written\\.$`), 'Review the New Plan')
        .will('quickPick', new RegExp(`^Restore ${r} into ${re(dir)} on node1: can go ahead`), undefined);
      const t = await vscode.commands.executeCommand<TrackedJob | undefined>('glusterBackup.restore', row.node);
      user.expectDone();
      assert.equal(t, undefined, 'nothing was started');
      const review = user.asked.filter((a) => a.kind === 'quickPick' && /can go ahead/.test(a.text)).at(-1)!.text;
      assert.match(review, /\n\$\(new-file\) write 6 entries/);
      assert.match(review, /\n\$\(replace-all\) overwrite 1 entry/);
      assert.equal(inGluster('node1', ['cat', `${dir}/vsc-restore/one`]).stdout, 'changed', 'the file that appeared was not overwritten');
      assert.deepEqual(restoreJobs(), jobsBefore, 'no restore job was started');
      assert.equal(api.monitor.all().length, known, 'no job was tracked');
      const log = await eventually('the change in the log', 10_000, async () => {
        const text = Buffer.from(await vscode.workspace.fs.readFile(api.logFile)).toString('utf8');
        return /the plan changed since it was confirmed: overwrites 1 existing entry the confirmation did not list \(1 in all, was 0\)/.test(text) ? text : undefined;
      });
      assert.match(log, new RegExp(`\\[warning\\] \\[node1\\] restore of ${r} not started: the plan changed since it was confirmed: overwrites 1 existing entry the confirmation did not list \\(1 in all, was 0\\)`));
    } finally {
      inGluster('node1', ['rm', '-rf', dir]);
    }
  });

  it('a connection setting changed while the modal waits: the restore starts on the connections it was planned on, as confirmed, and they close once it started', async () => {
    const api = await activated();
    const dir = `${TARGET_DIR}-resettled`;
    const logSoFar = async () => Buffer.from(await vscode.workspace.fs.readFile(api.logFile)).toString('utf8');
    const logStart = (await logSoFar()).length;
    const planned = api.session.cluster;
    let changed = false;
    try {
      // The operator changes a timeout in another tab before answering the modal: the window reconnects.
      const t = await restoreFromRow('resettled', async () => {
        await cfg().update('timeouts.connectMs', 4324, vscode.ConfigurationTarget.Global);
        changed = true;
        await eventually('the Cluster rebuilt for the new setting', 30_000, () => api.session.cluster !== planned && api.session.cluster !== undefined);
      });
      const final = await t.done;
      assert.equal(final?.state, 'completed', final?.reason);
      assert.deepEqual(manifest('node1', `${dir}/vsc-restore`), manifest('node1', SOURCE));
      // VS Code writes the channel to its file on its own schedule: read until the close is there.
      const log = await eventually('the old connections closed in the log', 10_000, async () => {
        const text = (await logSoFar()).slice(logStart);
        return text.includes('the previous connections are closed: the last operation on them ended') ? text : undefined;
      });
      const kept = log.indexOf('the previous connections stay open until the operation on them ends (a read-data check; a restore being planned, confirmed, started or verified)');
      const closed = log.indexOf('the previous connections are closed: the last operation on them ended');
      const started = log.search(new RegExp(`\\[node1\\] restore ${re(name)}\\.restore-\\d{8}T\\d{6}Z started`));
      assert.ok(kept >= 0 && started > kept && closed > started, `kept open (${kept}), the restore started (${started}), then closed (${closed}):\n${log}`);
      // Its verification, by this window on the new connections, before the target goes.
      await eventually('the verification recorded in the job', 60_000, () => t.job().restore?.report);
      assert.equal(t.job().restore?.differences, 0);
    } finally {
      if (changed) await cfg().update('timeouts.connectMs', undefined, vscode.ConfigurationTarget.Global);
      inGluster('node1', ['rm', '-rf', dir]);
    }
  });

  it('a brick goes down while the modal waits: the restore does not start, the refusal is named, and the new plan shows it with its override', async () => {
    const api = await activated();
    const row = await archiveRow();
    const r = re(name);
    const dir = `${TARGET_DIR}-refused-late`;
    inGluster('node1', ['rm', '-rf', dir]);
    const jobsBefore = restoreJobs();
    const before = fingerprint();
    const known = await trackedAfterScan(api);
    const offline = /1 of 3 bricks of gv0 are offline: files placed on them would fail or land elsewhere/;
    try {
      user
        .will('quickPick', new RegExp(`^Restore ${r} \\(1/3\\)`), 'Refuse')
        .will('quickPick', new RegExp(`^Restore ${r} \\(2/3\\): into`), 'A subdirectory…')
        .will('input', new RegExp(`^Restore ${r} \\(2/3\\): subdirectory`), `${TARGET}-refused-late`)
        .will('input', new RegExp(`^Restore ${r} \\(3/3\\)`), 'vsc-restore')
        .will('quickPick', new RegExp(`^Restore ${r} into ${re(dir)} on node1: can go ahead`), /^\$\(play\) Restore into/)
        // Confirmed with every brick up; one goes down before the restore starts.
        .will('modal', new RegExp(`^Restore ${r} into ${re(dir)} on node1\\?`), 'Restore', () => testbed('kill-brick', 'node3'))
        .will('modal', new RegExp(`^The restore of ${r} did not start: a check refuses it now\\.\\n${offline.source}[^\\n]*\\nNothing was written\\.$`), 'Review the New Plan')
        // The plan made again, not the one confirmed: refused by the brick, with its override.
        .will('quickPick', new RegExp(`^Restore ${r} into ${re(dir)} on node1: refused \\(1 reason\\), nothing was written`), undefined);
      const t = await vscode.commands.executeCommand<TrackedJob | undefined>('glusterBackup.restore', row.node);
      user.expectDone();
      assert.equal(t, undefined, 'nothing was started');
      const review = user.asked.filter((a) => a.kind === 'quickPick' && /refused \(1 reason\)/.test(a.text)).at(-1)!.text;
      assert.match(review, new RegExp(`\\n\\$\\(error\\) ${offline.source}`));
      assert.match(review, /Override "bricks"/);
      const log = Buffer.from(await vscode.workspace.fs.readFile(api.logFile)).toString('utf8');
      assert.match(log, new RegExp(`\\[warning\\] \\[node1\\] restore of ${r} not started: refused: ${offline.source}`));
    } finally {
      testbed('start-bricks');
      await waitHealthy();
    }
    assert.equal(fingerprint(), before, 'nothing was written on the volume or beside the archive');
    assert.equal(inGluster('node1', ['test', '-e', dir], { allowFail: true }).status, 1, 'the target was not made');
    assert.deepEqual(restoreJobs(), jobsBefore, 'no restore job was started');
    assert.equal(api.monitor.all().length, known, 'no job was tracked');
  });

  it('Cancel Job on a running restore: tar stopped, and the job file keeps the record the node had (the window’s read position is not written as an archive size)', async () => {
    const api = await activated();
    const t = await restoreFromRow('cancel');
    onNode('node1', ['docker', 'update', '--cpus', '0.1', 'gluster']);
    const job = t.nodeRecord();
    assert.equal(job.archiveBytes, undefined, 'a restore’s record names no archive size of its own');
    await eventually('a read position sampled', 60_000, () => t.bytes !== undefined || (!t.running ? `ended: ${t.job().state}` : false));
    assert.ok(t.running, 'still running when the cancel comes');
    // The cancel alone looks at the node until the end: the window's follower, racing it, could
    // otherwise be the one that writes the final record (the scan started by the command is
    // awaited first: it would follow the job again).
    await api.monitor.scan();
    const following = t.following;
    following?.stop();
    await following?.done;
    user.will('modal', new RegExp(`^Cancel the restore ${re(job.id)} on node1\\?\\ntar is stopped on the node; what it has restored so far stays`), 'Cancel Restore');
    await vscode.commands.executeCommand('glusterBackup.cancelBackup', t.key);
    user.expectDone();
    assert.equal(api.monitor.get(t.key)?.job().state, 'cancelled', `${api.monitor.get(t.key)?.job().reason}; notifications: ${user.notifications.join(' | ')}`);
    const saved = JSON.parse(onNode('node1', ['cat', `${DIR}/${job.id}.job.json`]).stdout) as JobRecord;
    assert.equal(saved.state, 'cancelled');
    assert.equal(saved.archiveBytes, undefined, `the job file says archiveBytes ${saved.archiveBytes}: the progress count of the window`);
    assert.equal(saved.restore?.archiveBytes, job.restore?.archiveBytes);
    assert.equal(inGluster('node1', ['sh', '-c', 'pgrep -x tar || true']).stdout.trim(), '', 'no tar left running');
  });

  it('a restore that ends while its node is out of the settings is announced and verified (with its plan’s index) once the node is back', async () => {
    const api = await activated();
    const nodes = cfg().inspect<Record<string, unknown>[]>('nodes')?.globalValue ?? [];
    assert.equal(nodes.length, 3, `the launcher's nodes: ${JSON.stringify(nodes)}`);
    const dir = `${TARGET_DIR}-settings`;
    const t = await restoreFromRow('settings');
    onNode('node1', ['docker', 'update', '--cpus', '0.2', 'gluster']);
    const job = t.nodeRecord();
    try {
      assert.ok(t.running, 'still running when node1 leaves the settings');
      await cfg().update('nodes', nodes.filter((n) => n.name !== 'node1'), vscode.ConfigurationTarget.Global);
      await eventually('node1’s restore no longer followed', 10_000, () => !api.monitor.get(t.key));
      unthrottle('node1');
      // It ends on the node with no one in this window looking.
      await eventually('tar’s exit in the job’s status file', 120_000, () => /^exit 0\b/.test(onNode('node1', ['cat', `${DIR}/${job.id}.status`], { allowFail: true }).stdout));
      await cfg().update('nodes', nodes, vscode.ConfigurationTarget.Global);
      const report = await eventually('the verification recorded in the job', 120_000, () => api.monitor.get(t.key)?.job().restore?.report);
      const saved = JSON.parse(onNode('node1', ['cat', report]).stdout) as { verdict: string; members: number; archiveSide: string };
      // The plan's index of the unchanged archive came across both settings changes.
      assert.deepEqual([saved.verdict, saved.members, saved.archiveSide], ['verified', 8, 'plan']);
      await eventually('the verdict notification', 10_000, () => user.notifications.find((n) => n === `Restore into ${dir} on node1: verified, all 8 archive members are there as archived.`));
    } finally {
      await cfg().update('nodes', nodes, vscode.ConfigurationTarget.Global);
    }
  });
});
