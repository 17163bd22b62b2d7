// Trust in the archives, in the explorer: the check or cross on archive rows and the node's
// "last good backup" line, from the files beside the archives on the real test bed. node2 gets
// its own backups directory of small real tar files, with job records, validation reports and
// .sha256 sidecars written through the bed and every mtime pinned; the view's clock is pinned
// too, so "3 h ago" is the same on every run. One archive is then validated for real.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { assertReadOnly } from '../helpers/documents';
import { activated, eventually } from '../helpers/extension';
import { pinnedView } from '../helpers/pinnedView';
import { onNode } from '../helpers/testbed';
import { childRows, iconOf, plain, tooltipOf } from '../helpers/tree';
import { Operator } from '../helpers/user';

const cfg = () => vscode.workspace.getConfiguration('glusterBackup');
const DIR = `/opt/datarobot/data/backups/vsc-trust-${process.pid}`;
const P = 'datarobot-gluster-backup-';
const NOW = Date.parse('2026-04-01T12:00:00Z');
/** A tar of one small file is one 10240-byte record; the reports below are of that size. */
const TAR_BYTES = 10240;

const CLEAN = `${P}2026-01-04.tar`;
const MISSING = `${P}2026-01-04-1.tar`;
const MISMATCH = `${P}2026-31-03.tar`;
const UNVALIDATED = `${P}2026-01-04-2.tar`;

const stem = (name: string) => name.replace(/\.tar$/, '');
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function job(name: string, endedAt: string, exitCode: number, warnings?: Record<string, number>): string {
  return JSON.stringify({
    version: 1,
    kind: 'backup',
    id: stem(name),
    state: 'completed',
    archive: `${DIR}/${name}`,
    partial: `${DIR}/${name}.partial`,
    log: `${DIR}/${stem(name)}.log`,
    compression: 'none',
    source: '/mnt/gluster',
    container: 'gluster',
    startedAt: new Date(Date.parse(endedAt) - 60_000).toISOString(),
    endedAt,
    exitCode,
    ...(warnings ? { warnings } : {}),
    overrides: [],
  });
}

function report(name: string, at: string, verdict: string, missing: number, checksum: string): string {
  return JSON.stringify({
    node: 'node2',
    archive: `${DIR}/${name}`,
    archiveBytes: TAR_BYTES,
    startedAt: at,
    report: { verdict, summary: '', missingFiles: { count: missing, bytes: 0, items: [], omitted: 0 } },
    checksum: { state: checksum },
  });
}

/** Each archive: when its job ended (its mtime is set a day off, so only the record can date it), and its sidecars. */
const FIXTURES: { name: string; made: string; files: Record<string, string> }[] = [
  {
    name: CLEAN,
    made: '2026-04-01T09:00:00.000Z',
    files: { [`${CLEAN}.validation.json`]: report(CLEAN, '2026-04-01T10:00:00.000Z', 'complete', 0, 'ok'), [`${CLEAN}.sha256`]: `${'0'.repeat(64)}  ${CLEAN}\n` },
  },
  { name: MISSING, made: '2026-04-01T10:00:00.000Z', files: { [`${MISSING}.validation.json`]: report(MISSING, '2026-04-01T11:00:00.000Z', 'incomplete', 4, 'ok') } },
  { name: MISMATCH, made: '2026-03-31T09:00:00.000Z', files: { [`${MISMATCH}.validation.json`]: report(MISMATCH, '2026-04-01T11:30:00.000Z', 'complete', 0, 'mismatch'), [`${MISMATCH}.sha256`]: `${'f'.repeat(64)}  ${MISMATCH}\n` } },
  { name: UNVALIDATED, made: '2026-04-01T11:00:00.000Z', files: {} },
];

