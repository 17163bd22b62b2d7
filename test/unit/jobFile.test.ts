// The job file is read back from a node, where anything may have rewritten it: the guard must
// give a typed record or a JobFileError that says why, never a record whose paths lead outside
// the job's own files. Fixed inputs and a fixed fast-check seed: every run is the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JOB_FILE_VERSION, JobFileError, MAX_JOB_FILE_BYTES, claimVersion, fileVersion, jobPaths, keptArchive, parseJobFile, pathsOf, restoreId, restorePaths, serializeJobFile, type JobRecord } from '../../src/core/backup/jobFile';
import { backupJob } from '../helpers/builders';

const DIR = '/opt/datarobot/data/backups/gluster';
const STEM = 'datarobot-gluster-backup-2026-03-12';
const FILE = `${DIR}/${STEM}.job.json`;

function record(over: Partial<JobRecord> = {}): JobRecord {
  return backupJob(
    {
      state: 'completedWithWarnings',
      compressor: 'pigz',
      containerStartedAt: '2026-12-03T08:00:00.123456789Z',
      execId: 'a'.repeat(64),
      createdExecId: 'b'.repeat(64),
      startedAt: '2026-12-03T09:00:00.000Z',
      endedAt: '2026-12-03T09:05:00.000Z',
      exitCode: 1,
      sourceBytes: 1234567,
      archiveBytes: 34567,
      warnings: { changed: 2, removed: 1 },
      overrides: [{ check: 'freeSpace', reason: 'old archives go tonight', by: 'alice' }],
      reason: 'files changed while read',
      ...over,
    },
    { dir: DIR, archive: `${STEM}.tar.gz` },
  );
}

const edit = (over: Record<string, unknown>, drop: string[] = []): string => {
  const o: Record<string, unknown> = { ...record(), ...over };
  for (const k of drop) delete o[k];
  return JSON.stringify(o);
};

const refused = (text: string, why: RegExp, file = FILE) =>
  assert.throws(
    () => parseJobFile(text, file, 'node1'),
    (e: unknown) => e instanceof JobFileError && why.test(e.message) && e.message.startsWith(`${file} is not a job file`),
  );

test('a job file this version writes reads back as the same record, with the node it was found on', () => {
  const r = record({ state: 'running' });
  const text = serializeJobFile(r);
  assert.match(text, /"version": 2/);
  assert.deepEqual(parseJobFile(text, FILE, 'node1'), r);
  // The node is where the file was found, whatever the file says.
  assert.equal(parseJobFile(text, FILE, 'node3').node, 'node3');
  assert.deepEqual(pathsOf(r), jobPaths(DIR, `${STEM}.tar.gz`));
});

test('a job file of an earlier version (no version, no kind, no overrides) is a version 1 backup', () => {
  const legacy = edit({ node: 'elsewhere' }, ['version', 'kind', 'overrides', 'compressor', 'execId', 'warnings', 'reason', 'endedAt', 'exitCode']);
  const r = parseJobFile(legacy, FILE, 'node2');
  assert.equal(r.version, 1);
  assert.equal(r.kind, 'backup');
  assert.deepEqual(r.overrides, []);
  assert.equal(r.node, 'node2');
  assert.equal(r.execId, undefined);
});

test('a newer version or an unknown kind is refused with what to do, not misread', () => {
  refused(edit({ version: JOB_FILE_VERSION + 1 }), /newer gluster-backup \(job file version 3; this one reads up to 2\): update to read it/);
  refused(edit({ kind: 'verify' }), /its kind "verify" is not one this version knows/);
  refused(edit({ version: 0 }), /"version" is not a positive whole number/);
  refused(edit({ version: '1' }), /"version" is not a positive whole number/);
});

/** A restore of the backup above, as startRestore records it. */
function restoreRecord(version: JobRecord['version']): { record: JobRecord; file: string } {
  const id = restoreId(`${STEM}.tar.gz`, new Date(Date.UTC(2026, 11, 3, 10, 0, 0)));
  const p = restorePaths(DIR, id);
  const record: JobRecord = {
    version,
    kind: 'restore',
    id,
    node: 'node1',
    state: 'failed',
    archive: p.archive,
    log: p.log,
    compression: 'gzip',
    source: p.archive,
    container: 'gluster',
    startedAt: '2026-12-03T10:00:00.000Z',
    nodeStartedAt: '2026-12-03T10:00:00.250Z',
    endedAt: '2026-12-03T10:01:00.000Z',
    exitCode: 2,
    overrides: [],
    reason: 'tar: Cannot write: No space left on device; what it wrote stays',
    restore: { target: '/mnt/gluster/restored', members: ['./a'], policy: 'skip', bytesToWrite: 10, archiveBytes: 34567 },
  };
  return { record, file: p.job };
}

