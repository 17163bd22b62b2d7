// How a job's end is decided from what was read on its node (jobEnd.ts), without a node: the
// cases the observer meets when a job's shell ended without writing its final status, and the
// sentence a failed backup's or restore's tar leaves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backupFailure, clipWords, endWithoutStatus, failureReason, goneAt, keptEnd, MAX_REASON_WORDS, nodeTimeOf, publishedUnsynced, restoreEnd, scriptCancelEnd, stillStarting, tarEventsOf, type ShellGone } from '../../src/core/backup/jobEnd';
import { parseJobFile, serializeJobFile } from '../../src/core/backup/jobFile';
import { CANCELLED_EXIT, KEPT_EXIT, PUBLISHED_UNSYNCED } from '../../src/core/backup/jobScript';
import { KEPT_PARTIAL } from '../../src/core/backup/keptPartial';
import type { JobRecord } from '../../src/core/backup/types';
import { backupJob } from '../helpers/builders';

const DIR = '/backups';
const NAME = 'datarobot-gluster-backup-2026-04-12.tar';
const job = backupJob({ node: 'node1' }, { dir: DIR, archive: NAME });
const partial = job.partial!;
const restore: JobRecord = (({ partial: _, ...r }) => ({ ...r, kind: 'restore', id: `${NAME}.restore-20260412T000000Z`, archive: `${DIR}/${NAME}` }))(job);

const exited = (code: number): ShellGone['shell'] => ({ gone: 'exited', code });
/** A backup's files as the observer reads them; plenty of room unless said. */
const files = (o: Partial<NonNullable<ShellGone['files']>> = {}): NonNullable<ShellGone['files']> => ({ log: '', checksum: true, free: 1 << 30, ...o });

test('a shell that ended with tar\'s exit 0 or 1 after publishing the archive, without a status: completed, saying what is missing', () => {
  for (const checksum of [true, false]) {
    const end = endWithoutStatus(job, { shell: exited(0), cancelAsked: false, files: files({ archive: 10240, checksum }) });
    assert.deepEqual(end, {
      patch: {
        state: 'completed',
        exitCode: 0,
        warnings: {},
        archiveBytes: 10240,
        reason: `the archive is whole (the job's shell ended with tar's exit 0 after publishing it), but the job could not write its final status${checksum ? '' : '; no checksum file was written beside it, so validation finds none'}`,
      },
      removePartial: false,
      clearMarks: true,
    });
  }
  const warned = endWithoutStatus(job, { shell: exited(1), cancelAsked: false, files: files({ archive: 20480, log: 'tar: ./a: file changed as we read it\n', free: 1024 * 1024 - 1 }) });
  assert.deepEqual(warned.patch, {
    state: 'completedWithWarnings',
    exitCode: 1,
    warnings: { changed: 1 },
    archiveBytes: 20480,
    reason: "the archive is whole (the job's shell ended with tar's exit 1 after publishing it), but the job could not write its final status (the backups directory is full: 1048575 bytes left)",
  });
  // sync reported the published archive's name not flushed: its line is part of the reason.
  const line = `the archive is published as ${DIR}/${NAME}, but sync could not flush its name and its checksum file to disk (sync: error syncing '${DIR}/': Input/output error): the host going down before its own flush could lose them; validate the archive before relying on it`;
  const unsynced = endWithoutStatus(job, { shell: exited(0), cancelAsked: false, files: files({ archive: 10240, log: `gluster-backup: ${line}\n` }) });
  assert.equal(unsynced.patch.reason, `the archive is whole (the job's shell ended with tar's exit 0 after publishing it), but the job could not write its final status; ${line}`);
  // A directory whose free space could not be read, or that has a byte more than the mark, is not called full.
  for (const free of [undefined, 1024 * 1024]) {
    const { free: _, ...rest } = files({ archive: 1 });
    const end = endWithoutStatus(job, { shell: exited(0), cancelAsked: false, files: free === undefined ? rest : { ...rest, free } });
    assert.equal(end.patch.reason, "the archive is whole (the job's shell ended with tar's exit 0 after publishing it), but the job could not write its final status");
  }
});

