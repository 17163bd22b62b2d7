// preflight's size of the volume (from its bricks), validate-backup (from the volume's bricks)
// and the restore's dry run at a million files, on the real test bed. Validate through the mount (its
// fallback) reads the same archive index into the same comparison; bench/million measures it at
// a million, time and peak memory, each run (a minute and three quarters here, left out of CI's
// run for its length; the two listings' equality is proven on every topology of the bed by
// the brick listing suite). The CLI's peak memory must stay within the scale issue's
// 300 MB (210 to 255 MB here since the entry table keeps its keys outside the JS heap;
// bench/million reports it beside the times).
// The volume is gvmillion3 (`testbed.sh million3`: the tree distributed over a brick on each of
// the three nodes, each file where DHT hashes it, written in the containers and checked in about
// two minutes), so every listing here is three listers on three nodes at once, merged. The
// one-brick gvmillion is bench/million's default. The archive is GNU tar's, made from the three
// bricks (a quarter of a minute), since the product's own backup of a million files through FUSE
// takes a quarter of an hour here (bench/million measures that one against raw tar). Both are
// removed at the end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ValidationResult } from '../../src/core/validate/validateBackup';
import { Cluster } from '../../src/core/cluster';
import { BackupJobs } from '../../src/core/backup/jobs';
import { preflight } from '../../src/core/backup/preflight';
import { FUSE_DIR_BYTES } from '../../src/core/bricks/brickSum';
import { inGluster, onNode, testbedSettings, testbedWithin, waitHealthy } from '../integration/helpers/testbed';
import { MAX_RSS, MILLION_BED_MS, MILLION_ENTRIES as ENTRIES, MILLION_FILES as FILES, MILLION_THREE_BRICKS as VOLUME, cliMeasured, mb, tarOfBricks, writeMillionConfig } from '../helpers/million';

const DIR = '/opt/datarobot/data/backups/gluster';
const MOUNT = VOLUME.mount;
const ARCHIVE = `${DIR}/million-by-gnu-tar.tar`;

const work = mkdtempSync(path.join(os.tmpdir(), 'gb-million-'));
const config = path.join(work, 'config.json');
const bed = (...args: string[]) => testbedWithin({ timeoutMs: MILLION_BED_MS, log: true }, ...args);
const cli = (args: string[]) => cliMeasured(config, path.join(work, 'rss'), args);