test('versions 1 and 2 are read, a backup\'s and a restore\'s; a rewrite never raises the version', () => {
  for (const version of [1, 2] as const) {
    const b = record({ version, state: 'running' });
    const back = parseJobFile(serializeJobFile(b), FILE, 'node1');
    assert.deepEqual(back, b);
    // A job claimed by an older client stays readable by that client when this one ends it,
    // kept archive or not: a rewrite never raises the version.
    assert.equal((JSON.parse(serializeJobFile({ ...back, state: 'failed' })) as JobRecord).version, 1);
    assert.equal((JSON.parse(serializeJobFile({ ...back, state: 'failed', kept: true })) as JobRecord).version, version);
    const r = restoreRecord(version);
    assert.deepEqual(parseJobFile(serializeJobFile(r.record), r.file, 'node1'), r.record);
  }
  // Written by hand or by any client: the number is what counts, not the layout.
  assert.equal(parseJobFile(edit({ version: 1 }), FILE, 'node1').version, 1);
  assert.equal(parseJobFile(edit({ version: 2 }), FILE, 'node1').version, 2);
});

test('version 3 is refused, a restore too, saying an update reads it; this client writes no version it cannot read', () => {
  const r = restoreRecord(1);
  refused(JSON.stringify({ ...r.record, version: 3 }), /^.*: it was written by a newer gluster-backup \(job file version 3; this one reads up to 2\): update to read it$/, r.file);
  refused(edit({ version: 3 }), /: it was written by a newer gluster-backup \(job file version 3; this one reads up to 2\): update to read it$/);
  for (const version of [0, 3, 1.5]) assert.throws(() => serializeJobFile({ ...record(), version: version as JobRecord['version'] }), new RegExp(`version ${version} is not one this client writes`));
});

test("fileVersion: a backup claimed as 2 stays 2 while it runs and when it kept its archive as the partial; any other end is 1; never raised", () => {
  const partial = `${DIR}/${STEM}.tar.gz.partial`;
  const keptReason = `tar exit 0, but x already exists and is never overwritten (y): the complete archive is kept as ${partial}; rename it to z to use it (it has no checksum file)`;
  const v = (over: Partial<JobRecord>) => fileVersion(record({ reason: undefined, ...over }));
  // Running (the script may yet exit 3), or unknown (never written; as read): as claimed.
  assert.equal(v({ state: 'running' }), 2);
  assert.equal(v({ state: 'unknown' }), 2);
  // Kept: the field, or a reason written before it.
  assert.equal(v({ state: 'failed', kept: true, reason: keptReason }), 2);
  assert.equal(v({ state: 'failed', reason: keptReason }), 2);
  // Every other end: readable by every client since versioned job files.
  for (const state of ['completed', 'completedWithWarnings', 'failed', 'cancelled'] as const) assert.equal(v({ state }), 1, state);
  assert.equal(v({ state: 'failed', reason: 'tar failed: x: Cannot open: Permission denied; the partial archive was removed' }), 1);
  // Claimed as 1 (an older client's job), kept or not: 1.
  assert.equal(v({ version: 1, state: 'running' }), 1);
  assert.equal(v({ version: 1, state: 'failed', kept: true, reason: keptReason }), 1);
  // A restore keeps what it has, whatever its state.
  for (const version of [1, 2] as const) for (const state of ['running', 'completed', 'failed'] as const) assert.equal(fileVersion({ ...restoreRecord(version).record, state }), version);
});

test('an end that kept nothing is written as version 1 (the one version a client before exit 3 reads: its guard refuses above 1 and drops fields it does not know), and reads back as the same record', () => {
  const { reason: _none, ...base } = record({ state: 'completed', exitCode: 0, warnings: {} });
  const done: JobRecord = base;
  const text = serializeJobFile(done);
  const o = JSON.parse(text) as Record<string, unknown>;
  assert.equal(o.version, 1);
  assert.equal(o.kept, undefined);
  assert.deepEqual(parseJobFile(text, FILE, 'node1'), { ...done, version: 1 });
  const kept = serializeJobFile(record({ state: 'failed', kept: true, reason: `x: the complete archive is kept as ${DIR}/${STEM}.tar.gz.partial` }));
  assert.equal((JSON.parse(kept) as { version: number }).version, 2);
});