test('a shell that ended without a status and with another code, or without the archive, or beside a partial, is still a failed job whose partial goes', () => {
  for (const [code, archive, part] of [
    [2, 10, 5],
    [0, undefined, 5],
    [0, 10, 5],
    [1, undefined, undefined],
  ] as const) {
    const end = endWithoutStatus(job, { shell: exited(code), cancelAsked: false, files: files({ ...(archive !== undefined ? { archive } : {}), ...(part !== undefined ? { partial: part } : {}) }) });
    assert.deepEqual(end, {
      patch: { state: 'failed', reason: `the backup shell ended with status ${code} without reporting tar's exit; the partial archive was removed` },
      removePartial: true,
      clearMarks: false,
    });
  }
});

test('an archive the script kept as its partial stays when the status could not be written either', () => {
  const line = `tar exit 0, but the archive could not be published as ${DIR}/${NAME} (ln: failed; mv -n left it in place): the complete archive is kept as ${partial}`;
  for (const shell of [exited(2), exited(0), { gone: 'vanished' } as const]) {
    const end = endWithoutStatus(job, { shell, cancelAsked: false, files: files({ partial: 18, log: `tar: ./a: file changed as we read it\ngluster-backup: ${line}\n` }) });
    assert.deepEqual(end, { patch: { state: 'failed', reason: `${line}; publish it as ${NAME} to use it (gluster-backup publish-kept --node node1 -f ${NAME}.partial); it has no checksum file`, kept: true, warnings: { changed: 1 } }, removePartial: false, clearMarks: false });
  }
  // The line of another job's partial keeps nothing of this one.
  const other = `tar exit 0, but the archive could not be published as x (y; mv -n left it in place): the complete archive is kept as ${DIR}/other.tar.partial`;
  assert.equal(keptEnd(job, [other], 2), undefined);
  assert.equal(endWithoutStatus(job, { shell: exited(2), cancelAsked: false, files: files({ partial: 18, log: `gluster-backup: ${other}\n` }) }).removePartial, true);
});

test("the script's exit 3 keeps the partial though the log never got the line saying so (a backups directory too full to take it)", () => {
  const reason = `tar finished, but the archive could not be published as ${DIR}/${NAME}, and the job's log does not say why (a full backups directory cannot take the line): the complete archive is kept as ${partial}; publish it as ${NAME} to use it, once no file has that name (gluster-backup publish-kept --node node1 -f ${NAME}.partial; it has no checksum file)`;
  assert.equal(keptEnd(job, [], 3), reason);
  // Through docker: the shell's own exit, with no status and an empty log.
  assert.deepEqual(endWithoutStatus(job, { shell: exited(3), cancelAsked: true, files: files({ partial: 18, log: '' }) }), { patch: { state: 'failed', reason, kept: true, warnings: {} }, removePartial: false, clearMarks: false });
  // Any other code without the line is not a kept archive, and a restore never keeps one.
  for (const code of [0, 1, 2, 4, 130, undefined]) assert.equal(keptEnd(job, [], code), undefined, String(code));
  assert.equal(keptEnd(restore, [], 3), undefined);
});

test("the script's cancel exit through docker (no status written): cancelled, an archive under the job's name never credited to it", () => {
  const other = `; ${DIR}/${NAME} is another job's archive, not this one's, and was left untouched`;
  const cases: [string, string][] = [
    ['gluster-backup: cancelled before tar started: tar was not run, and nothing was written\n', 'cancelled by the operator before tar started; nothing was written'],
    ['gluster-backup: tar exit 1, but the job was cancelled before its archive was published: the partial archive was removed\n', 'cancelled by the operator after tar ended (exit 1), before the archive was published; the partial archive was removed'],
    ['', 'cancelled by the operator; the job published no archive (its partial archive was removed)'],
  ];
  for (const [log, why] of cases) {
    for (const cancelAsked of [true, false]) {
      // The archive is there and the partial is not, as after a publish: only the exit tells them apart.
      assert.deepEqual(endWithoutStatus(job, { shell: exited(CANCELLED_EXIT), cancelAsked, files: files({ archive: 28, log }) }), { patch: { state: 'cancelled', reason: `${why}${other}` }, removePartial: true, clearMarks: false });
      assert.deepEqual(endWithoutStatus(job, { shell: exited(CANCELLED_EXIT), cancelAsked, files: files({ log }) }).patch, { state: 'cancelled', reason: why });
    }
  }
  // A line of that form with another ending, or a restore's exit 4, is no cancel of the script's.
  assert.equal(scriptCancelEnd(job, ['tar exit 0, but something else'], CANCELLED_EXIT, false), 'cancelled by the operator; the job published no archive (its partial archive was removed)');
  assert.equal(scriptCancelEnd(restore, [], CANCELLED_EXIT, true), undefined);
  for (const code of [0, 1, 2, KEPT_EXIT, 143]) assert.equal(scriptCancelEnd(job, ['cancelled before tar started: tar was not run, and nothing was written'], code, true), undefined, String(code));
});