function validate(...extra: string[]) {
  const r = cli(['--json', 'validate-backup', '--archive', ARCHIVE, ...extra]);
  assert.ok(r.stdout.trim().startsWith('{'), `validate printed a report (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  return { ...r, result: JSON.parse(r.stdout) as ValidationResult };
}

describe('a million files', () => {
  before(async () => {
    await waitHealthy();
    bed(VOLUME.make, String(FILES));
    writeMillionConfig(config, MOUNT);
    // Read from the bricks, which hold the volume's files as they are (distribute, no link
    // files): GNU tar's archive of exactly the tree the mount shows, without a quarter of an
    // hour of FUSE. Validate below proves it is that tree.
    tarOfBricks(VOLUME, ARCHIVE);
  });

  after(() => {
    onNode('node1', ['sh', '-c', 'rm -f "$1" "$1".*', 'clean', ARCHIVE], { allowFail: true });
    bed(VOLUME.remove);
    rmSync(work, { recursive: true, force: true });
  });

  test('preflight sizes a million files from its three bricks, as du would through the mount, and leaves no walk behind', async () => {
    // What du --apparent-size through the mount would say, from the archive of the same tree
    // (a minute and a half of du through FUSE here, seconds for tar -tv): each member's size,
    // and every directory, the root included, at the size FUSE shows for one.
    const [bytes, dirs] = inGluster('node1', ['sh', '-c', 'tar -tvf "$1" | awk \'$1 ~ /^d/ { d++; next } { s += $3 } END { printf "%d %d", s, d }\'', 'sum', ARCHIVE]).stdout.trim().split(' ').map(Number);
    assert.equal(dirs, ENTRIES - FILES + 1, 'the archive holds every directory and its root');
    const expected = bytes + dirs * FUSE_DIR_BYTES;
    const cluster = new Cluster(testbedSettings({ glusterPath: MOUNT }));
    try {
      const jobs = new BackupJobs(cluster);
      const pinned = await preflight(cluster, jobs, { compression: 'none', node: 'node1', walkFrom: 'bricks' });
      assert.equal(pinned.sourceBytes, expected);
      assert.deepEqual(pinned.checks.find((c) => c.id === 'freeSpace')?.notes, [`size and recent changes read from the 3 bricks of volume ${VOLUME.name}, not through the mount`]);
      // million.py's times are a day from its fixed epoch, long past.
      assert.equal(pinned.checks.find((c) => c.id === 'activity')?.verdict, 'pass');
      // As a backup runs it: du through the mount and the brick at once. Whichever answers
      // first, the answer is the same, and no du reads on in the container after preflight.
      const raced = await preflight(cluster, jobs, { compression: 'none', node: 'node1' });
      assert.equal(raced.sourceBytes, expected);
      console.log(`preflight at ${ENTRIES} entries, both walks racing: ${raced.checks.find((c) => c.id === 'freeSpace')?.notes?.[0] ?? 'du through the mount answered first'}`);
      assert.equal(inGluster('node1', ['sh', '-c', 'pgrep -x du || true']).stdout.trim(), '', 'no du left running');
    } finally {
      cluster.dispose();
    }
  });

  // Two files removed first, so one validation (minutes here) shows both that every other file
  // was compared and found, and that removals are found without a new archive.
  test('validate-backup compares every file of a million and names the two removed since the archive', () => {
    inGluster('node1', ['rm', `${MOUNT}/t3/m07/f00005.dat`, `${MOUNT}/t9/m99/f00999.dat`]);
    const v = validate();
    console.log(`validate-backup, ${ENTRIES} entries: peak RSS ${mb(v.rssBytes)} (the scale issue's bound: ${mb(MAX_RSS)})`);
    assert.ok(v.rssBytes <= MAX_RSS, `validate-backup's peak RSS ${mb(v.rssBytes)} is over ${mb(MAX_RSS)}`);
    assert.equal(v.code, 0, `nothing of the filesystem is missing from the archive: ${v.result.report.summary}`);
    assert.equal(v.result.report.verdict, 'differs', v.result.report.summary);
    assert.equal(v.result.report.archive.entries, ENTRIES);
    assert.equal(v.result.report.filesystem.files, FILES - 2);
    assert.equal(v.result.report.filesystem.entries, ENTRIES - 2);
    assert.deepEqual(v.result.report.extra.items.map((i) => i.path), ['t3/m07/f00005.dat', 't9/m99/f00999.dat']);
    assert.equal(v.result.report.extra.count, 2);
    assert.equal(v.result.report.missingFiles.count + v.result.report.missingDirs.count + v.result.report.missingOther.count, 0);
    assert.equal(v.result.report.changed.count, 0);
    assert.equal(v.result.listing?.from, 'bricks', 'listed from the bricks');
    assert.equal(new Set(v.result.listing.bricks?.map((b) => b.split(':')[0])).size, 3, `a brick on each node: ${v.result.listing.bricks?.join(', ')}`);
    assert.equal(v.result.listing.linkFiles, 0);
  });

  test('the restore dry run plans every member of a million and writes nothing', () => {
    const r = cli(['restore', '--archive', ARCHIVE, '--node', 'node1', '--dry-run', '--target', 'million-restore']);
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    assert.match(r.stdout, new RegExp(`write\\s+${ENTRIES} entries`));
    assert.match(r.stdout, /nothing was written: this was a dry run/);
    console.log(`restore --dry-run, ${ENTRIES} entries: peak RSS ${mb(r.rssBytes)} (the scale issue's bound: ${mb(MAX_RSS)})`);
    assert.ok(r.rssBytes <= MAX_RSS, `the dry run's peak RSS ${mb(r.rssBytes)} is over ${mb(MAX_RSS)}`);
    assert.equal(inGluster('node1', ['sh', '-c', `test -e ${MOUNT}/million-restore && echo there || echo absent`]).stdout.trim(), 'absent');
  });
});
