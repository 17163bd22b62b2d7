// Two volumes, as operators run them: gv0 (distribute, the one backed up, /mnt/gluster) and
// gvrep (replica 3, /mnt/gluster-rep). Status must know the health of both, a slow or failed
// call about one must leave the other alone, a heal backlog must show with its count, and the
// backup must be judged by the volume it reads.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster } from '../../src/core/cluster';
import type { NodeStatus, VolumeHealth } from '../../src/core/model';
import { BackupJobs } from '../../src/core/backup/jobs';
import { preflight } from '../../src/core/backup/preflight';
import type { JobRecord } from '../../src/core/backup/types';
import { REPO, TESTBED_DIR, inGluster, onNode, rawConfig, testbed, testbedSettings, waitFor, waitHealthy } from './helpers/testbed';

const CLI = path.join(REPO, 'dist', 'cli.js');
const DIR = '/opt/datarobot/data/backups/gluster';
const REP_MOUNT = '/mnt/gluster-rep';

/** A CLI config like the test bed's, with some keys changed (glusterPath, say). */
function configWith(overrides: Record<string, unknown>): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gb-volumes-')), 'config.json');
  fs.writeFileSync(file, JSON.stringify({ ...rawConfig(), ...overrides }, null, 2));
  return file;
}

function cli(args: string[], config = path.join(TESTBED_DIR, 'config.json')) {
  const r = spawnSync(process.execPath, [CLI, '--config', config, ...args], { encoding: 'utf8', timeout: 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function cleanBackups(node = 'node1') {
  onNode(node, ['sh', '-c', 'cd "$1" && rm -f datarobot-gluster-backup-*', 'clean', DIR]);
}

function vol(s: NodeStatus, name: string): VolumeHealth {
  const v = s.volumes.find((x) => x.name === name);
  assert.ok(v, `${s.name} shows volume ${name} (${s.glusterError ?? 'no gluster error'})`);
  return v;
}

interface JsonVolume {
  name: string;
  type: string;
  bricks: number;
  bricksOnline: number;
  brickStatusKnown: boolean;
  peerStatusKnown: boolean;
  healEntries: number | null;
  healState: string;
  problems: string[];
}

function statusJson(config?: string): { name: string; glusterError: string | null; volumes: JsonVolume[] }[] {
  const r = cli(['--json', 'status'], config);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { nodes: { name: string; glusterError: string | null; volumes: JsonVolume[] }[] }).nodes;
}

/** glfsheal processes running in a node's gluster container. */
function healProcesses(node: string): number {
  return Number(inGluster(node, ['sh', '-c', 'pgrep -c -x glfsheal || true']).stdout.trim());
}

describe('two volumes: distribute gv0 and replica gvrep', () => {
  before(() => waitHealthy());
  after(() => cleanBackups());

  test('status knows the health of both volumes on every node, cold from the CLI and warm at the prompt', async () => {
    for (const n of statusJson()) {
      assert.equal(n.glusterError, null, n.name);
      assert.deepEqual(n.volumes.map((v) => v.name), ['gv0', 'gvrep'], n.name);
      const [gv0, gvrep] = n.volumes;
      assert.deepEqual(
        { type: gv0.type, online: `${gv0.bricksOnline}/${gv0.bricks}`, known: gv0.brickStatusKnown, peers: gv0.peerStatusKnown, heal: gv0.healState, problems: gv0.problems },
        { type: 'Distribute', online: '3/3', known: true, peers: true, heal: 'notApplicable', problems: [] },
        n.name,
      );
      assert.deepEqual(
        { type: gvrep.type, online: `${gvrep.bricksOnline}/${gvrep.bricks}`, known: gvrep.brickStatusKnown, heal: gvrep.healState, entries: gvrep.healEntries, problems: gvrep.problems },
        { type: 'Replicate', online: '3/3', known: true, heal: 'known', entries: 0, problems: [] },
        n.name,
      );
    }
    // Warm: the refreshes type at each node's gluster prompt; heal info must not go there
    // (its answer would stay unwritten until the next command, and every row would wait).
    const cluster = new Cluster(testbedSettings());
    try {
      for (let round = 0; round < 3; round++) {
        for (const s of await cluster.refreshAll()) {
          assert.equal(s.glusterError, undefined, `${s.name}, round ${round}`);
          assert.equal(vol(s, 'gv0').bricksOnline, 3);
          const rep = vol(s, 'gvrep');
          assert.equal(rep.bricksOnline, 3, `${s.name}, round ${round}: ${rep.problems.map((p) => p.text).join('; ')}`);
          assert.equal(rep.healEntries, 0, `${s.name}, round ${round}: ${rep.healState}`);
        }
      }
    } finally {
      cluster.dispose();
    }
  });

  test('a hung gvrep brick: heal info leaves only gvrep heal unknown; gv0 and the bricks are shown first and unaffected', async () => {
    // glfsheal waits for the hung brick (about 10 s measured) past this deadline of 3 s.
    const cluster = new Cluster(testbedSettings({ timeouts: { connectMs: 3000, dockerMs: 5000, glusterMs: 3000, keepaliveMs: 1000 } }));
    const seen: NodeStatus[] = [];
    cluster.on('status', (s) => seen.push(s));
    testbed('hang-brick', 'node3', 'gvrep');
    try {
      const all = await cluster.refreshAll();
      for (const s of all) {
        assert.equal(s.glusterError, undefined, s.name);
        const gv0 = vol(s, 'gv0');
        assert.deepEqual([gv0.bricksOnline, gv0.problems], [3, []], `${s.name}: gv0 is not touched by gvrep's heal`);
        const rep = vol(s, 'gvrep');
        assert.equal(rep.healState, 'unknown', s.name);
        assert.equal(rep.healEntries, undefined);
        assert.ok(rep.problems.some((p) => p.kind === 'healUnknown' && p.text === 'heal state of volume gvrep unknown: heal info did not answer'), JSON.stringify(rep.problems));
        // The rows came before the heal read gave up: published with the heal count on its way.
        const early = seen.find((x) => x.name === s.name && x.volumes.some((v) => v.name === 'gvrep' && v.healState === 'reading'));
        assert.ok(early, `${s.name}: a status with the volume rows and the heal count still being read`);
        assert.equal(vol(early, 'gv0').bricksOnline, 3);
      }
      // Refreshes while glfsheal still hangs reuse the read in progress: none piles up.
      for (let i = 0; i < 3; i++) await cluster.refreshAll();
      for (const n of ['node1', 'node2', 'node3']) assert.ok(healProcesses(n) <= 1, `${n}: at most one heal read at a time`);
    } finally {
      testbed('resume-brick', 'node3', 'gvrep');
      cluster.dispose();
    }
    await waitHealthy();
  });

  test('a heal backlog on gvrep is shown with its count, and preflight counts it as a warning', async () => {
    testbed('heal-off', 'gvrep');
    try {
      testbed('kill-brick', 'node3', 'gvrep');
      inGluster('node1', ['sh', '-c', `mkdir -p ${REP_MOUNT}/heal-backlog && for i in 1 2 3 4 5; do echo "changed while node3 was down $i" > ${REP_MOUNT}/heal-backlog/f$i; done`]);
      testbed('start-bricks', 'gvrep');
      const nodes = statusJson();
      const rep = nodes[0].volumes.find((v) => v.name === 'gvrep')!;
      assert.ok((rep.healEntries ?? 0) >= 5, `at least the five files wait to heal: ${JSON.stringify(rep)}`);
      assert.equal(rep.healState, 'known');
      assert.deepEqual(rep.problems, [`${rep.healEntries} entries pending heal`]);
      const table = cli(['status']);
      assert.match(table.stdout, new RegExp(`volume gvrep \\(Replicate, Started\\): bricks 3/3 online, peers 3/3 connected, ${rep.healEntries} pending heal\\n    ! ${rep.healEntries} entries pending heal`));

      // Backing up gv0: gvrep's backlog is a note, not a verdict on this backup.
      const cluster = new Cluster(testbedSettings());
      try {
        const jobs = new BackupJobs(cluster);
        const pre = await preflight(cluster, jobs, { compression: 'none', node: 'node1' });
        const vh = pre.checks.find((c) => c.id === 'volumeHealth')!;
        assert.equal(vh.verdict, 'pass', vh.reason);
        assert.match(vh.reason, /^volume gv0 \(Distribute\), mounted at \/mnt\/gluster: 3\/3 bricks online, peers 3\/3 connected$/);
        // Another volume's heal is not waited for: left out of its note (see the next test).
        assert.deepEqual(vh.notes, ['volume gvrep (Replicate, Started) is not in this backup']);
      } finally {
        cluster.dispose();
      }
      // Backing up gvrep: its own backlog warns, with the number.
      const repCluster = new Cluster(testbedSettings({ glusterPath: REP_MOUNT }));
      try {
        const pre = await preflight(repCluster, new BackupJobs(repCluster), { compression: 'none', node: 'node2' });
        const vh = pre.checks.find((c) => c.id === 'volumeHealth')!;
        assert.equal(vh.verdict, 'warn', vh.reason);
        assert.match(vh.reason, new RegExp(`^volume gvrep \\(Replicate\\), mounted at /mnt/gluster-rep: 3/3 bricks online, peers 3/3 connected; ${rep.healEntries} entries pending heal \\(the replicas differ until healed`));
        assert.deepEqual(vh.notes, ['volume gv0 (Distribute, Started) is not in this backup']);
      } finally {
        repCluster.dispose();
      }
    } finally {
      testbed('heal-on', 'gvrep');
      inGluster('node1', ['rm', '-rf', `${REP_MOUNT}/heal-backlog`]);
    }
    const healed = statusJson()[0].volumes.find((v) => v.name === 'gvrep')!;
    assert.equal(healed.healEntries, 0);
  });

  test("preflight of gv0 does not wait for gvrep's heal summary; of gvrep it does", async () => {
    // node1's glfsheal (what `volume heal … info summary` runs) waits while a hold file exists,
    // and says when it was called: the heal read is held for as long as the test decides, so
    // "did not wait" is shown by the read still being held, not by a time.
    const hold = `set -e
real=$(ls /usr/lib/*/glusterfs/glfsheal)
[ -e "$real.real" ] || mv "$real" "$real.real"
printf '#!/bin/sh\ntouch /tmp/gb-heal-called\nwhile [ -e /tmp/gb-heal-hold ]; do sleep 0.1; done\nexec "$0.real" "$@"\n' > "$real"
chmod 755 "$real"
rm -f /tmp/gb-heal-called
touch /tmp/gb-heal-hold`;
    const release = 'rm -f /tmp/gb-heal-hold';
    const unwrap = 'real=$(ls /usr/lib/*/glusterfs/glfsheal); rm -f /tmp/gb-heal-hold /tmp/gb-heal-called; if [ -e "$real.real" ]; then mv "$real.real" "$real"; fi';
    const called = () => inGluster('node1', ['test', '-e', '/tmp/gb-heal-called'], { allowFail: true }).status === 0;
    inGluster('node1', ['sh', '-c', hold]);
    // A heal deadline longer than the test's own timeout: the old code, which waited for every
    // heal read, cannot return before the release.
    const settings = (glusterPath?: string) => testbedSettings({ ...(glusterPath ? { glusterPath } : {}), timeouts: { connectMs: 3000, dockerMs: 5000, glusterMs: 600_000, keepaliveMs: 1000 } });
    try {
      const cluster = new Cluster(settings());
      try {
        const pre = await preflight(cluster, new BackupJobs(cluster), { compression: 'none', node: 'node1' });
        const vh = pre.checks.find((c) => c.id === 'volumeHealth')!;
        assert.equal(vh.verdict, 'pass', vh.reason);
        assert.match(vh.reason, /^volume gv0 \(Distribute\), mounted at \/mnt\/gluster: 3\/3 bricks online, peers 3\/3 connected$/);
        assert.deepEqual(vh.notes, ['volume gvrep (Replicate, Started) is not in this backup']);
        // Answered while that summary was on its way (its exec may not have reached glfsheal yet):
        // it is asked, and held, and the refresh still says 'reading'.
        await waitFor("gvrep's heal summary to be asked", 60_000, () => called() || undefined);
        assert.equal(vol(cluster.status('node1')!, 'gvrep').healState, 'reading', 'preflight answered while the heal summary was held');
        // Released, the refresh preflight started ends with the count (and leaves no request open).
        inGluster('node1', ['sh', '-c', release]);
        await waitFor("gvrep's heal count in node1's status", 60_000, () => (vol(cluster.status('node1')!, 'gvrep').healEntries === 0 ? true : undefined));
      } finally {
        cluster.dispose();
      }
      inGluster('node1', ['sh', '-c', hold]);
      const rep = new Cluster(settings(REP_MOUNT));
      try {
        let settled = false;
        const pending = preflight(rep, new BackupJobs(rep), { compression: 'none', node: 'node1' }).finally(() => (settled = true));
        await waitFor('the heal summary to be asked', 60_000, () => called() || undefined);
        // Held, so preflight cannot have answered yet; the verdict below says it waited.
        assert.equal(settled, false, 'preflight of gvrep waits for its heal summary');
        inGluster('node1', ['sh', '-c', release]);
        const pre = await pending;
        const vh = pre.checks.find((c) => c.id === 'volumeHealth')!;
        assert.equal(vh.verdict, 'pass', vh.reason);
        assert.match(vh.reason, /^volume gvrep \(Replicate\), mounted at \/mnt\/gluster-rep: 3\/3 bricks online, peers 3\/3 connected, nothing pending heal$/);
      } finally {
        rep.dispose();
      }
    } finally {
      inGluster('node1', ['sh', '-c', unwrap]);
    }
  });

  test('with gvrep stopped, a backup of gv0 passes preflight with a note and completes', () => {
    testbed('stop-volume', 'gvrep');
    try {
      const nodes = statusJson();
      for (const n of nodes) {
        const [gv0, gvrep] = n.volumes;
        assert.deepEqual([gv0.name, gv0.bricksOnline, gv0.problems], ['gv0', 3, []], n.name);
        assert.deepEqual([gvrep.name, gvrep.healState, gvrep.problems], ['gvrep', 'notApplicable', ['volume gvrep is Stopped']], n.name);
      }
      const r = cli(['--json', 'backup', '--node', 'node1']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /ok {3}Every brick online, every peer connected: volume gv0 \(Distribute\), mounted at \/mnt\/gluster: 3\/3 bricks online/);
      assert.match(r.stderr, /note: volume gvrep \(Replicate, Stopped\) is not in this backup: volume gvrep is Stopped/);
      const job = JSON.parse(r.stdout) as JobRecord;
      assert.equal(job.state, 'completed');
      assert.deepEqual(job.overrides ?? [], [], 'nothing had to be overridden');
    } finally {
      testbed('start-volume', 'gvrep');
      cleanBackups();
    }
  });

  test('a backup of the replica mount round-trips byte for byte and validates clean', () => {
    const config = configWith({ glusterPath: REP_MOUNT });
    const r = cli(['--json', 'backup', '--node', 'node2'], config);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /volume gvrep \(Replicate\), mounted at \/mnt\/gluster-rep: 3\/3 bricks online, peers 3\/3 connected, nothing pending heal/);
    const job = JSON.parse(r.stdout) as JobRecord;
    assert.equal(job.state, 'completed');
    const restore = `${DIR}/restore-rep`;
    try {
      inGluster('node2', ['sh', '-c', 'rm -rf "$2" && mkdir -p "$2" && tar -xf "$1" -C "$2" --numeric-owner', 'x', job.archive, restore]);
      const back = inGluster('node2', ['sh', '-c', 'cd "$1" && find . -type f ! -name .testbed-sample-v1 -print0 | xargs -0 sha256sum', 'm', restore]).stdout;
      const want = fs.readFileSync(path.join(TESTBED_DIR, 'sample-manifest-gvrep.sha256'), 'utf8');
      const lines = (t: string) => t.split('\n').filter(Boolean).sort();
      assert.ok(lines(want).length >= 60, 'the sample manifest of gvrep');
      assert.deepEqual(lines(back), lines(want));
      const link = inGluster('node2', ['readlink', `${restore}/current`]).stdout.trim();
      assert.equal(link, 'shared/config');

      const v = cli(['--json', 'validate-backup', '--node', 'node2', '--archive', job.archive], config);
      assert.equal(v.code, 0, v.stderr + v.stdout);
      const report = JSON.parse(v.stdout) as { root: string; report: { verdict: string; missingFiles: { count: number } }; cautions: string[] };
      assert.equal(report.root, REP_MOUNT);
      assert.equal(report.report.verdict, 'complete');
      assert.equal(report.report.missingFiles.count, 0);
      assert.deepEqual(report.cautions, []);
    } finally {
      inGluster('node2', ['rm', '-rf', restore]);
      cleanBackups('node2');
    }
  });
});
