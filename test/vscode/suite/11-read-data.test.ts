// Validate with Read Data… on the real test bed: a backup made by the CLI into node1's backups
// directory (the one mounted in its gluster container; only this backup's files are removed
// after), then the command as the operator runs it from the archive's row. The
// progress panel follows the run (its real webview traffic is watched), the report opens
// read-only, and a live file changed behind the same size and mtime is reported by its path. A
// slice run that another run's read-data lock refuses says who holds it, and how to remove it.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { JobRecord } from '../../../src/core/backup/types';
import type { ValidationResult } from '../../../src/core/validate/validateBackup';
import type { PanelExchange } from '../../../src/extension/progress/progressPanel';
import { assertReadOnly, panelTabs } from '../helpers/documents';
import { activated, eventually } from '../helpers/extension';
import { cliBackup, inGluster, onNode, unthrottle, waitHealthy } from '../helpers/testbed';
import { childRows } from '../helpers/tree';
import { Operator } from '../helpers/user';

const cfg = () => vscode.workspace.getConfiguration('glusterBackup');
const DIR = '/opt/datarobot/data/backups/gluster';
const TREE = `vsc-read-data-${process.pid}`;
const LIVE = `/mnt/gluster/${TREE}/live.txt`;
const MTIME = '2021-03-04 05:06:07';


/** Same length, same mtime, other bytes: only a read of the data can tell. */
const writeLive = (text: string) => inGluster('node1', ['sh', '-c', 'printf "%s\\n" "$1" > "$2" && touch -d "$3" "$2"', 'live', text, LIVE, MTIME]);

/** What the host posted to the read-data panel of `name`, batches opened. */
function hostTypes(traffic: PanelExchange[], name: string): string[] {
  return traffic.filter((e) => e.jobId === `read-data ${name}` && e.from === 'host').flatMap((e) => (e.type === 'batch' ? (e.batched ?? []) : [e.type]));
}


