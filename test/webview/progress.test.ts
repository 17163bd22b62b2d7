// The Backup Progress page in a real browser (headless Chromium): the built bundle, the real
// HTML and CSP, fed the messages the host sends, checked by the text a person would read.
// Needs `node esbuild.mjs` first and Debian's chromium. UPDATE_SCREENSHOTS=1 also refreshes
// docs/progress-{light,dark}.png; every run leaves its screenshots in out/screenshots.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { isPersistedState, type HostMessage, type PersistedState, type ReadDataRun } from '../../src/webview/protocol';
import { openHarness, repoRoot, type Harness } from './harness/harness';
import { GiB, init, job, MiB, sample, T0, target100GiB, WARNINGS } from './harness/recording';

const open: Harness[] = [];
after(async () => {
  await Promise.all(open.map((h) => h.close()));
});

async function harness(...args: Parameters<typeof openHarness>): Promise<Harness> {
  const h = await openHarness(...args);
  open.push(h);
  return h;
}

async function clean(h: Harness): Promise<void> {
  assert.deepEqual(await h.cspViolations(), [], 'the CSP blocked something');
  assert.deepEqual(h.errors, [], 'the page logged errors');
}

test('a running job: size, percent, rate, ETA once stable, warnings, buttons', async () => {
  const h = await harness({ theme: 'light', time: T0 });
  await h.post(init(job()));
  assert.equal(await h.text('node'), 'data-node-1');
  assert.equal(await h.text('badge'), 'Running');
  assert.equal(await h.text('size'), '0 B');
  assert.equal(await h.text('target'), 'of estimating…');
  assert.equal(await h.text('percent'), '—');
  assert.equal(await h.text('etaNote'), 'waiting for the target size');
  assert.ok(await h.visible('cancel'));
  assert.ok(!(await h.visible('reveal')));
  assert.ok(!(await h.visible('validate')));

  let firstEta: number | undefined;
  for (let sec = 1; sec <= 60; sec++) {
    await h.page.clock.runFor(1000);
    await h.post(sample(sec));
    if (sec === 5) {
      await h.post(target100GiB);
      assert.equal(await h.text('target'), 'of 100 GiB');
    }
    const eta = await h.text('eta');
    if (eta !== '—') firstEta ??= sec;
    else assert.equal(firstEta, undefined, `the ETA disappeared again at ${sec} s`);
  }
  // The target came at 5 s; ten agreeing estimates are needed after that.
  assert.ok(firstEta !== undefined && firstEta >= 15 && firstEta <= 20, `ETA first shown at ${firstEta} s`);

  // 6000 MiB of 100 GiB after 60 s at 100 MiB/s: 96400 MiB left, 964 s.
  assert.equal(await h.text('size'), '5.86 GiB');
  assert.equal(await h.text('percent'), '5%');
  assert.equal(await h.text('rate'), '100 MiB/s');
  assert.equal(await h.text('eta'), '16 min');
  assert.equal(await h.text('etaNote'), '≈ 10:17');
  assert.equal(await h.text('elapsed'), '0:01:00');

  await h.post({ type: 'warnings', count: 3, last: WARNINGS });
  assert.equal(await h.text('warnCount'), '3');
  assert.deepEqual(await h.page.locator('#warnings li').allInnerTexts(), WARNINGS);

  // Between messages the clock alone moves elapsed time and the countdown.
  await h.page.clock.runFor(300_500);
  assert.equal(await h.text('elapsed'), '0:06:00');
  assert.equal(await h.text('eta'), '11 min');

  await h.page.click('#openLog');
  await h.page.click('#cancel');
  assert.deepEqual(
    (await h.posted()).map((m) => m.type),
    ['ready', 'openLog', 'cancel'],
  );
  const saved = (await h.state()) as PersistedState;
  assert.equal(saved.job.id, job().id);
  assert.equal(saved.history.length, 60);
  assert.equal(saved.target?.bytes, 100 * GiB);
  await clean(h);
});

