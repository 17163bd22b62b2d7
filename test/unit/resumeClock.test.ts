// A resume tells what the interrupted restores made by the target's ctimes, which the node
// stamps; the start it compares them with must be on the node's clock too. The client that
// started the restore wrote startedAt with its own clock, here an hour fast or an hour slow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { EntryTable, type EntryInput, type EntryMeta } from '../../src/core/archive/entryTable';
import type { TarIndexResult } from '../../src/core/archive/tarIndex';
import { JobFileError, parseJobFile, serializeJobFile, type JobRecord } from '../../src/core/backup/jobFile';
import { nodeClock } from '../../src/core/backup/jobs';
import type { FileStat } from '../../src/core/node/nodeConnection';
import { RestorePlanner, type ResumePoint } from '../../src/core/restore/plan';
import { restoreStartOnNode } from '../../src/core/restore/restorePlan';

/** When the interrupted restore began, by the node's clock. */
const T = 1700000000;
const DIR = '/backups';
const ID = 'a.tar.restore-20231114T221320Z';
const iso = (s: number) => new Date(s * 1000).toISOString();
const SKEWS = [3600, -3600];

/** A node's files: content and the mtime its SFTP server gives. */
function node(files: Record<string, { data: string; mtimeMs?: number }>) {
  return {
    async stat(f: string): Promise<FileStat | undefined> {
      const x = files[f];
      return x && { size: Buffer.byteLength(x.data, 'latin1'), mtimeMs: x.mtimeMs ?? 0, isFile: true };
    },
    async read(f: string, start: number, length: number): Promise<Buffer> {
      return Buffer.from(files[f].data, 'latin1').subarray(start, start + length);
    },
  };
}

type Job = Pick<JobRecord, 'id' | 'startedAt' | 'nodeStartedAt' | 'restore'>;
const job = (skew: number, over: Partial<Job> = {}): Job => ({ id: ID, startedAt: iso(T + skew), ...over });
const resumeSpec = (dirs: number, redo?: number): JobRecord['restore'] => ({
  target: '/vol/t',
  members: [],
  policy: 'skip',
  bytesToWrite: 0,
  archiveBytes: 0,
  resume: { from: 'a.tar.restore-20231114T200000Z', dirs, ...(redo !== undefined ? { redo } : {}) },
});

test("the start of an interrupted restore is the node's whatever the client's clock said, startedAt only when the node gave none", async () => {
  for (const skew of SKEWS) {
    // Recorded at the claim from the docker daemon.
    assert.equal(await restoreStartOnNode(node({}), DIR, job(skew, { nodeStartedAt: iso(T) })), T, `nodeStartedAt, client ${skew} s off`);
    // An older job: its script's status line as tar began, still there once the container died.
    const running = node({ [`${DIR}/${ID}.status`]: { data: `running 41 42 ${T}.250000000\n` } });
    assert.equal(await restoreStartOnNode(running, DIR, job(skew)), T + 0.25, `status line, client ${skew} s off`);
    // Ended (cancelled): the status holds the end; a resume's lists were written at its claim.
    const resumed = node({
      [`${DIR}/${ID}.status`]: { data: `exit 2 ${T + 100}.5\n` },
      [`${DIR}/${ID}.dirs`]: { data: 'a\0', mtimeMs: (T + 0.5) * 1000 },
      [`${DIR}/${ID}.redo`]: { data: 'a/x\0', mtimeMs: (T + 0.25) * 1000 },
    });
    assert.equal(await restoreStartOnNode(resumed, DIR, job(skew, { restore: resumeSpec(1, 1) })), T + 0.25, `the earlier of .dirs and .redo, client ${skew} s off`);
    assert.equal(await restoreStartOnNode(resumed, DIR, job(skew, { restore: resumeSpec(1) })), T + 0.5, `.dirs only when the record names no .redo, client ${skew} s off`);
    // Nothing of the node's: the client's time is all there is.
    assert.equal(await restoreStartOnNode(resumed, DIR, job(skew)), T + skew, `fallback, client ${skew} s off`);
    assert.equal(await restoreStartOnNode(node({ [`${DIR}/${ID}.status`]: { data: `running 41 42 ${T}.25 ${'x'.repeat(300)}\n` } }), DIR, job(skew)), T + skew, 'a status file larger than any status line is not read');
    assert.equal(await restoreStartOnNode(node({}), DIR, job(skew, { nodeStartedAt: 'not a time' })), T + skew, 'a nodeStartedAt that is not a time is passed over');
  }
});