test('why a job whose shell is gone ended: each way docker says it, for a backup and a restore; a cancel mark makes it cancelled', () => {
  const ways: [ShellGone['shell'], string][] = [
    [{ gone: 'containerStopped', containerState: 'exited' }, 'the gluster container is exited (stopped during the KIND)'],
    [{ gone: 'containerRestarted' }, 'the gluster container was restarted during the KIND'],
    [exited(137), "the KIND shell ended with status 137 without reporting tar's exit"],
    [{ gone: 'vanished' }, 'the KIND process is gone from the container'],
    [{ gone: 'neverStarted' }, 'tar was never started'],
  ];
  for (const [shell, why] of ways) {
    assert.deepEqual(endWithoutStatus(job, { shell, cancelAsked: false, files: files({ partial: 3 }) }), {
      patch: { state: 'failed', reason: `${why.replace('KIND', 'backup')}; the partial archive was removed` },
      removePartial: true,
      clearMarks: false,
    });
    assert.deepEqual(endWithoutStatus(restore, { shell, cancelAsked: false }), { patch: { state: 'failed', reason: why.replace('KIND', 'restore') }, removePartial: false, clearMarks: false });
    assert.deepEqual(endWithoutStatus(job, { shell, cancelAsked: true, files: files({ partial: 3 }) }), { patch: { state: 'cancelled', reason: 'cancelled' }, removePartial: true, clearMarks: false });
    assert.deepEqual(endWithoutStatus(restore, { shell, cancelAsked: true }), { patch: { state: 'cancelled', reason: 'cancelled' }, removePartial: false, clearMarks: false });
  }
});

const events = (...lines: string[]) => tarEventsOf(lines.map((l) => `tar: ${l}\n`).join(''));
const NO_SPACE = './a: Cannot write: No space left on device';
const FATAL = 'Exiting with failure status due to previous errors';

test('a failed backup\'s reason: no space first, then a signal, the script\'s own last word, tar\'s last error, its last line naming a file, the exit code', () => {
  const cases: [ReturnType<typeof events>, number, string[], string][] = [
    [events('./b: Cannot open: Permission denied', NO_SPACE, FATAL), 137, ['x'], `the backups directory ran out of space (${NO_SPACE})`],
    [events('./b: Cannot open: Permission denied'), 143, ['x'], 'tar was killed by signal 15'],
    [events('./b: Cannot open: Permission denied'), 2, ['tar was not started: one', 'two'], 'two'],
    [events('./w: Cannot write: Input/output error', './x: Cannot open: Permission denied', FATAL), 2, [], 'tar failed: ./w: Cannot write: Input/output error'],
    [events('./x: Cannot open: Permission denied', './y: Cannot open: No such file or directory', './z: file changed as we read it', FATAL), 2, [], 'tar failed: ./y: Cannot open: No such file or directory'],
    [events('./y: file changed as we read it', './z: file changed as we read it'), 2, [], 'tar failed: ./z: file changed as we read it'],
    [events(FATAL), 2, [], 'tar exited with status 2'],
    [[], 2, [], 'tar exited with status 2'],
  ];
  for (const [ev, code, said, want] of cases) assert.equal(failureReason('backup', ev, code, said), want);
});

test('a failed backup in a backups directory found full: said first, unless tar\'s log already says so', () => {
  const ev = events('./w: Cannot write: Input/output error', FATAL);
  assert.equal(backupFailure(ev, 2, [], 1024 * 1024 - 1), 'the backups directory ran out of space (1048575 bytes left; tar failed: ./w: Cannot write: Input/output error)');
  assert.equal(backupFailure([], 2, ['tar was not started: x'], 0), 'the backups directory ran out of space (0 bytes left; tar was not started: x)');
  for (const free of [1024 * 1024, undefined]) assert.equal(backupFailure(ev, 2, [], free), 'tar failed: ./w: Cannot write: Input/output error');
  assert.equal(backupFailure(events(NO_SPACE, FATAL), 2, [], 0), `the backups directory ran out of space (${NO_SPACE})`);
});