test('a gzip job shows its estimated target', async () => {
  const h = await harness({ theme: 'dark', time: T0 });
  await h.post(init(job({ compression: 'gzip', compressor: 'pigz' })));
  await h.post({ type: 'target', bytes: 80 * GiB, sourceBytes: 100 * GiB, estimated: true });
  assert.equal(await h.text('target'), 'of ≈ 80.0 GiB (gzip)');
  assert.equal(await h.page.locator('#target').getAttribute('title'), 'gzip: about 80% of 100 GiB, the apparent size of /mnt/gluster');
  assert.match(await h.page.locator('#options').innerText(), /gzip \(pigz\)/);
  await clean(h);
});

test('completed with warnings: 100%, the final banner, Copy Archive Path instead of Cancel; what a screen reader gets; marks and icons', async () => {
  const h = await harness({ theme: 'dark', time: T0 + 120_000 });
  const history = Array.from({ length: 121 }, (_, s) => ({ t: T0 + s * 1000, bytes: s * 100 * MiB }));
  await h.post({ ...init(job(), T0 + 120_000), history, target: { bytes: 12_100 * MiB, sourceBytes: 12_100 * MiB, estimated: false } } as HostMessage);
  await h.post({
    type: 'batch',
    messages: [
      { type: 'warnings', count: 3, last: WARNINGS },
      { type: 'state', state: 'completedWithWarnings', exitCode: 1, endedAt: new Date(T0 + 120_000).toISOString() },
    ],
  });
  assert.equal(await h.text('badge'), 'Completed with warnings');
  assert.equal(await h.text('percent'), '100%');
  assert.match(await h.text('banner'), /^Completed with 3 warnings \(tar exit 1\): the archive is usable.* Not yet validated\.$/);
  assert.equal(await h.text('rate'), '100 MiB/s');
  assert.equal(await h.text('rateNote'), 'average');
  assert.equal(await h.text('eta'), '—');
  assert.ok(!(await h.visible('cancel')));
  assert.ok(await h.visible('reveal'));
  assert.ok(await h.visible('validate'));
  assert.equal(await h.text('validate'), 'Validate Now');
  await h.page.clock.runFor(60_000);
  assert.equal(await h.text('elapsed'), '0:02:00', 'a finished job stopped its clock');
  await h.page.click('#reveal');
  assert.equal((await h.posted()).at(-1)?.type, 'revealArchive');
  await h.page.click('#validate');
  assert.equal((await h.posted()).at(-1)?.type, 'validate');
  // What it does, named: the archive is on the node, so its path is copied.
  assert.equal(await h.text('reveal'), 'Copy Archive Path');
  // Page-side expressions as strings: this file is compiled without the DOM's types.
  const bar = await h.page.evaluate(`(() => { const b = document.getElementById('meterBar'); return [b.getAttribute('role'), b.getAttribute('aria-valuenow'), b.getAttribute('aria-valuetext')]; })()`);
  assert.deepEqual(bar, ['progressbar', '100', '100%, 11.7 GiB of 11.8 GiB']);
  assert.equal(await h.page.evaluate(`document.getElementById('chartSummary').textContent`), 'Archive size over time: 0 B at 10:00, 11.7 GiB at 10:02; the target is 11.8 GiB.');
  // The legend's marks tell the lines apart: archive solid, target dashed, projection dotted in its own colour.
  const marks = (await h.page.evaluate(
    `[...document.querySelectorAll('.u-legend .u-series')].map((row) => { const m = getComputedStyle(row.querySelector('.u-marker')); return [row.textContent.trim(), m.borderTopStyle, m.borderTopColor]; })`,
  )) as string[][];
  assert.deepEqual(marks.map((m) => [m[0], m[1]]), [['Archive', 'solid'], ['Target', 'dashed'], ['Projection', 'dotted']]);
  assert.notEqual(marks[2][2], marks[0][2], 'the projection has a colour of its own');
  // Codicons on the buttons, from the bundled font (the CSP allows nothing else).
  assert.equal(await h.page.evaluate(`document.querySelectorAll('button .codicon').length`), 4);
  assert.equal(await h.page.evaluate(`document.fonts.load('16px codicon').then((f) => f.length > 0)`), true, 'the codicon font loads');
  await shot(h, 'progress-completed-dark.png');
  await clean(h);
});