const OWNED: EntryInput[] = [
  { key: 'a', type: 'dir', size: 0, mtime: T - 86400, meta: { mode: 0o755, uid: 1000, gid: 1000 } },
  { key: 'a/sub', type: 'dir', size: 0, mtime: T - 86400, meta: { mode: 0o755, uid: 1000, gid: 1000 } },
  { key: 'a/sub/deep', type: 'file', size: 300, mtime: T - 86400, meta: { mode: 0o644, uid: 1000, gid: 1000 } },
];
const index = (): TarIndexResult => ({ entries: EntryTable.from(OWNED), bytesRead: 0, rootEntries: 0, dotSlashNames: 0, tarBytes: 0, compressed: false }) as unknown as TarIndexResult;

/** The directories a resume sets again, given the target's a and a/sub. */
function dirsSetAgain(start: number, a: EntryMeta, sub: EntryMeta): string[] {
  const resume: ResumePoint = { from: 'a.tar.restore-20231114T221320Z', key: 'a/sub/deep', since: T + 60, until: T + 120, start };
  const p = new RestorePlanner(index(), { policy: 'skip', resume });
  p.entry('a', 'dir', 0, T + 30, undefined, a);
  p.entry('a/sub', 'dir', 0, T + 30, undefined, sub);
  return p.resumeDirs();
}

test("a client an hour fast or slow: the directories set again are those the restore made, by the node's start", async () => {
  const tarMade = (ctime: number): EntryMeta => ({ mode: 0o700, uid: 0, gid: 0, ctime });
  // a: made by the operator half an hour before the restore, as tar leaves one (0700, root's);
  // a/sub: made by the interrupted restore 30 s after it began.
  const a = tarMade(T - 1800);
  const sub = tarMade(T + 30);
  const status = node({ [`${DIR}/${ID}.status`]: { data: `running 41 42 ${T}.000000000\n` } });
  for (const skew of SKEWS) {
    const start = await restoreStartOnNode(status, DIR, job(skew));
    assert.deepEqual(dirsSetAgain(start, a, sub), ['a/sub'], `client ${skew} s off`);
  }
  // What the client's startedAt alone gave (the old start): an hour fast missed the restore's
  // own directory, an hour slow took the operator's for the restore's.
  assert.deepEqual(dirsSetAgain(Date.parse(job(3600).startedAt) / 1000, a, sub), []);
  assert.deepEqual(dirsSetAgain(Date.parse(job(-3600).startedAt) / 1000, a, sub), ['a', 'a/sub']);
});

test("the node's clock at the claim: docker's SystemTime to the millisecond, nothing when docker gives no time", async () => {
  const docker = (info: () => Promise<unknown>) => ({ info }) as unknown as Docker;
  assert.equal(await nodeClock(docker(async () => ({ SystemTime: '2023-11-14T22:13:20.123456789Z' })), 1000), '2023-11-14T22:13:20.123Z');
  assert.equal(await nodeClock(docker(async () => ({ SystemTime: '2023-11-14T23:13:20.5+01:00' })), 1000), '2023-11-14T22:13:20.500Z');
  assert.equal(await nodeClock(docker(async () => ({ SystemTime: 'soon' })), 1000), undefined);
  assert.equal(await nodeClock(docker(async () => ({ SystemTime: 1700000000 })), 1000), undefined);
  assert.equal(await nodeClock(docker(async () => ({})), 1000), undefined);
  assert.equal(await nodeClock(docker(async () => Promise.reject(new Error('daemon gone'))), 1000), undefined);
  assert.equal(await nodeClock(docker(() => new Promise(() => {})), 50), undefined, 'a daemon that does not answer holds nothing up past the deadline');
});

test('the job file keeps nodeStartedAt, and refuses one that is not a time', () => {
  const rec: JobRecord = {
    version: 1,
    kind: 'restore',
    id: ID,
    node: 'node1',
    state: 'failed',
    archive: `${DIR}/a.tar`,
    log: `${DIR}/${ID}.log`,
    compression: 'none',
    source: `${DIR}/a.tar`,
    container: 'gluster',
    startedAt: iso(T + 3600),
    nodeStartedAt: iso(T),
    overrides: [],
    restore: resumeSpec(0),
  };
  const file = `${DIR}/${ID}.job.json`;
  assert.equal(parseJobFile(serializeJobFile(rec), file, 'node1').nodeStartedAt, iso(T));
  const bad = JSON.stringify({ ...rec, nodeStartedAt: 'at the start' });
  assert.throws(
    () => parseJobFile(bad, file, 'node1'),
    (e: unknown) => e instanceof JobFileError && e.message === `${file} is not a job file this version can use: "nodeStartedAt" is not a time`,
  );
});
