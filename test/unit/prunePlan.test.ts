// prune's plan for one node: the retention rules, then what no rule removes (the newest clean
// archive, an archive a job still runs on, one whose records cannot be read), and the files
// that go with an archive removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CatalogArchive, CatalogNode } from '../../src/core/catalog/catalog';
import { NEWEST_CLEAN, planPrune } from '../../src/core/catalog/prunePlan';
import { checksumState, parseValidationRecord, validatedClean, ValidationRecordError } from '../../src/core/catalog/validationRecord';
import { catalogArchive } from '../helpers/builders';

const DIR = '/opt/datarobot/data/backups/gluster';

function archive(day: string, over: Partial<CatalogArchive> = {}): CatalogArchive {
  const name = `datarobot-gluster-backup-2026-${day.slice(3)}-${day.slice(0, 2)}.tar`;
  return catalogArchive({ made: `2026-${day}T03:00:00.000Z`, ...over }, { dir: DIR, name });
}
const node = (archives: CatalogArchive[]): CatalogNode => ({ node: 'node1', dir: DIR, archives, foreign: ['notes.txt'], keptPartials: [] });
const summary = (p: ReturnType<typeof planPrune>) => p.decisions.map((d) => `${d.archive.made.slice(5, 10)} ${d.action} ${d.why.join('+')}`);

test('without protections the plan is the retention result, newest first, with each rule named', () => {
  const p = planPrune(node([archive('10-01'), archive('10-03'), archive('10-02')]), { last: 2 });
  assert.deepEqual(summary(p), ['10-03 keep last', '10-02 keep last', '10-01 remove ']);
});

test('the newest archive that validated clean stays when no rule keeps it', () => {
  const a = [archive('10-01', { clean: true }), archive('10-02', { clean: true }), archive('10-03'), archive('10-04')];
  assert.deepEqual(summary(planPrune(node(a), { last: 1 })), ['10-04 keep last', '10-03 remove ', `10-02 keep ${NEWEST_CLEAN}`, '10-01 remove ']);
});

test('an archive a job runs on, or whose records cannot be read, stays', () => {
  const a = [
    archive('10-01', { running: ['datarobot-gluster-backup-2026-01-10.tar.restore-20261005T000000Z'] }),
    archive('10-02', { jobError: 'damaged' }),
    archive('10-03', { restores: [{ id: 'r', verification: 'not-verified', error: 'planted' }] }),
    archive('10-04'),
  ];
  const s = summary(planPrune(node(a), { last: 1 }));
  assert.deepEqual(s, [
    '10-04 keep last',
    '10-03 keep the record of restore r cannot be read (planted)',
    '10-02 keep its job record cannot be read (damaged)',
    '10-01 keep in use by a running job (datarobot-gluster-backup-2026-01-10.tar.restore-20261005T000000Z)',
  ]);
});

test("an archive removed takes the member list its job left beside the partial only when that job is final, as the partial", () => {
  const name = 'datarobot-gluster-backup-2026-01-10.tar.gz';
  const files = [name, `${name}.members`, `${name}.partial`, `${name}.partial.members`];
  const job = (state: 'completed' | 'failed') => ({ id: 'datarobot-gluster-backup-2026-01-10', state, warnings: 0, startedAt: '2026-10-01T03:00:00Z' });
  const final = planPrune(node([archive('10-01', { name, files, job: job('failed') }), archive('10-02')]), { last: 1 }).decisions[1];
  assert.deepEqual(final.files, [`${name}.members`, `${name}.partial`, `${name}.partial.members`, name]);
  const noJob = planPrune(node([archive('10-01', { name, files }), archive('10-02')]), { last: 1 }).decisions[1];
  assert.deepEqual(noJob.files, [`${name}.members`, name]);
});

