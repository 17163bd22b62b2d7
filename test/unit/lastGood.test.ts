// A node's last good backup in list's words and in its JSON, as the explorer's node line picks
// it: the newest archive whose job completed (or that has no job record) and that validated
// clean, aged from when it was made. The time is pinned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCatalog, lastGoodJson } from '../../src/cli/catalog';
import { lastGoodArchive, olderThan } from '../../src/core/catalog/lastGood';
import type { CatalogArchive, CatalogNode } from '../../src/core/catalog/catalog';
import { catalogArchive } from '../helpers/builders';

const P = 'datarobot-gluster-backup-';
const NOW = Date.parse('2026-12-07T20:00:00.000Z');
const AGE = { now: NOW, maxAgeHours: 26 };
const job = (state: NonNullable<CatalogArchive['job']>['state']) => ({ job: { id: 'j', state, warnings: 0, startedAt: '2026-12-07T16:00:00.000Z' } });
const validated = { at: '2026-12-07T19:00:00.000Z', verdict: 'complete', missingFiles: 0 } as CatalogArchive['validation'];
const node = (archives: CatalogArchive[], over: Partial<CatalogNode> = {}): CatalogNode => ({ node: 'node1', dir: '/b', archives, foreign: [], keptPartials: [], ...over });

test('the pick: clean and completed (or no record), newest by when it was made; warnings, failures and not-yet-validated archives never count', () => {
  const clean = catalogArchive({ ...job('completed'), clean: true, validation: validated, made: '2026-12-07T17:00:00.000Z' }, { dir: '/b', name: `${P}2026-07-12.tar` });
  const newerWarned = catalogArchive({ ...job('completedWithWarnings'), clean: true, validation: validated, made: '2026-12-07T18:00:00.000Z' }, { dir: '/b', name: `${P}2026-07-12-2.tar` });
  const newerUnvalidated = catalogArchive({ ...job('completed'), made: '2026-12-07T19:00:00.000Z' }, { dir: '/b', name: `${P}2026-07-12-3.tar` });
  const olderNoRecord = catalogArchive({ clean: true, validation: validated, made: '2026-12-01T00:00:00.000Z' }, { dir: '/b', name: 'by-hand.tar' });
  assert.equal(lastGoodArchive([olderNoRecord, newerWarned, clean, newerUnvalidated]), clean);
  assert.equal(lastGoodArchive([olderNoRecord, newerUnvalidated]), olderNoRecord);
  assert.equal(lastGoodArchive([newerWarned, newerUnvalidated]), undefined);
  // The limit is exclusive: 26 h to the millisecond is not older than 26 h.
  assert.equal(olderThan({ made: '2026-12-06T18:00:00.000Z' }, NOW, 26), false);
  assert.equal(olderThan({ made: '2026-12-06T17:59:59.999Z' }, NOW, 26), true);
});

test("list's line per node: the archive, when made and how long ago; a warning past maxBackupAgeHours; none validated said; nothing for a node not read or without archives", () => {
  const good = catalogArchive({ ...job('completed'), clean: true, validation: validated, made: '2026-12-07T17:00:00.000Z' }, { dir: '/b', name: `${P}2026-07-12.tar` });
  assert.match(formatCatalog([node([good])], AGE), new RegExp(`^node1: /b\\n {2}last good backup: ${P}2026-07-12\\.tar, made 2026-12-07 17:00:00 UTC, 3 h ago\\n {2}${P}2026-07-12\\.tar {2}`));
  const old = { ...good, made: '2026-12-04T20:00:00.000Z' };
  assert.match(formatCatalog([node([old])], AGE), /\n {2}last good backup: \S+, made 2026-12-04 20:00:00 UTC, 3 days ago: WARNING, older than 26 hours \(maxBackupAgeHours\)\n/);
  assert.match(formatCatalog([node([{ ...good, clean: false, validation: undefined }])], AGE), /\n {2}no validated backup: no archive here completed and validated clean \(validate-backup checks one\)\n/);
  assert.equal(formatCatalog([node([])], AGE), 'node1: /b\n  no archives\n');
  assert.equal(formatCatalog([node([], { error: 'cannot reach it' })], AGE), 'node1: could not be read: cannot reach it\n');
  // Without an age limit (the callers that print archives alone): no such line.
  assert.doesNotMatch(formatCatalog([node([good])]), /last good backup/);
  // --json: the path, when made and whether past the limit; null for none; absent for a node not read.
  assert.deepEqual(lastGoodJson(node([old, good]), AGE), { lastGood: { path: `/b/${P}2026-07-12.tar`, made: '2026-12-07T17:00:00.000Z', olderThanLimit: false } });
  assert.deepEqual(lastGoodJson(node([old]), AGE), { lastGood: { path: `/b/${P}2026-07-12.tar`, made: '2026-12-04T20:00:00.000Z', olderThanLimit: true } });
  assert.deepEqual(lastGoodJson(node([]), AGE), { lastGood: null });
  assert.deepEqual(lastGoodJson(node([], { error: 'x' }), AGE), {});
});