function build(): void {
  const lines = ['set -e', `rm -rf ${q(DIR)}`, `mkdir -p ${q(DIR)}`, `cd ${q(DIR)}`, 'echo data > /tmp/gb-trust-member'];
  for (const f of FIXTURES) {
    lines.push(`tar -cf ${q(f.name)} -C /tmp gb-trust-member`);
    const warnings = f.name === UNVALIDATED ? { changed: 2 } : undefined;
    const files = { ...f.files, [`${stem(f.name)}.job.json`]: job(f.name, f.made, warnings ? 1 : 0, warnings) };
    for (const [n, content] of Object.entries(files)) lines.push(`printf '%s' ${q(content)} > ${q(n)}`);
    lines.push(`touch -d ${q(new Date(Date.parse(f.made) - 86_400_000).toISOString())} ${q(f.name)}`);
  }
  lines.push('rm -f /tmp/gb-trust-member');
  onNode('node2', ['bash', '-s'], { input: lines.join('\n') + '\n' });
}

async function node2Rows() {
  const api = await activated();
  return { api, top: await childRows(api, 'node2'), archives: await childRows(api, 'node2', /^backups$/) };
}

describe('trust in the archives: archive rows and the last good backup', function () {
  this.timeout(600_000);
  let user: Operator;
  const view = pinnedView(DIR, NOW);
  before(() => view.open(build));
  beforeEach(() => (user = new Operator()));
  afterEach(() => user.dispose());
  after(async () => {
    await view.restore();
    await cfg().update('maxBackupAgeHours', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    onNode('node2', ['rm', '-rf', DIR], { allowFail: true });
  });

  it('archive rows: a check for the one validated clean, a cross saying why for the others', async () => {
    const { archives } = await eventually('node2 › backups to list the four archives', 60_000, async () => {
      const r = await node2Rows();
      return r.archives.filter((a) => a.contextValue === 'archive').length === 4 ? r : undefined;
    });
    const row = (name: string) => archives.find((a) => a.label === name)!;
    assert.equal(iconOf(row(CLEAN)), 'pass/charts.green');
    assert.match(row(CLEAN).description, / · validated clean$/);
    assert.match(plain(tooltipOf(row(CLEAN))), /validated clean 2 h ago \(.*\)\s+tar exit 0, no tar warnings\s+sha256 matched its .sha256 sidecar/);

    assert.equal(iconOf(row(MISSING)), 'error/list.errorForeground');
    assert.match(row(MISSING).description, / · missing 4$/);
    assert.match(plain(tooltipOf(row(MISSING))), /validated 1 h ago \(.*\): incomplete, 4 files missing/);

    assert.equal(iconOf(row(MISMATCH)), 'error/list.errorForeground');
    assert.match(row(MISMATCH).description, / · checksum mismatch$/);
    assert.match(plain(tooltipOf(row(MISMATCH))), /checksum mismatch: the archive no longer matches its .sha256/);

    assert.equal(iconOf(row(UNVALIDATED)), 'error/list.warningForeground');
    assert.match(row(UNVALIDATED).description, / · not yet validated$/);
    assert.match(plain(tooltipOf(row(UNVALIDATED))), /not yet validated\s+tar exit 1, tar warnings: 2 \(changed 2\)\s+no .sha256 sidecar/);
  });

  it('the node says "last good backup 3 h ago", a warning past glusterBackup.maxBackupAgeHours', async () => {
    const { top } = await node2Rows();
    const good = top.find((r) => r.contextValue.startsWith('lastGood'));
    assert.ok(good, top.map((r) => r.label).join(', '));
    // The clean archive's job ended at 09:00; the clock says 12:00. Its mtime (a day earlier) is not what counts.
    assert.deepEqual([good.label, good.contextValue, iconOf(good)], ['last good backup 3 h ago', 'lastGood', 'pass/charts.green']);
    assert.match(tooltipOf(good), new RegExp(`^${CLEAN.replace(/\./g, '\\.')}, made .*warned about after 26 hours`));

    await cfg().update('maxBackupAgeHours', 2, vscode.ConfigurationTarget.Global);
    const late = await eventually('the line to turn into a warning', 60_000, async () => (await node2Rows()).top.find((r) => r.contextValue === 'lastGood:warn'));
    assert.deepEqual([late.label, iconOf(late)], ['last good backup 3 h ago', 'warning/list.warningForeground']);
  });

  it('a node without a validated backup says so, as a warning', async () => {
    const api = await activated();
    // node1 has no such directory: no archives, and so no validated backup.
    const top = await eventually('node1 rows', 30_000, async () => {
      const t = await childRows(api, 'node1');
      return t.some((r) => r.contextValue.startsWith('lastGood')) ? t : undefined;
    });
    const none = top.find((r) => r.contextValue.startsWith('lastGood'))!;
    assert.deepEqual([none.label, none.contextValue, iconOf(none)], ['No validated backup', 'lastGood:warn', 'warning/list.warningForeground']);
  });

  it('validating an archive for real opens its report read-only and turns its row to what the report says', async () => {
    const api = await activated();
    // Read once node2's rows have come (this test may run alone, before any other read them).
    const row = await eventually(`node2 › backups to list ${UNVALIDATED}`, 60_000, async () => (await childRows(api, 'node2', /^backups$/)).find((a) => a.label === UNVALIDATED));
    assert.ok(row);
    const result = await vscode.commands.executeCommand<{ report: { verdict: string; missingFiles: { count: number } } } | undefined>('glusterBackup.validateBackup', row.node);
    assert.ok(result, 'the command returned no result');
    // Its report opened read-only.
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'no report editor');
    assert.ok(editor.document.lineAt(0).text.startsWith(`# Validation of ${UNVALIDATED}`), editor.document.lineAt(0).text);
    await assertReadOnly(editor);
    // The archive holds one file the volume does not have; every file of the volume is missing from it.
    assert.equal(result.report.verdict, 'incomplete');
    const missing = result.report.missingFiles.count;
    assert.ok(missing > 0);
    const after = await eventually('the row to show the new verdict', 60_000, async () =>
      (await childRows(api, 'node2', /^backups$/)).find((a) => a.label === UNVALIDATED && a.description.endsWith(` · missing ${missing}`)),
    );
    assert.equal(iconOf(after), 'error/list.errorForeground');
  });

  it('Prune… on the backups row shows the plan, asks, and removes only what the plan said (never the newest clean archive)', async () => {
    const api = await activated();
    const namesNow = () => onNode('node2', ['ls', '-1A', DIR]).stdout.split('\n').filter(Boolean).sort();
    const before = namesNow();
    const backupsRow = await eventually('the backups row of node2', 60_000, async () => (await childRows(api, 'node2')).find((r) => r.contextValue === 'backups'));
    assert.ok(backupsRow);
    const filesOf = (archive: string) => before.filter((n) => n === archive || n.startsWith(`${archive}.`) || n.startsWith(`${stem(archive)}.`));

    // The operator reads the plan and says no: nothing goes.
    user.will('input', /^Prune… .* on node2 Keep which archives\?/, 'last 1').will('modal', /^Remove 2 archives from .* on node2\?\n/, undefined);
    assert.equal(await vscode.commands.executeCommand('glusterBackup.pruneBackups', backupsRow.node), undefined);
    user.expectDone();
    const plan = vscode.window.activeTextEditor?.document;
    assert.ok(plan, 'no plan document');
    assert.equal(plan.uri.scheme, 'gluster-backup-report');
    const text = plan.getText();
    // keep-last 1 keeps the newest made (the archive validated above); the newest clean one is protected.
    assert.match(text, new RegExp(`## To remove\\n\\n- ${MISSING.replace(/\./g, '\\.')} .*\\n- ${MISMATCH.replace(/\./g, '\\.')} `));
    assert.match(text, new RegExp(`- ${UNVALIDATED.replace(/\./g, '\\.')}  made 2026-04-01 11:00:00 UTC: last\\n`));
    assert.match(text, new RegExp(`- ${CLEAN.replace(/\./g, '\\.')}  made 2026-04-01 09:00:00 UTC: newest archive that validated clean\\n`));
    assert.deepEqual(namesNow(), before);

    user.will('input', /^Prune… .* on node2 Keep which archives\?/, 'last 1').will('modal', /^Remove 2 archives from .* on node2\?\n.*2026-01-04-1\.tar\n.*2026-31-03\.tar\n/, 'Remove');
    const r = await vscode.commands.executeCommand<{ removed: string[]; failed: unknown[] } | undefined>('glusterBackup.pruneBackups', backupsRow.node);
    user.expectDone();
    assert.ok(r, 'no result');
    assert.deepEqual(r.failed, []);
    const gone = [...filesOf(MISSING), ...filesOf(MISMATCH)].sort();
    assert.deepEqual(r.removed.map((p) => p.slice(DIR.length + 1)).sort(), gone);
    assert.deepEqual(namesNow(), before.filter((n) => !gone.includes(n)));
    for (const kept of [...filesOf(CLEAN), ...filesOf(UNVALIDATED)]) assert.ok(namesNow().includes(kept), kept);
    await eventually('the prune notification', 10_000, () => user.notifications.find((n) => n === `Gluster Backup: prune on node2: 2 archives removed (${gone.length} files).`));
  });

  it('Prune… keeps an archive the operator never confirmed: the directory changed between the plan and the answer', async () => {
    const api = await activated();
    const backupsRow = await eventually('the backups row of node2', 60_000, async () => (await childRows(api, 'node2')).find((r) => r.contextValue === 'backups'));
    assert.ok(backupsRow);
    // The directory as the prune above leaves it, made so here (this test may run alone): the
    // clean archive (protected) and the newest one. An older one joins them.
    onNode('node2', ['sh', '-c', 'cd "$1" && rm -f "$2" "$2".* "$3".* "$4" "$4".* "$5".*', 'pruned', DIR, MISSING, stem(MISSING), MISMATCH, stem(MISMATCH)]);
    const OLDER = `${P}2026-01-02.tar`;
    const LATER = `${P}2026-01-04-3.tar`;
    const put = (name: string, at: string) =>
      onNode('node2', ['bash', '-s'], { input: `set -e\ncd ${q(DIR)}\necho data > /tmp/gb-trust-member\ntar -cf ${q(name)} -C /tmp gb-trust-member\nrm -f /tmp/gb-trust-member\ntouch -d ${q(at)} ${q(name)}\n` });
    put(OLDER, '2026-02-01T09:00:00Z');
    const namesNow = () => onNode('node2', ['ls', '-1A', DIR]).stdout.split('\n').filter(Boolean).sort();
    const before = namesNow();
    assert.ok(before.includes(UNVALIDATED) && before.includes(CLEAN), before.join(' '));

    // The plan removes OLDER only; while the operator reads the question a backup finishes (LATER,
    // dated by its mtime after the newest): at run time keep-last 1 would also remove UNVALIDATED.
    user
      .will('input', /^Prune… .* on node2 Keep which archives\?/, 'last 1')
      .will('modal', new RegExp(`^Remove 1 archive from .* on node2\\?\\n${OLDER.replace(/\./g, '\\.')}\\n`), 'Remove', () => put(LATER, '2026-04-01T11:30:00Z'));
    const r = await vscode.commands.executeCommand<{ removed: string[]; failed: { path: string; error: string }[] } | undefined>('glusterBackup.pruneBackups', backupsRow.node);
    user.expectDone();
    assert.ok(r, 'no result');
    assert.deepEqual(r.removed, [`${DIR}/${OLDER}`]);
    assert.deepEqual(r.failed.map((f) => [f.path, f.error]), [[`${DIR}/${UNVALIDATED}`, 'not removed: it was not in the plan that was confirmed (the directory changed since)']]);
    assert.deepEqual(namesNow(), [...before.filter((n) => n !== OLDER), LATER].sort());
    await eventually('the prune warning', 10_000, () =>
      user.notifications.find(
        (n) => n === `Gluster Backup: prune on node2: 1 archive removed; kept ${UNVALIDATED}: not in the plan you confirmed (the directory changed since). Run Prune… again to see the new plan.`,
      ),
    );
  });
});
