// What prune removes of an archive once it is marked, from the listing taken after the mark:
// the plan's files, and what appeared since of the archive itself (a report, a restore's
// verification) but never a restore the plan did not see (that one keeps the archive).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupDir } from '../../src/core/catalog/dirFiles';
import { filesNow, lateSidecars, startedSincePlan } from '../../src/core/catalog/prune';
import type { PruneDecision } from '../../src/core/catalog/prunePlan';

const A = 'datarobot-gluster-backup-2026-01-03.tar';
const R1 = `${A}.restore-20260105T120000Z`;
const R2 = `${A}.restore-20260106T120000Z`;
const listing = (names: string[]) => groupDir(names.map((name) => ({ name, size: 1, mtimeMs: 0, isFile: true }))).archives[0];
const decision = (files: string[]): PruneDecision => ({ archive: { name: A, files } as unknown as PruneDecision['archive'], action: 'remove', why: [], files });

test("a restore the plan saw writes its verification after the plan: it goes with the archive, and is no restore started since", () => {
  const planned = [`${A}.sha256`, `${R1}.job.json`, `${R1}.log`, A];
  const now = listing([A, `${A}.sha256`, `${R1}.job.json`, `${R1}.log`, `${R1}.json`, `${A}.validation.json`, `${A}.prune`]);
  assert.deepEqual(startedSincePlan(planned, now), []);
  assert.deepEqual(filesNow(decision(planned), now), [`${A}.sha256`, `${R1}.job.json`, `${R1}.log`, `${R1}.json`, `${A}.validation.json`, A]);
});

test('a restore the plan did not see at all keeps the archive: its files are named', () => {
  const planned = [`${A}.sha256`, A];
  const now = listing([A, `${A}.sha256`, `${R2}.job.json`, `${R2}.dirs`]);
  assert.deepEqual(startedSincePlan(planned, now), [`${R2}.dirs`, `${R2}.job.json`]);
});

test("prune's last look, once the archive is gone: its late sidecars and the planned restores' files go; its mark, other archives' files and unseen restores stay", () => {
  const B = 'datarobot-gluster-backup-2026-01-04.tar';
  const planned = [`${A}.sha256`, `${R1}.job.json`, A];
  const listed = [
    `${A}.validation.json`,
    `${A}.read-data.json.tmp-123-0123abcd`,
    `${A}.prune`,
    `${R1}.json`,
    `${R2}.job.json`,
    B,
    `${B}.validation.json`,
    'datarobot-gluster-backup-2026-01-03.log',
    'notes.txt',
  ];
  assert.deepEqual(lateSidecars(listed, A, planned), [`${A}.read-data.json.tmp-123-0123abcd`, `${R1}.json`, `${A}.validation.json`]);
  assert.deepEqual(lateSidecars([`${A}.prune`, A], A, planned), [], 'the archive (were it there again) and the mark are never among them');
  assert.deepEqual(lateSidecars([`${A}.partial`, `${A}.partial.members`], A, planned), [], 'a partial and its list that appear late are a job\'s, as in the plan');
});