test('an archive removed takes its files, the archive last; its partial only when its job is final', () => {
  const name = 'datarobot-gluster-backup-2026-01-10.tar';
  const files = [name, `${name}.sha256`, `${name}.partial`, 'datarobot-gluster-backup-2026-01-10.log'];
  const job = (state: 'completed' | 'failed') => ({ id: 'datarobot-gluster-backup-2026-01-10', state, warnings: 0, startedAt: '2026-10-01T03:00:00Z' });
  const final = planPrune(node([archive('10-01', { files, job: job('failed') }), archive('10-02')]), { last: 1 }).decisions[1];
  assert.deepEqual(final.files, [`${name}.sha256`, `${name}.partial`, 'datarobot-gluster-backup-2026-01-10.log', name]);
  const noJob = planPrune(node([archive('10-01', { files }), archive('10-02')]), { last: 1 }).decisions[1];
  assert.deepEqual(noJob.files, [`${name}.sha256`, 'datarobot-gluster-backup-2026-01-10.log', name]);
});

const REPORT = {
  node: 'node1',
  archive: `${DIR}/a.tar`,
  archiveBytes: 10240,
  startedAt: '2026-10-02T08:00:00.000Z',
  report: { verdict: 'complete', missingFiles: { count: 0 } },
};
const parse = (o: unknown, bytes = 10240) => parseValidationRecord(JSON.stringify(o), `${DIR}/a.tar.validation.json`, `${DIR}/a.tar`, bytes);

test('a validation report gives when, verdict, missing count, and its checksum state (absent field: not checked)', () => {
  assert.deepEqual(parse(REPORT), { at: REPORT.startedAt, verdict: 'complete', missingFiles: 0, checksum: 'not-checked' });
  assert.equal(parse({ ...REPORT, checksum: 'mismatch' }).checksum, 'mismatch');
  assert.equal(parse({ ...REPORT, checksum: { state: 'ok', expected: 'ab' } }).checksum, 'ok');
  assert.equal(parse({ ...REPORT, checksum: 'sideways' }).checksum, 'not-checked');
});

test('clean is nothing missing and nothing damaged; a checksum mismatch is never clean', () => {
  const v = parse(REPORT);
  assert.equal(validatedClean(v), true);
  assert.equal(validatedClean({ ...v, verdict: 'differs' }), true);
  assert.equal(validatedClean({ ...v, verdict: 'incomplete', missingFiles: 3 }), false);
  assert.equal(validatedClean({ ...v, verdict: 'truncated' }), false);
  assert.equal(validatedClean({ ...v, checksum: 'mismatch' }), false);
  assert.equal(validatedClean(undefined), false);
});

test('the checksum state: no sidecar is absent; a sidecar the last validation did not check is not checked', () => {
  const v = parse(REPORT);
  assert.equal(checksumState(false, { ...v, checksum: 'ok' }), 'absent');
  assert.equal(checksumState(true, undefined), 'not-checked');
  assert.equal(checksumState(true, { ...v, checksum: 'absent' }), 'not-checked');
  assert.equal(checksumState(true, { ...v, checksum: 'ok' }), 'ok');
  assert.equal(checksumState(true, { ...v, checksum: 'mismatch' }), 'mismatch');
});

test('a report of another archive, of other bytes, or damaged is refused with the reason', () => {
  const cases: [unknown, RegExp, number?][] = [
    [{ ...REPORT, archive: '/etc/passwd' }, /it is the report of \/etc\/passwd, not of/],
    [REPORT, /it validated 10240 bytes; the archive now has 99/, 99],
    [{ ...REPORT, startedAt: 'yesterday' }, /"startedAt" is not a time/],
    [{ ...REPORT, report: { verdict: 'fine', missingFiles: { count: 0 } } }, /"report.verdict" is not a verdict/],
    [{ ...REPORT, report: { verdict: 'complete', missingFiles: { count: -1 } } }, /missingFiles.count" is not a count/],
    [[REPORT], /not a JSON object/],
  ];
  for (const [o, why, bytes] of cases) assert.throws(() => parse(o, bytes), (e: unknown) => e instanceof ValidationRecordError && why.test(e.message), String(why));
  assert.throws(() => parseValidationRecord('{"archive":', 'f', 'a', 1), /f is not a validation report this version can use: not JSON/);
});
