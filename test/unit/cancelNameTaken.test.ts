// A backup cancelled before it published anything, while its archive's name is another
// archive's (made by another writer meanwhile): the job is cancelled, and that other archive is
// neither credited to it nor touched. The job script is run here with the machine's own sh and
// GNU tar on real files (mtimes pinned), a PATH shim for tar standing in for what happens on
// the node meanwhile; then what the observer (jobs.ts) records on a node that is this machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jobPaths } from '../../src/core/backup/jobFile';
import { CANCELLED_EXIT } from '../../src/core/backup/jobScript';
import type { JobRecord } from '../../src/core/backup/types';
import { catalogOfListing } from '../../src/core/catalog/catalog';
import { LocalConnection } from '../../src/core/node/nodeConnection';
import { checksumPathOf } from '../../src/core/validate/checksum';
import { exitOf, runBackupJob, scriptScratch, shim, withLocalNode } from './helpers/scriptScratch';

const NAME = 'datarobot-gluster-backup-2026-04-12.tar';
type Paths = ReturnType<typeof jobPaths>;

const OTHER = 'another job\'s archive, whole';
const OTHER_SUM = `${createHash('sha256').update(OTHER).digest('hex')}  ${NAME}\n`;

/** The other writer's archive and its checksum file, at the job's final name. */
function plantOther(p: Paths): void {
  fs.writeFileSync(p.archive, OTHER);
  fs.writeFileSync(checksumPathOf(p.archive), OTHER_SUM);
}

function assertOtherUntouched(p: Paths): void {
  assert.equal(fs.readFileSync(p.archive, 'utf8'), OTHER, 'the other archive, byte for byte');
  assert.equal(fs.readFileSync(checksumPathOf(p.archive), 'utf8'), OTHER_SUM, "the other archive's checksum file");
}

const runJob = (backups: string, src: string, bin: string, before: (p: Paths) => void) => runBackupJob(backups, src, bin, NAME, { before });

const untouched = (archive: string) => `; ${archive} is another job's archive, not this one's, and was left untouched`;

