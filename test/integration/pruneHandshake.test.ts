// prune and a restore (or a validation) of the same archive at the same moment: prune marks the
// archive (`<archive>.prune`, created exclusively) before it looks at the directory again, and a
// restore looks for the mark after claiming its job file, so whichever comes second sees the
// other. The real test bed: real tar archives with pinned mtimes, a real restore job in node1's
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

  const restoreOld = () => {
    inGluster('node1', ['sh', '-c', 'rm -rf "$1" && mkdir -p "$1"', 'mk', TARGET]);
    const size = Number(onNode('node1', ['stat', '-c', '%s', `${DIR}/${OLD}`]).stdout.trim());
    return jobs.startRestore('node1', {
      archive: `${DIR}/${OLD}`,
      compression: 'none',
      spec: { target: TARGET, members: [], policy: 'skip', bytesToWrite: 1, archiveBytes: size },
      now: new Date(Date.UTC(2026, 2, 5, 12, 0, 0)),
    });
  };

  /** Runs `step` when prune asks the node to create an archive's marker: before or after it is there. */
  function atMarker(when: 'before' | 'after', step: () => Promise<void>): () => void {
    const conn = cluster.connection('node1');
    const create = conn.createExclusive.bind(conn);
    conn.createExclusive = async (path, data) => {
      if (!path.endsWith('.prune')) return create(path, data);
      if (when === 'before') await step();
      const made = await create(path, data);
      if (when === 'after') await step();
      return made;
    };
    return () => {
      conn.createExclusive = create;
    };
  }

  test('a restore that starts once prune has marked the archive is refused, leaves nothing behind, and the archive goes whole', async () => {
    makeDir();
    let refused: unknown;
    const restore = atMarker('after', async () => {
      refused = await restoreOld().then(
        (j) => assert.fail(`the restore started (${j.id})`),
        (e: unknown) => e,
      );
    });
    let r;
    try {
      r = (await prune(cluster, DIR, POLICY, { nodes: ['node1'] })).nodes[0];
    } finally {
      restore();
    }
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
    const restore = atMarker('before', async () => {
      job = await restoreOld();
    });
    let r;
    try {
      r = (await prune(cluster, DIR, POLICY, { nodes: ['node1'] })).nodes[0];
    } finally {
      restore();
    }
    assert.ok(job, 'the restore started');
    assert.deepEqual(r.removed, []);
    assert.equal(r.failed.length, 1);
    assert.equal(r.failed[0].refused, 'restoreStarted');
    assert.match(r.failed[0].error, new RegExp(`^not removed: a restore of it started after the plan \\(.*${job.id}\\.job\\.json`));
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

  test('a report written beside an archive that prune has marked, or removed, is not kept', async () => {
    makeDir();
    const conn = cluster.connection('node1');
    const report = `${DIR}/${OLD}.validation.json`;
    assert.equal(await writeBesideArchive(conn, `${DIR}/${OLD}`, report, '{}\n'), undefined);
    assert.ok(namesOn().includes(`${OLD}.validation.json`), 'kept while nothing prunes the archive');
    onNode('node1', ['touch', `${DIR}/${OLD}.prune`]);
    assert.equal(await writeBesideArchive(conn, `${DIR}/${OLD}`, report, '{}\n'), `the archive is being removed by prune (${DIR}/${OLD}.prune is there), so ${report} was not kept`);
    assert.ok(!namesOn().includes(`${OLD}.validation.json`));
    onNode('node1', ['rm', `${DIR}/${OLD}`, `${DIR}/${OLD}.prune`]);
    assert.equal(await writeBesideArchive(conn, `${DIR}/${OLD}`, report, '{}\n'), `the archive is gone, so ${report} was not kept`);
    assert.deepEqual(namesOn(), [...filesOf(OLD).filter((f) => f !== OLD), ...filesOf(NEW)].sort());
  });
});