test('failed and cancelled jobs say so, with tar’s exit code and the reason', async () => {
  const h = await harness({ theme: 'light', time: T0 + 30_000 });
  await h.post(init(job(), T0 + 30_000));
  await h.post(target100GiB);
  await h.post(sample(30));
  await h.post({ type: 'state', state: 'failed', exitCode: 2, reason: 'No space left on device' });
  assert.equal(await h.text('badge'), 'Failed');
  assert.equal(await h.text('banner'), 'Failed (tar exit 2): No space left on device. No archive was left behind.');
  // A finished archive the job could not publish and kept as its partial: the banner does not say it is gone.
  const kept = 'tar exit 0, but /b/x.tar already exists and is never overwritten (ln: File exists): the complete archive is kept as /b/x.tar.partial; rename it to a name no file in the backups directory has (the next -N of its day) to use it (it has no checksum file)';
  await h.post({ type: 'state', state: 'failed', reason: kept });
  assert.equal(await h.text('banner'), `Failed: ${kept}.`);
  await h.post({ type: 'state', state: 'failed', exitCode: 2, reason: 'No space left on device' });
  assert.equal(await h.text('percent'), '2%');
  assert.ok(!(await h.visible('cancel')) && !(await h.visible('reveal')) && !(await h.visible('validate')));

  await h.post({ type: 'state', state: 'cancelled', reason: 'cancelled by alice' });
  assert.equal(await h.text('badge'), 'Cancelled');
  assert.equal(await h.text('banner'), 'Cancelled: cancelled by alice.');
  await clean(h);
});

test('a node out of reach is not an ended job: no "ended" time, and none left once it is back', async () => {
  const h = await harness({ theme: 'light', time: T0 + 30_000 });
  await h.post(init(job(), T0 + 30_000));
  await h.post(target100GiB);
  await h.post(sample(30));
  // An end time with "unknown" is what a host before this fix sent.
  await h.post({ type: 'state', state: 'unknown', reason: 'node1: connection timed out', endedAt: new Date(T0 + 30_000).toISOString() });
  assert.equal(await h.text('badge'), 'Node unreachable');
  assert.equal(await h.text('etaNote'), 'node unreachable');
  await h.post({ type: 'state', state: 'running' });
  await h.post(sample(31));
  assert.equal(await h.text('badge'), 'Running');
  assert.ok(!/ended/.test(await h.text('etaNote')), await h.text('etaNote'));
  await clean(h);
});

test('a completed backup: tar exit 0, not yet validated, Validate Now', async () => {
  const h = await harness({ theme: 'light', time: T0 + 30_000 });
  await h.post(init(job(), T0 + 30_000));
  await h.post({ type: 'state', state: 'completed', exitCode: 0, endedAt: new Date(T0 + 30_000).toISOString() });
  assert.equal(await h.text('banner'), `Completed: ${job().archive} is an exact copy. tar exit 0: not yet validated.`);
  assert.ok(await h.visible('validate'));
  await h.page.click('#validate');
  assert.equal((await h.posted()).at(-1)?.type, 'validate');
  await clean(h);
});