test('cancelled before tar started, its name taken or not: tar never runs, and the job is cancelled, never credited with the other archive', async () => {
  for (const taken of [true, false]) {
    const { dir, src, backups, bin } = scriptScratch('gb-cancel-taken-', 64 * 1024);
    try {
      const ran = path.join(dir, 'tar-ran');
      shim(bin, 'tar', `: > ${ran}\nexec "$REAL" "$@"`);
      // The marker is there before the shell starts: the job was being started when the cancel came.
      const { p, record } = runJob(backups, src, bin, (p) => {
        if (taken) plantOther(p);
        fs.writeFileSync(p.cancel, 'asked\n');
      });
      assert.equal(exitOf(p), CANCELLED_EXIT);
      assert.equal(fs.existsSync(ran), false, 'tar was not run');
      assert.equal(fs.existsSync(p.partial!), false);
      assert.equal(fs.readFileSync(p.log, 'utf8'), 'gluster-backup: cancelled before tar started: tar was not run, and nothing was written\n');
      if (taken) assertOtherUntouched(p);
      else assert.equal(fs.existsSync(p.archive), false);

      const seen = await withLocalNode(dir, backups, (jobs) => jobs.observe(record));
      const reason = `cancelled by the operator before tar started; nothing was written${taken ? untouched(p.archive) : ''}`;
      assert.deepEqual([seen.state, seen.reason, seen.archiveBytes, seen.exitCode], ['cancelled', reason, undefined, undefined]);
      const onDisk = JSON.parse(fs.readFileSync(p.job, 'utf8')) as JobRecord;
      assert.deepEqual([onDisk.state, onDisk.reason, onDisk.archiveBytes], ['cancelled', reason, undefined]);
      if (taken) assertOtherUntouched(p);
      assert.deepEqual(fs.readdirSync(backups).sort(), [...(taken ? [NAME, `${NAME}.sha256`] : []), `${record.id}.job.json`, `${record.id}.log`].sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a cancel that came while tar ran, which then ended 0 on its own, its name taken meanwhile: cancelled, the partial removed, the other archive not credited', async () => {
  const { dir, src, backups, bin } = scriptScratch('gb-cancel-taken-late-', 64 * 1024);
  try {
    const p = jobPaths(backups, NAME);
    // While tar runs: the other writer makes the archive under the job's name, and the cancel
    // request arrives too late for any signal.
    shim(bin, 'tar', `"$REAL" "$@"; rc=$?\nprintf '%s' "${OTHER}" > ${p.archive}\nprintf '%s' '${OTHER_SUM}' > ${checksumPathOf(p.archive)}\necho asked > ${p.cancel}\nexit $rc`);
    const { record } = runJob(backups, src, bin, () => undefined);
    assert.equal(exitOf(p), CANCELLED_EXIT);
    assert.equal(fs.existsSync(p.partial!), false);
    assert.equal(fs.readFileSync(p.log, 'utf8'), 'gluster-backup: tar exit 0, but the job was cancelled before its archive was published: the partial archive was removed\n');
    assertOtherUntouched(p);

    const seen = await withLocalNode(dir, backups, (jobs) => jobs.observe(record));
    const reason = `cancelled by the operator after tar ended (exit 0), before the archive was published; the partial archive was removed${untouched(p.archive)}`;
    assert.deepEqual([seen.state, seen.reason, seen.archiveBytes, seen.exitCode], ['cancelled', reason, undefined, undefined]);
    assertOtherUntouched(p);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the script's cancel exit is a cancel even when the marker was withdrawn before the observer looked, and when the log never got its line", async () => {
  const { dir, src, backups, bin } = scriptScratch('gb-cancel-taken-nomark-', 64 * 1024);
  try {
    const { p, record } = runJob(backups, src, bin, (p) => {
      plantOther(p);
      fs.writeFileSync(p.cancel, 'asked\n');
    });
    assert.equal(exitOf(p), CANCELLED_EXIT);
    // A cancel that could not signal withdraws its marker (jobs.ts), and a full directory keeps the line from the log.
    fs.rmSync(p.cancel);
    fs.writeFileSync(p.log, '');
    const seen = await withLocalNode(dir, backups, (jobs) => jobs.observe(record));
    assert.deepEqual(
      [seen.state, seen.reason, seen.archiveBytes],
      ['cancelled', `cancelled by the operator; the job published no archive (its partial archive was removed)${untouched(p.archive)}`, undefined],
    );
    assertOtherUntouched(p);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the catalog does not take the cancelled job's record for the other archive's: no job state, dated by its own mtime, and prune takes the record with it", async () => {
  const { dir, src, backups, bin } = scriptScratch('gb-cancel-taken-catalog-', 64 * 1024);
  try {
    const { p, record } = runJob(backups, src, bin, (p) => {
      plantOther(p);
      fs.utimesSync(p.archive, 1780000000, 1780000000);
      fs.writeFileSync(p.cancel, 'asked\n');
    });
    const seen = await withLocalNode(dir, backups, (jobs) => jobs.observe(record));
    assert.equal(seen.state, 'cancelled');
    const conn = new LocalConnection({ name: 'here' });
    const a = (await catalogOfListing(conn, 'here', backups, await conn.listDir(backups))).archives;
    assert.equal(a.length, 1);
    assert.deepEqual([a[0].name, a[0].job, a[0].made, a[0].madeFrom], [NAME, undefined, new Date(1780000000 * 1000).toISOString(), 'mtime']);
    // Its stem's files go with it when it is pruned: nothing else has that name.
    assert.deepEqual([...a[0].files].sort(), [NAME, `${NAME}.sha256`, `${record.id}.job.json`, `${record.id}.log`].sort());
    assertOtherUntouched(p);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