describe('Validate with Read Data… in the progress panel', function () {
  this.timeout(900_000);
  let user: Operator;
  let job: JobRecord;
  let name: string;
  before(async () => {
    await waitHealthy();
    // 1.1 GB, as the backup suite has it: a read that lasts long enough to be watched.
    inGluster('node1', ['sh', '-c', 'mkdir -p /mnt/gluster/big && [ -s /mnt/gluster/big/big.bin ] || dd if=/dev/zero of=/mnt/gluster/big/big.bin bs=1M count=1100 status=none']);
    inGluster('node1', ['mkdir', '-p', `/mnt/gluster/${TREE}`]);
    writeLive('live');
    job = cliBackup(['--override', 'activity:read-data suite']);
    assert.ok(job.state === 'completed' || job.state === 'completedWithWarnings', job.reason);
    name = path.posix.basename(job.archive);
    assert.equal(path.posix.dirname(job.archive), DIR);
    assert.equal(cfg().get('backupDir'), DIR, 'the window reads another backups directory than the CLI wrote to');
    await vscode.commands.executeCommand('workbench.view.extension.glusterBackup');
  });
  beforeEach(() => (user = new Operator()));
  afterEach(() => user.dispose());
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // This backup's archive and every file named after it; other archives there are not ours.
    if (name) onNode('node1', ['sh', '-c', 'cd "$1" && rm -f "$2" "$3".*', 'clean', DIR, name, name.replace(/\.tar$/, '')], { allowFail: true });
    inGluster('node1', ['rm', '-rf', `/mnt/gluster/${TREE}`], { allowFail: true });
  });

  async function archiveRow() {
    const api = await activated();
    return eventually(`node1 › backups to list ${name}`, 60_000, async () => (await childRows(api, 'node1', /^backups$/)).find((a) => a.label === name));
  }

  async function readData(): Promise<{ result: ValidationResult; traffic: PanelExchange[] }> {
    const api = await activated();
    const row = await archiveRow();
    const traffic: PanelExchange[] = [];
    const sub = api.onDidExchange((e) => traffic.push(e));
    try {
      user.will('quickPick', new RegExp(`^Validate with Read Data: ${name.replace(/\./g, '\\.')} Read which members\\?`), 'Every member');
      const result = await vscode.commands.executeCommand<ValidationResult | undefined>('glusterBackup.validateReadData', row.node);
      user.expectDone();
      assert.ok(result, 'the command returned no result');
      return { result, traffic };
    } finally {
      sub.dispose();
    }
  }

  it('after a backup: the panel follows the read (members, bytes), the report opens read-only and says every member holds its data', async () => {
    const { result, traffic } = await readData();
    assert.equal(result.readData?.verdict, 'ok');
    assert.equal(result.readData.contentDiffers.count, 0);
    assert.ok(result.readData.checked > 0 && result.readData.checked === result.readData.members, `${result.readData.checked} of ${result.readData.members} members read`);
    assert.equal(result.checksum, 'ok');

    const types = hostTypes(traffic, name);
    assert.ok(types.includes('init'), types.join(' '));
    // Members and bytes as they were read, then the end. The points reach the page as samples,
    // or, for those read before the page said ready, in its init's history: which of the two
    // depends on how long the page took to load, so both count, and at least one must come.
    // Likewise the read's figures: a read that ends before the page has loaded leaves no
    // readData message to send (init carries the job as it ended); the verdict on the panel's
    // tab below shows they reached it either way.
    const points = traffic.filter((e) => e.jobId === `read-data ${name}` && e.from === 'host').reduce((n, e) => n + (e.points ?? 0), 0);
    assert.ok(points > 0, `the panel got no progress: ${types.join(' ')}, ${points} points`);
    assert.ok(traffic.some((e) => e.jobId === `read-data ${name}` && e.from === 'page' && e.type === 'ready'), 'the page never said ready');
    // The end reaches the panel at most a second later (the throttle); its page may be behind the
    // report's tab by then, so its title says it.
    await eventually(`the panel's tab to end on the verdict; tabs: ${panelTabs().map((t) => t.label).join(', ')}`, 10_000, () => panelTabs().find((t) => t.label === 'Read data node1 · data ok'));

    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'no report editor');
    assert.ok(editor.document.lineAt(0).text.startsWith(`# Validation of ${name}`), editor.document.lineAt(0).text);
    const text = editor.document.getText();
    assert.match(text, /## Data read/);
    assert.match(text, /Every member compared holds the same data as its live file\./);
    await assertReadOnly(editor);
    assert.ok(user.notifications.some((n) => n.startsWith(`Gluster Backup: ${name} on node1: complete; sha256 ok; data: 0 of `)), user.notifications.join('\n'));
  });

  it('a connection setting changed while the data is read: the check ends on its verdict over the connections it began on, which close after it', async () => {
    const api = await activated();
    const row = await archiveRow();
    const traffic: PanelExchange[] = [];
    const sub = api.onDidExchange((e) => traffic.push(e));
    let changed = false;
    try {
      // Slowed, so that the change lands while the members are read.
      onNode('node1', ['docker', 'update', '--cpus', '0.2', 'gluster']);
      user.will('quickPick', new RegExp(`^Validate with Read Data: ${name.replace(/\./g, '\\.')} Read which members\\?`), 'Every member');
      const running = vscode.commands.executeCommand<ValidationResult | undefined>('glusterBackup.validateReadData', row.node);
      await eventually('members being read', 180_000, () =>
        traffic.some((e) => e.jobId === `read-data ${name}` && e.from === 'host' && ((e.points ?? 0) > 0 || e.type === 'readData' || e.batched?.includes('readData'))),
      );
      const before = api.session.cluster;
      await cfg().update('timeouts.connectMs', 4323, vscode.ConfigurationTarget.Global);
      changed = true;
      await eventually('the Cluster rebuilt for the new setting', 30_000, () => api.session.cluster !== before && api.session.cluster !== undefined);
      unthrottle('node1');
      const result = await running;
      user.expectDone();
      assert.ok(result, 'the command returned no result');
      assert.equal(result.readData?.verdict, 'ok');
      assert.equal(result.readData.checked, result.readData.members, 'every member was read');
      const log = await eventually('the old connections closed once the check ended', 10_000, async () => {
        const text = Buffer.from(await vscode.workspace.fs.readFile(api.logFile)).toString('utf8');
        return /the previous connections are closed: the last operation on them ended/.test(text) ? text : undefined;
      });
      const kept = log.indexOf('the previous connections stay open until the operation on them ends');
      assert.ok(kept >= 0, 'the log says the old connections stay open');
      assert.ok(kept < log.indexOf('the previous connections are closed'), 'kept open, then closed');
      await eventually("the panel's tab to end on the verdict", 10_000, () => panelTabs().find((t) => t.label === 'Read data node1 · data ok'));
    } finally {
      sub.dispose();
      unthrottle('node1');
      if (changed) await cfg().update('timeouts.connectMs', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it("the next slice while another run holds the archive's read-data lock: refused with who holds it, since when and the lock's path, offering to remove it; nothing is read or written", async () => {
    const api = await activated();
    const row = await archiveRow();
    const lockFile = `${job.archive}.read-data.lock`;
    const lock = { version: 1, token: 'cd'.repeat(16), host: 'elsewhere', pid: 4242, user: 'alice', client: 'the CLI', since: '2026-03-05T12:00:00.000Z', clock: 'node' };
    onNode('node1', ['sh', '-c', 'printf "%s\\n" "$2" > "$1"', 'plant', lockFile, JSON.stringify(lock)]);
    try {
      user.will('quickPick', new RegExp(`^Validate with Read Data: ${name.replace(/\./g, '\\.')} Read which members\\?`), 'The next slice…');
      user.will('input', /Share of the members to read this time/, '10%');
      const result = await vscode.commands.executeCommand<ValidationResult | undefined>('glusterBackup.validateReadData', row.node);
      user.expectDone();
      assert.equal(result, undefined, 'no report: nothing was checked');
      const said = `Gluster Backup: ${job.archive} on node1 is being read by another --read-data-subset run: alice@elsewhere, pid 4242 (the CLI), since 2026-03-05 12:00:00 UTC by node1's clock. Its lock is ${lockFile}.`;
      const note = user.offered.find((o) => o.message.startsWith(said));
      assert.ok(note, user.notifications.join('\n'));
      assert.match(note.message, /run again with --break-lock \(in VS Code: Remove Lock and Read…\)/);
      assert.deepEqual(note.items, ['Remove Lock and Read…', 'Show Log']);
      assert.equal(onNode('node1', ['ls', `${job.archive}.read-data.json`], { allowFail: true }).status, 2, 'no position written');
      assert.deepEqual(JSON.parse(onNode('node1', ['cat', lockFile]).stdout), lock, 'the lock left as it was');
      await eventually('the log to say it too', 10_000, async () => Buffer.from(await vscode.workspace.fs.readFile(api.logFile)).toString('utf8').includes(`${name}: ${said.slice('Gluster Backup: '.length)}`));
    } finally {
      onNode('node1', ['rm', '-f', lockFile, `${job.archive}.read-data.json`], { allowFail: true });
    }
  });

  it('a live file changed behind the same size and mtime: the panel ends on "Differences" and the report names that file', async () => {
    writeLive('LIVE');
    try {
      const { result, traffic } = await readData();
      assert.equal(result.report.changed.count, 0, 'the names-only comparison sees no change');
      assert.equal(result.readData?.verdict, 'differs');
      assert.deepEqual(result.readData.contentDiffers.items.map((x) => x.path), [`${TREE}/live.txt`]);
      // The read's figures reach the page as readData, or, when the read ended before the reused
      // panel's page had loaded again, in its init (see the first test): one of the two must come,
      // and the tab's verdict below shows what they said.
      const types = hostTypes(traffic, name);
      assert.ok(types.includes('readData') || types.includes('init'), types.join(' '));
      await eventually('the panel\'s tab to end on "differences"', 10_000, () => panelTabs().find((t) => t.label === 'Read data node1 · differences'));
      assert.equal(panelTabs().filter((t) => t.label.startsWith('Read data node1')).length, 1, 'a second run of the archive reuses its panel');
      const editor = vscode.window.activeTextEditor;
      assert.ok(editor);
      const text = editor.document.getText();
      assert.match(text, /1 member\(s\) whose data differs from the live file although size and mtime agree \(the archive matches its checksum: the live files changed\)/);
      assert.ok(text.includes(`${TREE}/live.txt`), 'the report does not name the file');
      await assertReadOnly(editor);
      assert.ok(user.notifications.some((n) => n.includes('data: 1 of ') && n.includes('members differ behind the same size and mtime')), user.notifications.join('\n'));
    } finally {
      writeLive('live');
    }
  });
});