test('a restore\'s end: cancelled, completed on exit 0 only, else failed with a signal, the script\'s word, tar\'s last error or its first line, the exit code; what it wrote stays', () => {
  const end = (ev: ReturnType<typeof events>, code: number, said: string[] = [], cancelled = false) => {
    const r = restoreEnd(restore, ev, code, cancelled, said);
    return [r.state, r.reason];
  };
  assert.deepEqual(end([], 143, [], true), ['cancelled', 'cancelled by the operator; what tar had written stays (restore again with --existing skip to resume)']);
  assert.deepEqual(end([], 0), ['completed', undefined]);
  assert.deepEqual(end(events('./a: file changed as we read it'), 1), ['failed', 'tar: ./a: file changed as we read it; what it wrote stays']);
  // No space is not put first: a restore's tar writes into the target, not the backups directory.
  assert.deepEqual(end(events(NO_SPACE), 137, ['x']), ['failed', 'tar was killed by signal 9; what it wrote stays']);
  assert.deepEqual(end(events(NO_SPACE), 2, ['tar was not started: one', 'two']), ['failed', 'two; what it wrote stays']);
  assert.deepEqual(end(events('./b: Cannot open: Permission denied', NO_SPACE, './c: Cannot open: Permission denied', FATAL), 2), ['failed', `tar: ${NO_SPACE}; what it wrote stays`]);
  assert.deepEqual(end(events('./x: Cannot open: Permission denied', './y: Cannot open: No such file or directory', FATAL), 2), ['failed', 'tar: ./x: Cannot open: Permission denied; what it wrote stays']);
  assert.deepEqual(end(events(FATAL), 2), ['failed', 'tar exited with status 2; what it wrote stays']);
});

test("a job being started is judged on the node's clock: the starting client's clock an hour off either way changes nothing", () => {
  const limitMs = 25_000;
  const claimedAtMs = Date.parse('2026-12-07T10:00:00Z');
  const skews = [-3_600_000, 0, 3_600_000];
  for (const skew of skews) {
    // The starting client wrote startedAt by its own clock, off by `skew`; the observer's clock is off too.
    const startedAt = new Date(claimedAtMs + skew).toISOString();
    const nowMs = claimedAtMs + 5_000 - skew;
    assert.equal(stillStarting({ claimedAtMs, nodeNowMs: claimedAtMs + 5_000, startedAt, nowMs, limitMs }), true, `5 s after the claim, skew ${skew}`);
    assert.equal(stillStarting({ claimedAtMs, nodeNowMs: claimedAtMs + 600_000, startedAt, nowMs, limitMs }), false, `10 min after the claim, skew ${skew}`);
  }
  // The limit itself: still starting just before it, not at it.
  assert.equal(stillStarting({ claimedAtMs, nodeNowMs: claimedAtMs + limitMs - 1, startedAt: '2000-01-01T00:00:00Z', nowMs: 0, limitMs }), true);
  assert.equal(stillStarting({ claimedAtMs, nodeNowMs: claimedAtMs + limitMs, startedAt: '2000-01-01T00:00:00Z', nowMs: 0, limitMs }), false);
  // Without the node's two times: the observer's clock against startedAt, as before.
  assert.equal(stillStarting({ nodeNowMs: claimedAtMs, startedAt: new Date(claimedAtMs).toISOString(), nowMs: claimedAtMs + 1_000, limitMs }), true);
  assert.equal(stillStarting({ claimedAtMs, startedAt: new Date(claimedAtMs).toISOString(), nowMs: claimedAtMs + 60_000, limitMs }), false);
});