test('a restore: its own words, the archive as the target from the start, no archive to reveal', async () => {
  const h = await harness({ theme: 'light', time: T0 + 10_000 });
  const archive = '/opt/datarobot/data/backups/gluster/datarobot-gluster-backup-2024-05-03.tar';
  const restore = job({
    kind: 'restore',
    id: 'datarobot-gluster-backup-2024-05-03.tar.restore-20240305T090000Z',
    partial: undefined,
    log: `${archive}.restore-20240305T090000Z.log`,
    source: archive,
    restore: { target: '/mnt/gluster/restored', members: ['./mongo'], policy: 'skip', bytesToWrite: 6 * GiB, archiveBytes: 10 * GiB },
  });
  const target = { bytes: 10 * GiB, sourceBytes: 10 * GiB, estimated: false };
  await h.post({ ...init(restore, T0 + 10_000), target } as HostMessage);
  for (let sec = 1; sec <= 10; sec++) await h.post(sample(sec));
  assert.equal(await h.page.locator('h1').innerText(), 'Restore on data-node-1');
  assert.equal(await h.page.title(), 'Restore Progress');
  assert.equal(await h.text('sizeLabel'), 'Archive read');
  assert.equal(await h.text('size'), '1000 MiB');
  assert.equal(await h.text('target'), 'of 10.0 GiB');
  assert.equal(await h.page.locator('#target').getAttribute('title'), `The size of ${archive}: tar reads it once, from start to end`);
  assert.equal(await h.text('percent'), '9%');
  assert.equal(await h.text('cancel'), 'Cancel Restore');
  assert.ok(await h.visible('cancel'));
  const options = await h.page.locator('#options').innerText();
  for (const want of [/Target\s+\/mnt\/gluster\/restored \(container gluster\)/, /Existing entries\s+skip/, /Paths\s+\.\/mongo/, /To write\s+6\.00 GiB/]) assert.match(options, want);
  assert.doesNotMatch(options, /Compression/);
  await h.page.click('#cancel');
  assert.equal((await h.posted()).at(-1)?.type, 'cancel');

  await h.post({ type: 'state', state: 'completed', exitCode: 0, endedAt: new Date(T0 + 10_000).toISOString() });
  assert.equal(await h.text('banner'), 'Completed: tar restored the chosen paths into /mnt/gluster/restored. The verification follows in its own report.');
  assert.equal(await h.text('percent'), '100%');
  assert.ok(!(await h.visible('reveal')), 'nothing new to reveal: the archive was there before');
  assert.ok(!(await h.visible('validate')), 'a restore wrote no archive to validate');
  assert.ok(!(await h.visible('cancel')));
  await h.post({ type: 'state', state: 'failed', exitCode: 2, reason: 'tar: ./mongo/x: Cannot open: Permission denied; what it wrote stays' });
  assert.equal(await h.text('banner'), 'Failed (tar exit 2): tar: ./mongo/x: Cannot open: Permission denied; what it wrote stays.');
  await clean(h);
});

test('a backup keeps its own words', async () => {
  const h = await harness({ theme: 'light', time: T0 });
  await h.post(init(job()));
  assert.equal(await h.page.locator('h1').innerText(), 'Backup of data-node-1');
  assert.equal(await h.page.title(), 'Backup Progress');
  assert.equal(await h.text('sizeLabel'), 'Archive size');
  assert.equal(await h.text('cancel'), 'Cancel Backup');
  await clean(h);
});

test('a reopened page paints its saved state before the host answers, bounded in size', async () => {
  const history = Array.from({ length: 5000 }, (_, s) => ({ t: T0 + s * 1000, bytes: s * 10 * MiB }));
  const saved: PersistedState = { version: 1, job: job(), history, target: { bytes: 100 * GiB, sourceBytes: 100 * GiB, estimated: false }, warnings: { count: 1, last: [WARNINGS[0]] } };
  const h = await harness({ theme: 'dark', time: T0 + 5000_000, savedState: saved });
  assert.equal(await h.text('size'), '48.8 GiB');
  assert.equal(await h.text('warnCount'), '1');
  await h.post({ ...init(job(), T0 + 5000_000), history, live: false } as HostMessage);
  assert.match(await h.text('banner'), /^Not connected to this job/);
  assert.ok(!(await h.visible('cancel')), 'no Cancel for a job the host is not connected to');
  const state = (await h.state()) as PersistedState;
  assert.ok(state.history.length <= 600, `${state.history.length} points saved`);
  assert.deepEqual(state.history[0], history[0]);
  assert.deepEqual(state.history.at(-1), history.at(-1));
  await clean(h);
});

