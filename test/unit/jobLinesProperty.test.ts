// Property tests of what a job's end reads from its log on the node: tar's lines (tarEventsOf),
// the script's own (jobLinesOf), and the readers of those (keptEnd, scriptCancelEnd,
// publishedUnsynced, the failure's sentence, endWithoutStatus). Real log lines mutated at random,
// arbitrary text with NULs, \r, U+2028 and lone surrogates, and lines of hundreds of kilobytes:
// never a throw, output no larger than the log, and every reason one the job file's guard reads
// back. Fixed seeds: the runs are the same each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backupFailure, endWithoutStatus, jobLinesOf, keptEnd, publishedUnsynced, restoreEnd, scriptCancelEnd, tarEventsOf, type ShellGone } from '../../src/core/backup/jobEnd';
import { parseJobFile, restorePaths, serializeJobFile } from '../../src/core/backup/jobFile';
import { CANCELLED_BEFORE_TAR, CANCELLED_EXIT, CANCELLED_UNPUBLISHED, KEPT_EXIT, PUBLISHED_UNSYNCED } from '../../src/core/backup/jobScript';
import { KEPT_PARTIAL } from '../../src/core/backup/keptPartial';
import { JOB_LINE_PREFIX } from '../../src/core/backup/tarWarnings';
import type { JobRecord } from '../../src/core/backup/types';
import { backupJob } from '../helpers/builders';
import { applyMutation, mutation } from './helpers/textMutation';

const SEED = 20261208;
const DIR = '/opt/datarobot/data/backups/gluster';
const NAME = 'datarobot-gluster-backup-2026-04-12.tar.gz';
const job = backupJob({ node: 'node2' }, { dir: DIR, archive: NAME });
const RESTORE_ID = `${NAME}.restore-20260412T000000Z`;
/** A restore of that archive, as startRestore records it. */
const restore: JobRecord = (({ partial: _, ...r }) => ({
  ...r,
  kind: 'restore',
  id: RESTORE_ID,
  archive: `${DIR}/${NAME}`,
  log: restorePaths(DIR, RESTORE_ID).log,
  source: `${DIR}/${NAME}`,
  restore: { target: '/mnt/gluster/restored', members: ['./a'], policy: 'skip', bytesToWrite: 10, archiveBytes: 34567 },
}))(job);
const JOB_FILE = `${DIR}/${NAME.replace(/\.tar\.gz$/, '.job.json')}`;
const KINDS = new Set(['changed', 'removed', 'shrank', 'cannotOpen', 'cannotStat', 'cannotRead', 'socketIgnored', 'noSpace', 'writeError', 'fatal', 'other']);

/** Lines as the job's tar and script write them (tar's escapes as tar quotes names). */
const SAMPLE = [
  'tar: ./a/b c: file changed as we read it',
  'tar: ./x\\nname: File removed before we read it',
  'tar: ./big: File shrank by 1024 bytes; padding with zeros',
  'tar: ./run/s.sock: socket ignored',
  'tar: ./p\\303\\274: Cannot open: Permission denied',
  'tar: ./gone: Cannot stat: No such file or directory',
  'tar: ./d: Read error at byte 4096, while reading 512 bytes: Input/output error',
  `tar: ${job.partial}: Cannot write: No space left on device`,
  `tar: ${job.partial}: Wrote only 8192 of 10240 bytes`,
  'tar: Error is not recoverable: exiting now',
  'tar: Exiting with failure status due to previous errors',
  'pigz: abort: write error on <stdout>',
  `${JOB_LINE_PREFIX}${CANCELLED_BEFORE_TAR}`,
  `${JOB_LINE_PREFIX}tar exit 0, but ${CANCELLED_UNPUBLISHED}`,
  `${JOB_LINE_PREFIX}tar exit 0, but ${job.archive} already exists: ${KEPT_PARTIAL}${job.partial}`,
  `${JOB_LINE_PREFIX}${PUBLISHED_UNSYNCED}${job.archive}, but sync could not flush its name to disk (Input/output error): the host going down before its own flush could lose them; validate the archive before relying on it`,
  `${JOB_LINE_PREFIX}tar was stopped: its pid could not be written to /tmp/x.pid\r`,
].join('\n');

