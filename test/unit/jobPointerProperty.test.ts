// Property tests of a job pointer's guard (jobRegistry.ts): the text of a file in the registry on
// a node's host, which anything with that home directory can write. Pointers as registerJob
// writes them, mutated; any JSON; huge and deep texts: a job file of ours named in the text, or
// nothing, never a throw. Fixed seed: the runs are the same each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jobOfPointer } from '../../src/core/backup/jobRegistry';
import { jobPaths, restorePaths, restoreId } from '../../src/core/backup/jobFile';
import { roleOf } from '../../src/core/catalog/dirFiles';
import { applyMutation, mutation } from './helpers/textMutation';

const SEED = 20261213;

const ARCHIVES = ['datarobot-gluster-backup-2026-04-12.tar', 'datarobot-gluster-backup-2026-04-12-2.tar.gz', 'datarobot-gluster-backup-2026-12-01-17.tar.gz'];
const segment = fc.stringMatching(/^[A-Za-z0-9._ ü-]{1,20}$/).filter((s) => s !== '.' && s !== '..');
const dir = fc.array(segment, { minLength: 0, maxLength: 5 }).map((ss) => `/${ss.join('/')}`);
/** A job file's path as a backup (jobPaths) or a restore (restorePaths) names it. */
const jobFile = fc.tuple(dir, fc.constantFrom(...ARCHIVES), fc.boolean(), fc.date({ min: new Date('2020-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })).map(([d, a, restore, at]) =>
  restore ? restorePaths(d, restoreId(a, at)).job : jobPaths(d, a).job,
);
/** What registerJob writes. */
const pointerOf = (job: string) => `${JSON.stringify({ job })}\n`;

/** Whether `job` is what the guard may hand on: a path a stat takes, of a job file named as ours. */
function acceptable(job: string): boolean {
  const role = roleOf(job.slice(job.lastIndexOf('/') + 1))?.role.role;
  return job.startsWith('/') && job.endsWith('.job.json') && !job.includes('\0') && Buffer.byteLength(job) <= 4095 && (role === 'job' || role === 'restore');
}

/** The guard's answer is the text's own `job`, acceptable, or nothing. */
function checked(text: string): void {
  const job = jobOfPointer(text);
  if (job === undefined) return;
  assert.ok(acceptable(job), JSON.stringify(job).slice(0, 200));
  assert.equal(job, (JSON.parse(text) as { job: unknown }).job);
}

test('property: a pointer as registerJob writes it leads to its job file', () => {
  fc.assert(
    fc.property(jobFile, (job) => {
      assert.ok(acceptable(job), job);
      assert.equal(jobOfPointer(pointerOf(job)), job);
      assert.equal(jobOfPointer(JSON.stringify({ note: 'later field', job }, null, 2)), job);
    }),
    { seed: SEED, numRuns: 500 },
  );
});

test("property: a pointer mutated, or any JSON, names an acceptable job file of the text's, or none", () => {
  const mutated = fc.tuple(jobFile, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([job, ms]) => ms.reduce(applyMutation, pointerOf(job)));
  const anyJob = fc.oneof(fc.anything(), fc.jsonValue(), jobFile.map((j) => j.replace('/', '\0/')), jobFile.map((j) => j.slice(1)), jobFile.map((j) => `${j}.tmp`));
  fc.assert(
    fc.property(
      fc.oneof(mutated, fc.jsonValue().map((v) => JSON.stringify(v)), fc.record({ job: anyJob }).map((v) => JSON.stringify(v) ?? ''), fc.string({ unit: 'binary', maxLength: 500 })),
      checked,
    ),
    { seed: SEED, numRuns: 2000 },
  );
});

test('huge and deep pointers: no throw, nothing a stat cannot take', () => {
  const name = 'datarobot-gluster-backup-2026-04-12.job.json';
  const deep = (n: number) => `${'{"job":'.repeat(n)}"/${name}"${'}'.repeat(n)}`;
  for (const text of [deep(1), deep(100_000), '['.repeat(1 << 20), `{"job":"/${'a'.repeat(1 << 20)}"}`, 'x'.repeat(8 << 20), `{"job":"/${name}"${',"x":1'.repeat(100_000)}}`]) checked(text);
  assert.equal(jobOfPointer(deep(1)), `/${name}`);
  // A path longer than PATH_MAX, or a NUL in a directory's name: every stat of it failed (not
  // "not found"), so every listing of the node did, the pointer kept.
  const long = `/${'d/'.repeat(2030)}${name}`;
  assert.ok(Buffer.byteLength(long) > 4095);
  assert.equal(jobOfPointer(pointerOf(long)), undefined);
  assert.equal(jobOfPointer(pointerOf(`/${'d/'.repeat(2000)}${name}`)), `/${'d/'.repeat(2000)}${name}`);
  assert.equal(jobOfPointer(pointerOf(`/${'ü/'.repeat(1400)}${name}`)), undefined, 'PATH_MAX counts bytes');
  assert.equal(jobOfPointer(pointerOf(`/a\0b/${name}`)), undefined);
  assert.equal(jobOfPointer(pointerOf(`/a/important.job.json`)), undefined);
  assert.equal(jobOfPointer(`[${JSON.stringify(`/a/${name}`)}]`), undefined);
});