test('a saved state the page cannot paint (an older page’s, or altered) leaves it as loaded, then the host’s init paints', async () => {
  // The restore of the test above, ended, as a page saved it without `restore.members`.
  const archive = '/opt/datarobot/data/backups/gluster/datarobot-gluster-backup-2024-05-03.tar';
  const id = 'datarobot-gluster-backup-2024-05-03.tar.restore-20240305T090000Z';
  const restore = { ...job({ kind: 'restore', id, partial: undefined, log: `${archive}.restore-20240305T090000Z.log`, source: archive, state: 'completed' }), restore: { target: '/mnt/gluster/restored', policy: 'skip', bytesToWrite: GiB, archiveBytes: GiB } };
  const empty = { count: 0, last: [] };
  const bad: [string, unknown][] = [
    ['no warnings', { version: 1, job: { id: 'a', node: 'b' }, history: [] }],
    ['a completed restore without its members', { version: 1, job: restore, history: [], warnings: empty }],
    ['a backup without overrides', { version: 1, job: { ...job(), overrides: undefined }, history: [], warnings: empty }],
    ['a null sample', { version: 1, job: job(), history: [null], warnings: empty }],
    ['a `type` that turns the init into a batch', { version: 1, job: job(), history: [], warnings: empty, type: 'batch', messages: [null] }],
  ];
  // With its members the same restore is one the page paints: that field alone is what is missing.
  assert.ok(isPersistedState({ version: 1, job: { ...restore, restore: { ...restore.restore, members: [] } }, history: [], warnings: empty }));
  for (const [what, savedState] of bad) {
    const h = await harness({ theme: 'light', time: T0, savedState });
    assert.deepEqual(h.errors, [], `${what}: the page threw`);
    assert.equal(await h.text('node'), '…', `${what}: something was painted`);
    assert.equal(await h.page.title(), 'Backup Progress', what);
    assert.deepEqual((await h.posted()).map((m) => m.type), ['ready'], what);
    assert.deepEqual(await h.state(), JSON.parse(JSON.stringify(savedState)), `${what}: nothing saved over it before the host answered`);
    await h.post(init(job()));
    assert.equal(await h.text('node'), 'data-node-1', what);
    assert.equal(((await h.state()) as PersistedState).job.id, job().id, what);
    await clean(h);
    await h.close();
    open.splice(open.indexOf(h), 1);
  }
});

const READ_ARCHIVE = '/opt/datarobot/data/backups/gluster/datarobot-gluster-backup-2024-05-03.tar';
const readRun = (over: Partial<ReadDataRun> = {}): ReadDataRun => ({
  kind: 'readData',
  id: 'read-data datarobot-gluster-backup-2024-05-03.tar',
  node: 'data-node-1',
  archive: READ_ARCHIVE,
  state: 'running',
  startedAt: new Date(T0).toISOString(),
  phase: 'reading the archive headers',
  members: 0,
  membersTotal: 0,
  bytesTotal: 0,
  ...over,
});