test("a new backup's job file is version 2, which every client before exit 3 refuses; a restore's is 1, which they read", () => {
  // Those clients read version 1 only: their guard refuses a version above 1 ("written by a
  // newer gluster-backup"), and that is all they do with the job (`git show
  // dc1801e^:src/core/backup/jobFile.ts`). A backup's script may now end with exit 3, having
  // kept the finished archive as its partial, which they would remove; a restore means what it did.
  const READ_BY_CLIENTS_BEFORE_EXIT_3 = 1;
  const backup = JSON.parse(serializeJobFile(record({ version: claimVersion('backup'), state: 'running' }))) as { version: number };
  assert.ok(backup.version > READ_BY_CLIENTS_BEFORE_EXIT_3, `version ${backup.version}`);
  assert.equal(backup.version, JOB_FILE_VERSION);
  const restore = restoreRecord(claimVersion('restore'));
  assert.equal((JSON.parse(serializeJobFile(restore.record)) as { version: number }).version, READ_BY_CLIENTS_BEFORE_EXIT_3);
});

test('"kept" (the script kept the finished archive as the partial) is read on a failed backup only, and written back', () => {
  const kept = record({ state: 'failed', kept: true, reason: `tar exit 0, but x: the complete archive is kept as ${DIR}/${STEM}.tar.gz.partial` });
  assert.deepEqual(parseJobFile(serializeJobFile(kept), FILE, 'node1'), kept);
  refused(edit({ state: 'failed', kept: false }), /"kept" is not true/);
  refused(edit({ state: 'failed', kept: 'yes' }), /"kept" is not true/);
  refused(edit({ state: 'completed', kept: true }), /"kept" on a job that is completed: a job that kept its archive as the partial failed/);
  refused(edit({ state: 'running', kept: true }), /"kept" on a job that is running/);
  const r = restoreRecord(1);
  refused(JSON.stringify({ ...r.record, kept: true }), /a restore has no "kept"/, r.file);
});

test("keptArchive: the record's field, or, in a record written before it, keptEnd's reason naming this job's partial", () => {
  const partial = `${DIR}/${STEM}.tar.gz.partial`;
  assert.equal(keptArchive(record({ state: 'failed', kept: true, reason: 'anything' })), true);
  assert.equal(keptArchive(record({ state: 'failed', reason: `tar exit 0, but the archive could not be published as x (y): the complete archive is kept as ${partial}; rename it to z to use it` })), true);
  // Another partial named, or none: not kept.
  assert.equal(keptArchive(record({ state: 'failed', reason: `the complete archive is kept as ${DIR}/${STEM}-1.tar.gz.partial` })), false);
  assert.equal(keptArchive(record({ state: 'failed', reason: 'tar failed: x; the partial archive was removed' })), false);
  assert.equal(keptArchive(record({ state: 'failed' })), false);
  assert.equal(keptArchive(restoreRecord(1).record), false);
});

test('paths other than those the file location implies are refused: a planted file cannot steer a removal', () => {
  refused(edit({ partial: '/root/important.tar.partial' }), /"partial" is not .*\.tar\.gz\.partial, where this job file puts it/);
  refused(edit({ archive: `/etc/${STEM}.tar.gz` }), /"archive" is not/);
  refused(edit({ log: `${DIR}/../${STEM}.log` }), /"log" is not/);
  refused(edit({ compression: 'none' }), /"archive" is not .*\.tar, where/);
  refused(edit({ id: 'datarobot-gluster-backup-2026-04-12' }), /"id" datarobot-gluster-backup-2026-04-12 is not the name of the file/);
  refused(edit({ id: '../x' }), /"id" is not a job name/);
  refused(edit({}), /directory has a "\." or "\.\." segment/, `${DIR}/../gluster/${STEM}.job.json`);
  refused(edit({}), /not an absolute path/, `relative/${STEM}.job.json`);
});

