// prune and a restore (or a validation) of the same archive at the same moment: prune marks the
// archive (`<archive>.prune`, created exclusively) before it looks at the directory again, and a
// restore looks for the mark after claiming its job file (a --read-data-subset run, after taking
// its lock), so whichever comes second sees the other. The real test bed: real tar archives with pinned mtimes, a real restore job in node1's
// gluster container, each step of the race placed by holding prune's own calls to the node.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/core/cluster';
import { BackupJobs, isFinal } from '../../src/core/backup/jobs';
import type { JobRecord } from '../../src/core/backup/types';
import { prune } from '../../src/core/catalog/prune';
import { readNodeCatalog } from '../../src/core/catalog/catalog';
import { planPrune } from '../../src/core/catalog/prunePlan';
import { writeBesideArchive } from '../../src/core/catalog/sidecar';
import { validateBackup } from '../../src/core/validate/validateBackup';
import { verifyRestore } from '../../src/core/restore/restoreJob';
import { ReadDataLockHeld } from '../../src/core/validate/readDataLock';
import { takeReadDataLock } from '../../src/core/validate/takeReadDataLock';
import { inGluster, onNode, shellQuote as q, testbedSettings, waitFor, waitHealthy } from './helpers/testbed';

// Inside the backups directory the gluster container mounts, so the restore's tar can read it.
const DIR = `/opt/datarobot/data/backups/gluster/prune-handshake-${process.pid}`;
const TARGET = '/mnt/gluster/prune-handshake';
const P = 'datarobot-gluster-backup-';
const OLD = `${P}2026-01-03.tar`;
const NEW = `${P}2026-02-03.tar`;
const MTIME: Record<string, string> = { [OLD]: '2026-03-01T10:00:00Z', [NEW]: '2026-03-02T10:00:00Z' };
const filesOf = (name: string) => [name, `${name}.sha256`, `${name.replace(/\.tar$/, '')}.log`];
const POLICY = { last: 1 };

/** OLD and NEW, each a real tar of one directory with its checksum and log, every mtime pinned. */
function makeDir(): void {
  const lines = ['set -e', `rm -rf ${q(DIR)}`, `mkdir -p ${q(DIR)}`, `cd ${q(DIR)}`, 'rm -rf /tmp/gb-hs && mkdir -p /tmp/gb-hs/d && echo data > /tmp/gb-hs/d/f'];
  for (const n of [OLD, NEW]) {
    lines.push(`tar --numeric-owner -C /tmp/gb-hs -cf ${q(n)} ./d`, `sha256sum ${q(n)} > ${q(`${n}.sha256`)}`, `echo tar said nothing > ${q(n.replace(/\.tar$/, '.log'))}`);
    for (const f of filesOf(n)) lines.push(`touch -d ${q(MTIME[n])} ${q(f)}`);
  }
  lines.push('rm -rf /tmp/gb-hs');
  onNode('node1', ['bash', '-s'], { input: lines.join('\n') + '\n' });
}

const namesOn = () => onNode('node1', ['ls', '-1A', DIR]).stdout.split('\n').filter(Boolean).sort();

