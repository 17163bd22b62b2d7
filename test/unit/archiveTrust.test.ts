// The check or cross on an archive row and the node's "last good backup" line, from catalog
// entries built here (the catalog's reading is tested in catalogRead/catalogProperty).
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CatalogArchive } from '../../src/core/catalog/catalog';
import { archiveTrust, lastGoodBackup } from '../../src/extension/archiveTrust';
import { shortDate } from '../../src/extension/format';
import { catalogArchive } from '../helpers/builders';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const H = 3_600_000;
const iso = (msBefore: number) => new Date(NOW - msBefore).toISOString();

function archive(o: Partial<CatalogArchive> & { name?: string; madeHoursAgo?: number } = {}): CatalogArchive {
  const { madeHoursAgo = 3, ...rest } = o;
  const name = o.name ?? 'datarobot-gluster-backup-2026-04-12.tar';
  return catalogArchive(
    {
      bytes: 10,
      made: iso(madeHoursAgo * H),
      madeFrom: 'job',
      job: { id: 'j1', state: 'completed', exitCode: 0, warnings: 0, startedAt: iso(madeHoursAgo * H + 60_000), endedAt: iso(madeHoursAgo * H) },
      checksum: 'not-checked',
      ...rest,
    },
    { dir: '/b', name },
  );
}

const validated = (verdict: 'complete' | 'incomplete' | 'differs' | 'corrupt', missingFiles: number, checksum: CatalogArchive['checksum'], hoursAgo = 2) => ({
  validation: { at: iso(hoursAgo * H), verdict, missingFiles, checksum },
  checksum,
  clean: (verdict === 'complete' || verdict === 'differs') && checksum !== 'mismatch',
});

test('validated clean: a check, saying when, with tar exit and the checksum', () => {
  const t = archiveTrust(archive(validated('complete', 0, 'ok')), NOW);
  assert.equal(t.mark, 'check');
  assert.equal(t.severity, 'ok');
  assert.equal(t.short, 'validated clean');
  assert.deepEqual(t.reasons, [`validated clean 2 h ago (${shortDate(iso(2 * H))})`, 'tar exit 0, no tar warnings', 'sha256 matched its .sha256 sidecar']);
});

test('missing files: a cross of error severity naming the count', () => {
  const t = archiveTrust(archive(validated('incomplete', 7, 'ok', 30)), NOW);
  assert.equal(t.mark, 'cross');
  assert.equal(t.severity, 'error');
  assert.equal(t.short, 'missing 7');
  assert.equal(t.reasons[0], `validated 30 h ago (${shortDate(iso(30 * H))}): incomplete, 7 files missing`);
});

test('a checksum mismatch is a cross even where the names all matched', () => {
  const t = archiveTrust(archive(validated('complete', 0, 'mismatch')), NOW);
  assert.deepEqual([t.mark, t.severity, t.short], ['cross', 'error', 'checksum mismatch']);
  assert.match(t.reasons[0], /^checksum mismatch: the archive no longer matches its \.sha256/);
  assert.equal(t.reasons.at(-1), 'sha256 did NOT match its .sha256 sidecar: the archive is damaged');
});

test('not yet validated: a cross of warning severity; an unusable report says why', () => {
  const t = archiveTrust(archive({ checksum: 'absent' }), NOW);
  assert.deepEqual([t.mark, t.severity, t.short], ['cross', 'warn', 'not yet validated']);
  assert.deepEqual(t.reasons, ['not yet validated', 'tar exit 0, no tar warnings', 'no .sha256 sidecar (written before checksums, or by another tool)']);
  const bad = archiveTrust(archive({ validationError: 'x.validation.json is not a validation report this version can use: not JSON' }), NOW);
  assert.equal(bad.reasons[0], 'not validated: its report cannot be used (x.validation.json is not a validation report this version can use: not JSON)');
});

test('tar warnings are told with their kinds; no job record and an unusable one are told apart', () => {
  const w = archiveTrust(
    archive({ ...validated('differs', 0, 'ok'), job: { id: 'j', state: 'completed', exitCode: 1, warnings: 3, warningKinds: { changed: 2, removed: 1 }, startedAt: iso(4 * H) } }),
    NOW,
  );
  assert.equal(w.mark, 'check');
  assert.equal(w.reasons[0], `validated clean 2 h ago (${shortDate(iso(2 * H))}) (files changed since the backup, none missing)`);
  assert.equal(w.reasons[1], 'tar exit 1, tar warnings: 3 (changed 2, removed 1)');
  assert.equal(archiveTrust(archive({ job: undefined }), NOW).reasons[1], 'no job record (not written by this tool, or its record was removed)');
  assert.equal(archiveTrust(archive({ job: undefined, jobError: 'damaged' }), NOW).reasons[1], 'its job record cannot be used: damaged');
});

test('no catalog entry: a cross that says the records could not be read', () => {
  assert.deepEqual(archiveTrust(undefined, NOW), { mark: 'cross', severity: 'warn', short: 'state unknown', reasons: ['its records could not be read (see the backups row)'] });
});

test('last good backup: the newest completed archive that validated clean, by when it was made', () => {
  const older = archive({ name: 'datarobot-gluster-backup-2026-01-12.tar', madeHoursAgo: 27, ...validated('complete', 0, 'ok') });
  const newerBad = archive({ name: 'datarobot-gluster-backup-2026-02-12.tar', madeHoursAgo: 1, ...validated('incomplete', 2, 'ok') });
  const newest = archive({ name: 'datarobot-gluster-backup-2026-03-12.tar', madeHoursAgo: 3, ...validated('complete', 0, 'ok') });
  const g = lastGoodBackup([older, newerBad, newest], NOW, 26);
  assert.equal(g.text, 'last good backup 3 h ago');
  assert.equal(g.warn, false);
  assert.equal(g.archive, newest);
});

test('last good backup: past maxBackupAgeHours it is a warning, at the limit not yet', () => {
  const at = (hours: number) => lastGoodBackup([archive({ madeHoursAgo: hours, ...validated('complete', 0, 'ok', 1) })], NOW, 26);
  assert.deepEqual([at(26).text, at(26).warn], ['last good backup 26 h ago', false]);
  assert.deepEqual([at(27).text, at(27).warn], ['last good backup 27 h ago', true]);
  assert.equal(lastGoodBackup([archive({ madeHoursAgo: 27, ...validated('complete', 0, 'ok', 1) })], NOW, 48).warn, false);
  assert.match(at(27).detail, /warned about after 26 hours \(glusterBackup\.maxBackupAgeHours\)/);
});

test('no validated backup: none clean, or the clean one from a job that did not complete', () => {
  const failedJob = archive({ ...validated('complete', 0, 'ok'), job: { id: 'j', state: 'failed', exitCode: 2, warnings: 0, startedAt: iso(4 * H) } });
  for (const list of [[], [archive()], [failedJob]]) {
    const g = lastGoodBackup(list, NOW, 26);
    assert.deepEqual([g.text, g.warn, g.archive], ['No validated backup', true, undefined]);
  }
});