/** Text a node could send: any code units, the line ends and separators of every kind among them. */
const noise = fc.string({ unit: fc.oneof(fc.constantFrom('\0', '\n', '\r', '\u2028', '\u2029', '\ud800', ': ', 'tar: ', JOB_LINE_PREFIX, ': Cannot write: ', KEPT_PARTIAL), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 200 });

/** A log: the sample mutated, noise, or the sample with noise spliced in. */
const log = fc.oneof(
  fc.array(mutation, { minLength: 1, maxLength: 5 }).map((ms) => ms.reduce(applyMutation, SAMPLE)),
  noise,
  fc.tuple(fc.nat(), noise).map(([at, n]) => SAMPLE.slice(0, at % SAMPLE.length) + n + SAMPLE.slice(at % SAMPLE.length)),
);

/** Whether `r` written as the job's end is read back by the job file's guard, as written. */
function readsBack(r: JobRecord, what: string): void {
  const rec = { ...r, endedAt: '2026-04-12T01:00:00.000Z' };
  const back = parseJobFile(serializeJobFile(rec), rec.kind === 'restore' ? restorePaths(DIR, rec.id).job : JOB_FILE, rec.node);
  assert.equal(back.reason, rec.reason, what);
}

function checkLog(text: string): void {
  const lines = text.split('\n');
  const events = tarEventsOf(text);
  assert.ok(events.length <= lines.length);
  for (const e of events) {
    assert.ok(KINDS.has(e.kind) && (e.severity === 'warning' || e.severity === 'error'), JSON.stringify(e));
    assert.ok(e.message.length <= text.length && (e.path === undefined || e.path.length < e.message.length));
  }
  const said = jobLinesOf(text);
  assert.ok(said.length <= lines.length && said.every((l) => l.length <= text.length));
  const what = JSON.stringify(text.slice(0, 300));
  for (const code of [0, 1, 2, KEPT_EXIT, CANCELLED_EXIT, 137]) {
    const free = code === 2 ? 1000 : 1 << 30;
    const failed = backupFailure(events, code, said, free);
    readsBack({ ...job, state: 'failed', exitCode: code, reason: `${failed}; the partial archive was removed` }, what);
    const kept = keptEnd(job, said, code);
    if (kept !== undefined) readsBack({ ...job, state: 'failed', reason: kept, kept: true }, what);
    const cancel = scriptCancelEnd(job, said, code, code === 1);
    if (cancel !== undefined) {
      assert.equal(code, CANCELLED_EXIT);
      readsBack({ ...job, state: 'cancelled', reason: cancel }, what);
    }
    const unsynced = publishedUnsynced(job, said, code === 1);
    if (unsynced !== undefined) readsBack({ ...job, state: 'completed', exitCode: 0, reason: unsynced }, what);
    readsBack(restoreEnd(restore, events, code, false, said), what);
    for (const files of [{ archive: 10240 }, { partial: 512 }, {}]) {
      const seen: ShellGone = { shell: { gone: 'exited', code }, cancelAsked: false, files: { log: text, checksum: false, free, ...files } };
      const end = endWithoutStatus(job, seen);
      readsBack({ ...job, ...end.patch }, what);
    }
  }
}

test("property: a job's log, mutated or arbitrary: events and lines no larger than it, every reason read back by the job file's guard", () => {
  fc.assert(fc.property(log, checkLog), { seed: SEED, numRuns: 400, includeErrorInReport: true });
});

test("property: lines of hundreds of kilobytes, separators inside, read in bounded time and clipped in reasons", { timeout: 30_000 }, () => {
  // A sample line's fragment repeated, ending or broken by what stops a regex's `.`.
  const lines = SAMPLE.split('\n');
  const long = fc
    .tuple(fc.nat(lines.length - 1), fc.nat(), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1000, max: 30_000 }), fc.constantFrom('', '\r', '\u2028', '\0', '\ud800'))
    .map(([i, at, len, times, end]) => {
      const l = lines[i];
      const from = at % l.length;
      return l.slice(0, from) + l.slice(from, from + len).repeat(times) + l.slice(from) + end;
    });
  fc.assert(
    fc.property(fc.array(long, { minLength: 1, maxLength: 3 }), (ls) => checkLog(ls.join('\n'))),
    { seed: SEED, numRuns: 30, includeErrorInReport: true },
  );
});