describe('prune and a restore of the same archive at the same moment', () => {
  let cluster: Cluster;
  let jobs: BackupJobs;
  before(async () => {
    await waitHealthy();
    cluster = new Cluster(testbedSettings({ backupDir: DIR }));
    jobs = new BackupJobs(cluster);
  });
  after(() => {
    cluster.dispose();
    onNode('node1', ['rm', '-rf', DIR], { allowFail: true });
    inGluster('node1', ['rm', '-rf', TARGET], { allowFail: true });
  });

  const sizeOfOld = () => Number(onNode('node1', ['stat', '-c', '%s', `${DIR}/${OLD}`]).stdout.trim());
  /** Starts a restore of OLD as planned when it had `size` bytes (by default, as it has now). */
  const restoreOld = (size = sizeOfOld()) => {
    inGluster('node1', ['sh', '-c', 'rm -rf "$1" && mkdir -p "$1"', 'mk', TARGET]);
    return jobs.startRestore('node1', {
      archive: `${DIR}/${OLD}`,
      compression: 'none',
      spec: { target: TARGET, members: [], policy: 'skip', bytesToWrite: 1, archiveBytes: size },
      now: new Date(Date.UTC(2026, 2, 5, 12, 0, 0)),
    });
  };

  /** node1's prune under POLICY, with `step` run when prune creates an archive's mark: just before or just after it is there. */
  async function pruneAtMarker(when: 'before' | 'after', step: () => Promise<void>) {
    const conn = cluster.connection('node1');
    const create = conn.createExclusive.bind(conn);
    conn.createExclusive = async (path, data) => {
      if (!path.endsWith('.prune')) return create(path, data);
      if (when === 'before') await step();
      const made = await create(path, data);
      if (when === 'after') await step();
      return made;
    };
    try {
      return (await prune(cluster, DIR, POLICY, { nodes: ['node1'] })).nodes[0];
    } finally {
      conn.createExclusive = create;
    }
  }

  test('a restore that starts once prune has marked the archive is refused, leaves nothing behind, and the archive goes whole', async () => {
    makeDir();
    let refused: unknown;
    const r = await pruneAtMarker('after', async () => {
      refused = await restoreOld().then(
        (j) => assert.fail(`the restore started (${j.id})`),
        (e: unknown) => e,
      );
    });
    assert.match(
      String(refused),
      new RegExp(`^BackupError: ${DIR}/${OLD} is being removed by prune \\(${DIR}/${OLD}\\.prune is there since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\): nothing was restored\\. If no prune is running, remove that file and restore again$`),
    );
    assert.deepEqual(r.failed, []);
    assert.deepEqual(r.removed.map((p) => p.slice(DIR.length + 1)).sort(), filesOf(OLD).sort());
    assert.deepEqual(namesOn(), filesOf(NEW).sort(), 'neither the restore\'s files nor the marker are left');
    assert.equal(inGluster('node1', ['ls', '-A', TARGET]).stdout, '', 'nothing was extracted');
  });

  test('a restore that claimed its job file just before prune marked the archive keeps it, with the reason, and runs to its end', async () => {
    makeDir();
    let job: JobRecord | undefined;
    const r = await pruneAtMarker('before', async () => {
      job = await restoreOld();
    });
    assert.ok(job, 'the restore started');
    assert.deepEqual(r.removed, []);
    assert.equal(r.failed.length, 1);
    assert.equal(r.failed[0].refused, 'restoreStarted');
    assert.match(r.failed[0].error, new RegExp(`^not removed: a restore of it was started after the plan \\(.*${job.id}\\.job\\.json`));
    const done = await waitFor(`${job.id} to end`, 60_000, async () => {
      const j = await jobs.observe(job!);
      return isFinal(j.state) ? j : undefined;
    });
    assert.equal(done.state, 'completed', done.reason);
    assert.equal(inGluster('node1', ['cat', `${TARGET}/d/f`]).stdout, 'data\n');
    const left = namesOn();
    for (const f of filesOf(OLD)) assert.ok(left.includes(f), `${f} kept: ${left.join(', ')}`);
    assert.ok(!left.some((n) => n.endsWith('.prune')), `no marker left: ${left.join(', ')}`);
  });

  test('a --read-data-subset run that starts once prune has marked the archive is refused and leaves no lock; one whose lock was taken just before the mark keeps the archive whole', async () => {
    makeDir();
    const conn = cluster.connection('node1');
    const archive = `${DIR}/${OLD}`;
    let refused: unknown;
    const r = await pruneAtMarker('after', async () => {
      refused = await validateBackup(cluster, { archive, node: 'node1', readData: { subset: 1000 } }).then(
        () => assert.fail('the run went on'),
        (e: unknown) => e,
      );
    });
    assert.match(String(refused), new RegExp(`${archive} is being removed by prune \\(${archive}\\.prune is there since .*\\): nothing was validated`));
    assert.deepEqual(r.failed, []);
    assert.deepEqual(namesOn(), filesOf(NEW).sort(), 'the archive went whole; no lock, no mark left');

    makeDir();
    let held: Awaited<ReturnType<typeof takeReadDataLock>> | undefined;
    const kept = await pruneAtMarker('before', async () => {
      held = await takeReadDataLock(conn, { node: 'node1', archive, client: 'the test' });
    });
    assert.ok(held);
    assert.deepEqual(kept.removed, []);
    assert.deepEqual(kept.failed, [{ path: archive, error: `not removed: a --read-data-subset run of it started after the plan (${archive}.read-data.lock is there)`, refused: 'readDataRunning' }]);
    assert.deepEqual(namesOn(), [...filesOf(OLD), `${OLD}.read-data.lock`, ...filesOf(NEW)].sort(), 'nothing removed, no mark left');
    // The lock is seen by the next plan too, which keeps the archive and says who holds it; a
    // second run is refused over SFTP as over the local filesystem.
    const plan = planPrune(await readNodeCatalog(conn, 'node1', DIR), POLICY);
    assert.match(plan.decisions.find((d) => d.archive.name === OLD)!.why.join(), /^a --read-data-subset run holds it \(.*pid \d+ \(the test\), since .* by the clock of .* \(node1 did not give its time\); if no such run is going on, remove .*\.read-data\.lock or validate it with --break-lock\)$/);
    await assert.rejects(takeReadDataLock(conn, { node: 'node1', archive }), (e) => e instanceof ReadDataLockHeld && 'holder' in e.found && e.found.holder.token === held!.lock.token);
    assert.equal(await held.release(), undefined);
    assert.deepEqual(namesOn(), [...filesOf(OLD), ...filesOf(NEW)].sort());
  });

  test('a marker left by a prune that was cut short: the plan keeps the archive and says why; a restore and a validation of it are refused', async () => {
    makeDir();
    const marker = `${DIR}/${OLD}.prune`;
    onNode('node1', ['sh', '-c', 'echo "2026-03-04T00:00:00.000Z prune" > "$1" && touch -d 2026-03-04T00:00:00Z "$1"', 'mk', marker]);
    const plan = planPrune(await readNodeCatalog(cluster.connection('node1'), 'node1', DIR), POLICY);
    const old = plan.decisions.find((d) => d.archive.name === OLD)!;
    assert.equal(old.action, 'keep');
    assert.deepEqual(old.why, [`another prune is removing it (${OLD}.prune is there; if no prune runs, remove that file)`]);
    const r = (await prune(cluster, DIR, POLICY, { nodes: ['node1'] })).nodes[0];
    assert.deepEqual([r.removed, r.failed], [[], []]);

    await assert.rejects(restoreOld(), {
      message: `${DIR}/${OLD} is being removed by prune (${marker} is there since 2026-03-04T00:00:00.000Z): nothing was restored. If no prune is running, remove that file and restore again`,
    });
    await assert.rejects(validateBackup(cluster, { archive: `${DIR}/${OLD}`, node: 'node1' }), {
      message: `${DIR}/${OLD} is being removed by prune (${marker} is there since 2026-03-04T00:00:00.000Z): nothing was validated. If no prune is running, remove that file and validate again`,
    });
    assert.deepEqual(namesOn(), [...filesOf(OLD), `${OLD}.prune`, ...filesOf(NEW)].sort(), 'nothing written, nothing removed');
  });

  test('a report beside an archive a prune marks: not written over the old one while marked, kept if that prune backs off, removed if the archive went', async () => {
    makeDir();
    const conn = cluster.connection('node1');
    const archive = `${DIR}/${OLD}`;
    const report = `${archive}.validation.json`;
    const marker = `${archive}.prune`;
    const cat = () => onNode('node1', ['cat', report], { allowFail: true }).stdout;
    assert.equal(await writeBesideArchive(conn, archive, report, 'first\n'), undefined);
    assert.equal(cat(), 'first\n', 'kept while nothing prunes the archive');

    onNode('node1', ['touch', marker]);
    assert.equal(await writeBesideArchive(conn, archive, report, 'second\n'), `the archive is being removed by prune (${marker} is there), so ${report} was not written`);
    assert.equal(cat(), 'first\n', 'the earlier report stays: the prune may yet back off');
    onNode('node1', ['rm', marker]);

    // A prune marks the archive just as the report is written, then ends: the mark goes first
    // (it backed off) or after the archive (it removed it).
    const write = conn.writeAtomic.bind(conn);
    const markedDuring = (then: string[]) => {
      conn.writeAtomic = async (file, data) => {
        await write(file, data);
        onNode('node1', ['touch', marker]);
        setTimeout(() => onNode('node1', ['rm', '-f', ...then, marker]), 600);
      };
    };
    try {
      markedDuring([]);
      assert.equal(await writeBesideArchive(conn, archive, report, 'third\n'), undefined);
      assert.equal(cat(), 'third\n', 'the prune backed off: the new report is kept');

      markedDuring([archive]);
      assert.equal(await writeBesideArchive(conn, archive, report, 'fourth\n'), `the archive is gone (removed by prune while ${report} was written), so ${report} was not kept`);
    } finally {
      conn.writeAtomic = write;
    }
    assert.deepEqual(namesOn(), [...filesOf(OLD).filter((f) => f !== OLD), ...filesOf(NEW)].sort(), 'no report without its archive, no mark');
  });

  test('a report written after the plan, before the mark, goes with its archive', async () => {
    makeDir();
    const conn = cluster.connection('node1');
    const report = `${DIR}/${OLD}.validation.json`;
    // The plan is read without the report; the report is written (no mark yet) as prune asks
    // for the mark.
    const r = await pruneAtMarker('before', async () => {
      assert.equal(await writeBesideArchive(conn, `${DIR}/${OLD}`, report, '{}\n'), undefined);
    });
    assert.deepEqual(r.failed, []);
    assert.deepEqual(r.removed.map((p) => p.slice(DIR.length + 1)).sort(), [...filesOf(OLD), `${OLD}.validation.json`].sort());
    assert.deepEqual(namesOn(), filesOf(NEW).sort());
  });

  test("a report that lands after prune's look at the marked directory goes with its archive: prune looks once more", async () => {
    makeDir();
    const conn = cluster.connection('node1');
    const report = `${DIR}/${OLD}.validation.json`;
    // A writer that looked for the mark before prune made it: its report lands just after the
    // listing prune takes under the mark, and (a slow prune) the mark outlives its wait.
    const list = conn.listDir.bind(conn);
    let marked = false;
    conn.listDir = async (dir) => {
      const entries = await list(dir);
      if (marked && !onNode('node1', ['ls', report], { allowFail: true }).stdout) onNode('node1', ['sh', '-c', 'printf "{}\\n" > "$1"', 'w', report]);
      return entries;
    };
    try {
      const r = await pruneAtMarker('after', async () => {
        marked = true;
      });
      assert.deepEqual(r.failed, []);
      assert.deepEqual(r.removed.map((p) => p.slice(DIR.length + 1)).sort(), [...filesOf(OLD), `${OLD}.validation.json`].sort());
    } finally {
      conn.listDir = list;
    }
    assert.deepEqual(namesOn(), filesOf(NEW).sort(), 'no report left without its archive, no mark');
  });

  test('two prunes of one directory at once: each archive is removed by one of them, the other says it was kept by a prune or gone, and nothing is left', async () => {
    makeDir();
    const other = new Cluster(testbedSettings({ backupDir: DIR }));
    try {
      const [a, b] = (await Promise.all([prune(cluster, DIR, POLICY, { nodes: ['node1'] }), prune(other, DIR, POLICY, { nodes: ['node1'] })])).map((x) => x.nodes[0]);
      const removed = [...a.removed, ...b.removed].map((p) => p.slice(DIR.length + 1)).sort();
      assert.deepEqual(removed, filesOf(OLD).sort(), 'each file removed once, by one prune');
      const refused = [...a.failed, ...b.failed];
      assert.ok(refused.length <= 1 && refused.every((f) => f.path === `${DIR}/${OLD}` && (f.refused === 'pruneRunning' || f.refused === 'gone')), JSON.stringify(refused));
      assert.deepEqual(namesOn(), filesOf(NEW).sort());
    } finally {
      other.dispose();
    }
  });

  test('an archive removed by another hand between the plan and the mark: said so, not counted as removed by this prune, and no mark left', async () => {
    makeDir();
    const r = await pruneAtMarker('before', async () => {
      onNode('node1', ['sh', '-c', 'cd "$1" && rm -f "$2" "$2.sha256" "$3"', 'rm', DIR, OLD, OLD.replace(/\.tar$/, '.log')]);
    });
    assert.deepEqual(r.removed, []);
    assert.deepEqual(r.failed, [{ path: `${DIR}/${OLD}`, error: 'not removed by this prune: it was gone already (another prune, or by hand)', refused: 'gone' }]);
    assert.deepEqual(namesOn(), filesOf(NEW).sort());
  });

  test('a restore planned before its archive was pruned, or changed, is refused before tar, and leaves no file', async () => {
    makeDir();
    const planned = sizeOfOld();
    onNode('node1', ['sh', '-c', 'printf x >> "$1"', 'grow', `${DIR}/${OLD}`]);
    await assert.rejects(restoreOld(planned), { message: `${DIR}/${OLD} changed since the restore was planned (${planned} bytes then, ${planned + 1} now): nothing was restored; plan it again` });
    onNode('node1', ['rm', `${DIR}/${OLD}`]);
    await assert.rejects(restoreOld(planned), { message: `${DIR}/${OLD} is gone since the restore was planned (pruned or removed): nothing was restored` });
    assert.deepEqual(namesOn(), [...filesOf(OLD).filter((f) => f !== OLD), ...filesOf(NEW)].sort(), 'no restore file left');
  });

  test("a restore's verification whose archive went while it ran: the verdict is given, nothing is written beside the archive that went", async () => {
    makeDir();
    const job = await restoreOld();
    const done = await waitFor(`${job.id} to end`, 60_000, async () => {
      const j = await jobs.observe(job);
      return isFinal(j.state) ? j : undefined;
    });
    assert.equal(done.state, 'completed', done.reason);
    const before = namesOn();
    const conn = cluster.connection('node1');
    const write = conn.writeAtomic.bind(conn);
    // A prune takes the archive and this restore's files as the report is written.
    conn.writeAtomic = async (file, data) => {
      if (file.endsWith(`${job.id}.json`)) onNode('node1', ['sh', '-c', 'cd "$1" && rm -f "$2" "$2".restore-*', 'rm', DIR, OLD]);
      return write(file, data);
    };
    let r;
    try {
      r = await verifyRestore(cluster, done);
    } finally {
      conn.writeAtomic = write;
    }
    assert.equal(r.verification.verdict, 'verified');
    assert.equal(r.notSaved, `the archive is gone (removed by prune while ${DIR}/${job.id}.json was written), so ${DIR}/${job.id}.json was not kept`);
    assert.equal(r.job.restore?.report, undefined, 'the job record is not rewritten');
    assert.ok(before.some((n) => n.startsWith(`${OLD}.restore-`)), before.join(', '));
    assert.deepEqual(namesOn(), [...filesOf(OLD).filter((f) => f !== OLD), ...filesOf(NEW)].sort(), 'no file of the restore left without its archive');
  });

  test('a report whose write a prune broke (its temporary file removed with the archive) says so, and leaves nothing', async () => {
    makeDir();
    const conn = cluster.connection('node1');
    const archive = `${DIR}/${OLD}`;
    const report = `${archive}.validation.json`;
    const write = conn.writeAtomic.bind(conn);
    let marks = true;
    conn.writeAtomic = async () => {
      if (marks) onNode('node1', ['touch', `${archive}.prune`]);
      throw new Error('No such file');
    };
    try {
      assert.equal(await writeBesideArchive(conn, archive, report, '{}\n'), `the archive is being removed by prune (${archive}.prune appeared while ${report} was written), so ${report} was not written`);
      marks = false;
      onNode('node1', ['rm', `${archive}.prune`, archive]);
      assert.equal(await writeBesideArchive(conn, archive, report, '{}\n'), `the archive is gone (removed while ${report} was written), so ${report} was not written`);
      onNode('node1', ['sh', '-c', 'cd "$1" && tar -cf "$2" --files-from /dev/null', 'mk', DIR, OLD]);
      await assert.rejects(writeBesideArchive(conn, archive, report, '{}\n'), /No such file/, 'an error of the write itself, archive there and unmarked, is not hidden');
    } finally {
      conn.writeAtomic = write;
    }
    assert.ok(!namesOn().includes(`${OLD}.validation.json`));
  });
});