test("the node's time from dockerd's info: RFC 3339 with up to nine digits of fraction, anything else unknown", () => {
  assert.equal(nodeTimeOf({ SystemTime: '2026-12-07T03:42:22.593666004Z' }), Date.parse('2026-12-07T03:42:22.593Z'));
  assert.equal(nodeTimeOf({ SystemTime: '2026-12-07T04:42:22+01:00' }), Date.parse('2026-12-07T03:42:22Z'));
  for (const bad of [undefined, null, 'x', {}, { SystemTime: 12 }, { SystemTime: 'yesterday' }, { SystemTime: '2026-12-07 03:42:22Z' }, { SystemTime: `2026-12-07T03:42:22.${'1'.repeat(60)}Z` }, { SystemTime: '2026-13-45T99:99:99Z' }]) {
    assert.equal(nodeTimeOf(bad), undefined, JSON.stringify(bad));
  }
});

test("a job whose shell died ends on the node's clock: the container's stop (or new start), else dockerd's now, the observer's clock last", async () => {
  const clientNowMs = Date.parse('2026-12-07T09:00:00Z'); // an observer an hour behind the node
  const dockerdNow = Date.parse('2026-12-07T10:00:00Z');
  let asked = 0;
  const nodeNow = (at: number | undefined) => async () => {
    asked++;
    return at;
  };
  assert.equal(await goneAt({ containerSince: '2026-12-07T09:59:30.123456789Z', nodeNow: nodeNow(dockerdNow), clientNowMs }), Date.parse('2026-12-07T09:59:30.123Z'));
  assert.equal(asked, 0, 'the container said when: dockerd is not asked again');
  assert.equal(await goneAt({ nodeNow: nodeNow(dockerdNow), clientNowMs }), dockerdNow);
  assert.equal(await goneAt({ nodeNow: nodeNow(undefined), clientNowMs }), clientNowMs);
  // What dockerd says of the container comes from the node: a time that is not one is not used.
  for (const bad of ['', 'yesterday', '0001-01-01', `2026-12-07T09:59:30.${'9'.repeat(70)}Z`]) {
    assert.equal(await goneAt({ containerSince: bad, nodeNow: nodeNow(dockerdNow), clientNowMs }), dockerdNow, bad);
    assert.equal(await goneAt({ containerSince: bad, nodeNow: nodeNow(undefined), clientNowMs }), clientNowMs, bad);
  }
});

test("a node's long line goes into a reason clipped, so the record written is one the job file's guard reads back", () => {
  // Found by jobLinesProperty.test.ts: tar's line for a long escaped path made a 9679-character
  // reason, and parseJobFile refuses one over 8192: the job's record was unreadable from then on.
  const long = `./${'\\303\\274'.repeat(1200)}`;
  const file = `${DIR}/${NAME.replace(/\.tar$/, '.job.json')}`;
  const readBack = (r: JobRecord) => parseJobFile(serializeJobFile({ ...r, endedAt: '2026-04-12T00:00:00.000Z' }), file, 'node1');
  const failed = `${backupFailure(tarEventsOf(`tar: ${long}: Cannot open: Permission denied\n`), 2, [], 1 << 30)}; the partial archive was removed`;
  assert.equal(readBack({ ...job, state: 'failed', exitCode: 2, reason: failed }).reason, failed);
  assert.match(failed, /^tar failed: \.\/\\303\\274[\\0-9]+…\[\d+ characters left out\]…[\\0-9]+: Cannot open: Permission denied; the partial archive was removed$/);
  assert.ok(failed.length < MAX_REASON_WORDS + 100, `${failed.length}`);
  const said = [`mv: ${long}: ${KEPT_PARTIAL}${partial}`];
  const kept = keptEnd(job, said, KEPT_EXIT)!;
  assert.ok(kept.length < 2 * MAX_REASON_WORDS && kept.includes(`: ${KEPT_PARTIAL}${partial}; publish it as ${NAME}`), kept);
  assert.equal(readBack({ ...job, state: 'failed', reason: kept, kept: true }).reason, kept);
  const unsynced = publishedUnsynced(job, [`${PUBLISHED_UNSYNCED}${job.archive}, but sync: ${long}`])!;
  assert.ok(unsynced.startsWith(`${PUBLISHED_UNSYNCED}${job.archive}, but sync: `) && unsynced.length < 2 * MAX_REASON_WORDS, unsynced);
  assert.equal(restoreEnd(restore, [], 2, false, [long]).reason, `${clipWords(long)}; what it wrote stays`);
  assert.equal(clipWords('x'.repeat(MAX_REASON_WORDS)), 'x'.repeat(MAX_REASON_WORDS), 'up to the bound, whole');
});