test('a read-data check: members and bytes done, rate and ETA, Cancel Check; no tar log, warnings or archive buttons', async () => {
  const h = await harness({ theme: 'light', time: T0 });
  await h.post({ type: 'init', job: readRun(), history: [], warnings: { count: 0, last: [] }, now: T0, live: true });
  assert.equal(await h.page.locator('h1').innerText(), 'Read data on data-node-1');
  assert.equal(await h.page.title(), 'Read Data Progress');
  assert.equal(await h.text('banner'), 'Reading the archive headers…');
  assert.equal(await h.text('warnLabel'), 'Members');
  assert.equal(await h.text('warnCount'), '0 / 0');
  assert.equal(await h.text('warnNote'), 'counting…');
  assert.equal(await h.text('target'), 'of counting…');
  assert.ok(await h.visible('cancel'));
  assert.equal(await h.text('cancel'), 'Cancel Check');
  for (const id of ['openLog', 'reveal', 'validate', 'warningsBox']) assert.ok(!(await h.visible(id)), `#${id} is shown`);
  // The heading is upper-cased by the stylesheet: the words themselves are checked.
  assert.equal(await h.page.evaluate(`document.getElementById('optionsTitle').textContent`), 'Check');
  const rows = await h.page.locator('#options').innerText();
  assert.match(rows, /Archive\s+\/opt\/datarobot\/data\/backups\/gluster\/datarobot-gluster-backup-2024-05-03\.tar/);
  assert.match(rows, /Members\s+every regular file/);

  // 100 GiB in 1000 members of 100 MiB, read at 100 MiB/s: a member a second.
  await h.post({ type: 'target', bytes: 100 * GiB, sourceBytes: 100 * GiB, estimated: false });
  let firstEta: number | undefined;
  for (let sec = 1; sec <= 60; sec++) {
    await h.page.clock.runFor(1000);
    await h.post({ type: 'batch', messages: [sample(sec), { type: 'readData', phase: 'reading data', members: sec, membersTotal: 1024 }] });
    if ((await h.text('eta')) !== '—') firstEta ??= sec;
  }
  assert.ok(firstEta !== undefined && firstEta <= 20, `ETA first shown at ${firstEta} s`);
  assert.equal(await h.text('banner'), '', 'no banner while members are read');
  assert.ok(!(await h.visible('banner')));
  assert.equal(await h.text('warnCount'), '60 / 1024');
  assert.equal(await h.text('warnNote'), 'read and compared');
  assert.equal(await h.text('sizeLabel'), 'Data read');
  assert.equal(await h.text('size'), '5.86 GiB');
  assert.equal(await h.text('target'), 'of 100 GiB');
  assert.equal(await h.text('percent'), '5%');
  assert.equal(await h.text('rate'), '100 MiB/s');
  assert.equal(await h.text('eta'), '16 min');
  assert.equal(await h.page.evaluate(`document.getElementById('chartSummary').textContent.split(':')[0]`), 'Data read over time');
  await h.page.click('#cancel');
  assert.equal((await h.posted()).at(-1)?.type, 'cancel');
  const saved = (await h.state()) as PersistedState;
  assert.equal(saved.job.kind, 'readData');
  assert.equal(saved.job.kind === 'readData' && saved.job.members, 60);
  await clean(h);
});