test('each field is checked for its type and bound', () => {
  refused('{"id": ', /not JSON/);
  refused('[]', /not a JSON object/);
  refused('null', /not a JSON object/);
  refused(edit({ state: 'exploded' }), /"state" is not a job state/);
  refused(edit({}, ['startedAt']), /"startedAt" is missing/);
  refused(edit({ startedAt: 'yesterday-ish' }), /"startedAt" is not a time/);
  refused(edit({ exitCode: 256 }), /"exitCode" is not a whole number from 0 to 255/);
  refused(edit({ exitCode: -1 }), /"exitCode"/);
  refused(edit({ archiveBytes: 1.5 }), /"archiveBytes"/);
  refused(edit({ sourceBytes: 2 ** 60 }), /"sourceBytes"/);
  refused(edit({ execId: 'abc; rm -rf /' }), /"execId" is not a docker exec id/);
  refused(edit({ createdExecId: 'B'.repeat(64) }), /"createdExecId" is not a docker exec id/);
  refused(edit({ container: 'gluster --privileged' }), /"container" is not a container name/);
  refused(edit({ compressor: 'sh -c x' }), /"compressor" is not a program name/);
  refused(edit({ source: 'mnt/gluster' }), /"source" is not an absolute path/);
  refused(edit({ warnings: { changed: -3 } }), /"warnings.changed" is not a count/);
  refused(edit({ warnings: [] }), /"warnings" is not an object/);
  refused(edit({ overrides: Array.from({ length: 33 }, () => ({ check: 'x', reason: 'y' })) }), /"overrides" is not a list of at most 32/);
  refused(edit({ overrides: [{ check: 'x' }] }), /"overrides\[0\]" is not a check with a reason/);
  refused(edit({ reason: 'x'.repeat(8193) }), /"reason" is longer than 8192 characters/);
  refused(' '.repeat(MAX_JOB_FILE_BYTES + 1), new RegExp(`longer than ${MAX_JOB_FILE_BYTES} characters`));
});

test('fields this version does not know are dropped, warning kinds it does not know too', () => {
  const r = parseJobFile(edit({ futureField: { a: 1 }, warnings: { changed: 1, martian: 4 } }), FILE, 'node1');
  assert.equal((r as unknown as Record<string, unknown>).futureField, undefined);
  assert.deepEqual(r.warnings, { changed: 1 });
});

test('the edge forms of a valid file: plain .tar, no optional field, exit 0 and 255, a dot in the directory name', () => {
  const p = jobPaths('/b/v1.2', `${STEM}.tar`);
  const minimal = { id: STEM, state: 'running', archive: p.archive, partial: p.partial, log: p.log, compression: 'none', source: '/mnt/gluster', container: 'gluster', startedAt: '2026-12-03T09:00:00Z' };
  const r = parseJobFile(JSON.stringify(minimal), p.job, 'n');
  assert.equal(r.archive, '/b/v1.2/datarobot-gluster-backup-2026-03-12.tar');
  for (const exitCode of [0, 255]) assert.equal(parseJobFile(JSON.stringify({ ...minimal, exitCode }), p.job, 'n').exitCode, exitCode);
});

test('property: any mutation of a job file gives a guarded record or a JobFileError, never anything else', () => {
  const base = serializeJobFile(record());
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), ch: fc.integer({ min: 0, max: 0xffff }) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 400 }) }),
    fc.record({ kind: fc.constant('field' as const), key: fc.constantFrom(...Object.keys(record()), 'version', 'kind'), value: fc.jsonValue({ maxDepth: 2 }) }),
  );
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
      let text = base;
      for (const m of ms) {
        if (m.kind === 'flip') {
          const at = m.at % text.length;
          text = text.slice(0, at) + String.fromCharCode(m.ch) + text.slice(at + 1);
        } else if (m.kind === 'cut') text = text.slice(0, m.at % (text.length + 1));
        else if (m.kind === 'dup') {
          const at = m.at % (text.length + 1);
          text = text.slice(0, at) + text.slice(at, at + m.len) + text.slice(at);
        } else {
          try {
            const o = JSON.parse(text) as Record<string, unknown>;
            o[m.key] = m.value;
            text = JSON.stringify(o);
          } catch {
            // Already not JSON: a field cannot be set.
          }
        }
      }
      let r: JobRecord;
      try {
        r = parseJobFile(text, FILE, 'node1');
      } catch (e) {
        assert.ok(e instanceof JobFileError, `not a JobFileError: ${String(e)}`);
        return;
      }
      // Whatever passed keeps every path to the job's own files and a whole record.
      const want = jobPaths(DIR, r.archive.slice(DIR.length + 1));
      assert.equal(r.archive.slice(0, DIR.length + 1), `${DIR}/`);
      assert.match(r.archive.slice(DIR.length + 1), new RegExp(`^${STEM}\\.tar(\\.gz)?$`));
      assert.equal(r.partial, want.partial);
      assert.equal(r.log, want.log);
      assert.equal(r.id, STEM);
      assert.equal(r.node, 'node1');
      assert.ok(serializeJobFile(r).length <= MAX_JOB_FILE_BYTES + 4096);
      assert.deepEqual(parseJobFile(serializeJobFile(r), FILE, 'node1'), r, 'what passed reads back the same');
    }),
    { seed: 20261203, numRuns: 3000 },
  );
});
