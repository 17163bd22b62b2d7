// The restore itself against the plain command an operator would type, on the same node,
// archive and volume in the same run, taking turns: `docker exec gluster tar -xf ARCHIVE -C DIR`.
// Two rows: the job alone (start, tar in the container, end seen by the client), and the whole
// `gluster-backup restore` command (plan, cluster checks, job, verification of every member).
import './shippedVendor';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Cluster } from '../src/core/cluster';
import { jobsOf, isFinal } from '../src/core/backup/jobs';
import { planRestore } from '../src/core/restore/restorePlan';
import { REPO, TESTBED_DIR, inGluster, onNode, testbedSettings } from '../test/integration/helpers/testbed';
import { inTurns, median, ms } from './stats';
import { timed, timedAsync } from './benchData';

const RUNS = 5;
const DIR = '/opt/datarobot/data/backups/gluster';
const ARCHIVE = `${DIR}/datarobot-gluster-backup-2001-02-01.tar`;
const TARGET = '/mnt/gluster/bench-restore-out';
const CLI = path.join(REPO, 'dist', 'cli.js');

/** 256 MiB in one file and 4,000 files of 16 KiB: data and metadata both count. */
const DATA = String.raw`
set -e; d=/mnt/gluster/bench-restore-src; rm -rf $d; mkdir -p $d/big $d/small
head -c 268435456 /dev/urandom > $d/big/one.bin
for i in 0 1 3 4; do mkdir -p $d/small/d$i; (cd $d/small/d$i && head -c 16384000 /dev/urandom | split -b 16384 -a 3 - f); done
tar -C /mnt/gluster --numeric-owner -cf "$1" ./bench-restore-src
rm -rf $d
`;

const clean = () => {
  inGluster('node1', ['rm', '-rf', TARGET]);
  onNode('node1', ['sh', '-c', `rm -f ${DIR}/*.restore-*`]);
};

async function main() {
  const cluster = new Cluster(testbedSettings());
  const rows: string[][] = [];
  try {
    inGluster('node1', ['sh', '-c', DATA, 'data', ARCHIVE]);
    clean();
    const plan = await planRestore(cluster, { node: 'node1', archive: ARCHIVE, target: 'bench-restore-out' });
    const jobs = jobsOf(cluster);
    const spec = { target: plan.targetDir, members: [], policy: 'refuse' as const, bytesToWrite: plan.plan.bytesToWrite, archiveBytes: plan.archiveBytes };
    const job: number[] = [];
    const whole: number[] = [];
    const ref: number[] = [];
    const tarOnly = () => {
      clean();
      ref.push(timed(() => inGluster('node1', ['sh', '-c', 'mkdir -p "$2" && tar -xf "$1" -C "$2"', 'ref', ARCHIVE, TARGET])).ms);
    };
    // The job: what runs on the node and the client's wait for its end.
    await inTurns(
      RUNS,
      async () => {
        clean();
        const r = await timedAsync(async () => {
          let j = await jobs.startRestore('node1', { archive: ARCHIVE, compression: 'none', spec });
          while (!isFinal(j.state)) {
            await jobs.waitForExit(j, new AbortController().signal).catch(() => undefined);
            j = await jobs.observe(j);
          }
          return j;
        });
        if (r.value.state !== 'completed') throw new Error(`restore job ${r.value.state}: ${r.value.reason ?? ''}`);
        job.push(r.ms);
      },
      tarOnly,
    );
    const refJob = [...ref];
    ref.length = 0;
    await inTurns(
      RUNS,
      () => {
        clean();
        const r = timed(() => spawnSync(process.execPath, [CLI, '--config', path.join(TESTBED_DIR, 'config.json'), 'restore', '--archive', ARCHIVE, '--target', 'bench-restore-out'], { encoding: 'utf8' }));
        if (r.value.status !== 0) throw new Error(`restore exit ${r.value.status}: ${r.value.stderr}`);
        whole.push(r.ms);
      },
      tarOnly,
    );
    const mib = (plan.archiveBytes / 2 ** 20).toFixed(0);
    rows.push([`restore job, ${mib} MiB .tar, ${plan.plan.selected.entries} entries (median of ${RUNS})`, ms(median(job)), ms(median(refJob)), (median(job) / median(refJob)).toFixed(2), 'target <= 1.05']);
    rows.push([`restore command: plan, checks, job, verification`, ms(median(whole)), ms(median(ref)), (median(whole) / median(ref)).toFixed(2), 'target <= 1.10']);
  } finally {
    clean();
    onNode('node1', ['rm', '-f', ARCHIVE]);
    cluster.dispose();
  }
  const w = [58, 12, 12, 8];
  console.log(['measure', 'gluster-backup', 'docker exec tar -xf', 'ratio', 'note'].map((c, i) => c.padEnd(w[i] ?? 0)).join(' | '));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i] ?? 0)).join(' | '));
  setTimeout(() => process.exit(0), 50).unref();
}

void main();