test('a read-data check ends with its verdict: differences, a damaged archive, a failure, a cancel; a reloaded one is stale', async () => {
  const h = await harness({ theme: 'dark', time: T0 + 30_000 });
  await h.post({ type: 'init', job: readRun({ phase: 'reading data', members: 40, membersTotal: 40, bytesTotal: 4 * GiB, subset: 1000 }), history: [], target: { bytes: 4 * GiB, sourceBytes: 4 * GiB, estimated: false }, warnings: { count: 0, last: [] }, now: T0 + 30_000, live: true });
  assert.match(await h.page.locator('#options').innerText(), /Members\s+the next 10% of them, from where the last slice stopped/);
  const line = 'datarobot-gluster-backup-2024-05-03.tar on data-node-1: complete; sha256 ok; data: 1 of 40 members differ behind the same size and mtime';
  await h.post({ type: 'state', state: 'completedWithWarnings', exitCode: 1, reason: line, endedAt: new Date(T0 + 30_000).toISOString() });
  assert.equal(await h.text('badge'), 'Differences');
  assert.equal(await h.text('banner'), `${line}. The report is open in its own tab.`);
  assert.match(await h.page.locator('#options').innerText(), /Result\s+datarobot-gluster-backup-2024-05-03\.tar on data-node-1: complete; sha256 ok/);
  assert.ok(!(await h.visible('cancel')));

  await h.post({ type: 'state', state: 'completed', exitCode: 0, reason: 'x: complete; data: 0 of 40 members differ' });
  assert.equal(await h.text('badge'), 'Data ok');
  await h.post({ type: 'state', state: 'failed', exitCode: 2, reason: 'x: archive damaged' });
  assert.equal(await h.text('badge'), 'Archive damaged');
  assert.equal(await h.text('banner'), 'x: archive damaged. The report is open in its own tab.');
  await h.post({ type: 'state', state: 'failed', reason: 'tar in container gluster: no output for 120 s; the node or the link may be down' });
  assert.equal(await h.text('badge'), 'Failed');
  assert.equal(await h.text('banner'), 'Failed: tar in container gluster: no output for 120 s; the node or the link may be down.');
  await h.post({ type: 'state', state: 'cancelled', reason: 'cancelled from its progress panel' });
  assert.equal(await h.text('badge'), 'Cancelled');
  assert.equal(await h.text('banner'), 'Cancelled: cancelled from its progress panel.');

  await h.post({ type: 'init', job: readRun({ phase: 'reading data', members: 7, membersTotal: 40 }), history: [], warnings: { count: 0, last: [] }, now: T0 + 30_000, live: false });
  assert.match(await h.text('banner'), /^This window stopped following the check when it reloaded/);
  assert.ok(!(await h.visible('cancel')), 'no Cancel for a run nobody follows');
  await clean(h);
});

async function shot(h: Harness, file: string): Promise<string> {
  const out = path.join(repoRoot(), 'out', 'screenshots', file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await h.page.screenshot({ path: out, fullPage: true });
  return out;
}

/** A realistic mid-job page: gzip, an hour in, a little noise in the rate, three warnings. */
async function showcase(theme: 'light' | 'dark' | 'high-contrast', file: string): Promise<void> {
  const start = T0 - 3600_000;
  const h = await harness({ theme, time: T0, width: 1000, height: 700 });
  const history: { t: number; bytes: number }[] = [];
  let bytes = 0;
  for (let s = 0; s <= 3600; s++) {
    history.push({ t: start + s * 1000, bytes: Math.round(bytes) });
    const pace = s < 600 ? 70 : s < 1500 ? 55 : 62;
    bytes += (pace + 8 * Math.sin(s / 37) + 5 * Math.sin(s / 5.3)) * MiB;
  }
  const gz = '/opt/datarobot/data/backups/gluster/datarobot-gluster-backup-2024-05-03.tar.gz';
  const j = job({ compression: 'gzip', compressor: 'pigz', archive: gz, partial: `${gz}.partial`, startedAt: new Date(start).toISOString(), overrides: [{ check: 'freeSpace', reason: 'old archives are pruned tonight', by: 'alice' }] });
  await h.post({
    type: 'init',
    job: j,
    history,
    target: { bytes: Math.round(0.8 * 400 * GiB), sourceBytes: 400 * GiB, estimated: true },
    warnings: { count: 3, last: WARNINGS },
    now: T0,
    live: true,
  });
  for (let s = 1; s <= 12; s++) {
    await h.page.clock.runFor(1000);
    bytes += 62 * MiB;
    await h.post({ type: 'sample', t: T0 + s * 1000, bytes: Math.round(bytes) });
  }
  assert.notEqual(await h.text('eta'), '—', 'the showcase should show an ETA');
  await clean(h);
  const out = await shot(h, file);
  if (process.env.UPDATE_SCREENSHOTS === '1' && theme !== 'high-contrast') fs.copyFileSync(out, path.join(repoRoot(), 'docs', file));
}

test('screenshots in the light, dark and high-contrast themes', async () => {
  await showcase('light', 'progress-light.png');
  await showcase('dark', 'progress-dark.png');
  await showcase('high-contrast', 'progress-high-contrast.png');
});
