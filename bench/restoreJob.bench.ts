// The restore itself against the plain command an operator would type, on the same node,
// archive and volume in the same run, taking turns: `docker exec gluster tar -xf ARCHIVE -C DIR`.
// Two rows: the job alone (start, tar in the container, end seen by the client), and the whole
// `gluster-backup restore` command (plan, cluster checks, job, verification of every member).
// The three run in one rotation against one reference series: two series of the same tar -xf
// lay 6 s apart once (96 and 102 s), more than the whole command adds to the job.
// The archive is, by default, the product's backup of the test bed's volume as the validate and
// dry-run benchmarks make it (a 1.1 GB file and 20,000 empty files beside the sample data);
// GB_BENCH_RESTORE_DATA=mixed takes 320 MiB of 256 MiB in one file and 4,000 files of 16 KiB
// instead, where the fixed part weighs more.
import './shippedVendor';
import './traceRequests';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Cluster } from '../src/core/cluster';
import { jobsOf, isFinal } from '../src/core/backup/jobs';
import { planRestore } from '../src/core/restore/restorePlan';
import { REPO, TESTBED_DIR, inGluster, inGlusterArgs, onNode, testbedSettings } from '../test/integration/helpers/testbed';
import { inRotation, median, ms } from './stats';
import { MANY, backup, spawnAsync, timedAsync } from './benchData';

const RUNS = 5;
const DIR = '/opt/datarobot/data/backups/gluster';
const MIXED = process.env.GB_BENCH_RESTORE_DATA === 'mixed';
// A new directory each run: extracting again into a name just removed had the FUSE client answer
// "Stale file handle" for a path 14 directories deep (seen in GNU tar's turn, 2026-12-05).
let run = 0;
const targetName = () => `bench-restore-out-${run}`;
const CLI = path.join(REPO, 'dist', 'cli.js');

/** 256 MiB in one file and 4,000 files of 16 KiB: data and metadata both count. */
const MIXED_DATA = String.raw`
set -e; d=/mnt/gluster/bench-restore-src; rm -rf $d; mkdir -p $d/big $d/small
head -c 268435456 /dev/urandom > $d/big/one.bin
for i in 0 1 3 4; do mkdir -p $d/small/d$i; (cd $d/small/d$i && head -c 16384000 /dev/urandom | split -b 16384 -a 3 - f); done
tar -C /mnt/gluster --numeric-owner -cf "$1" ./bench-restore-src
rm -rf $d
`;

const clean = () => {
  run++;
  inGluster('node1', ['sh', '-c', 'rm -rf /mnt/gluster/bench-restore-out-*']);
  onNode('node1', ['sh', '-c', `rm -f ${DIR}/*.restore-*`]);
  // The last side's writeback is flushed before the next side starts, not during it.
  spawnSync('sync');
};

/** The archive to restore, made once for the run. */
function makeArchive(): string {
  onNode('node1', ['sh', '-c', `rm -f ${DIR}/datarobot-gluster-backup-*`]);
  if (MIXED) {
    const archive = `${DIR}/datarobot-gluster-backup-2001-02-01.tar`;
    inGluster('node1', ['sh', '-c', MIXED_DATA, 'data', archive]);
    return archive;
  }
  inGluster('node1', ['sh', '-c', 'mkdir -p /mnt/gluster/big && [ -s /mnt/gluster/big/big.bin ] || dd if=/dev/zero of=/mnt/gluster/big/big.bin bs=1M count=1100 status=none']);
  inGluster('node1', ['sh', '-c', MANY]);
  try {
    return backup(false);
  } finally {
    inGluster('node1', ['rm', '-rf', '/mnt/gluster/bench-many']);
  }
}

async function main() {
  const cluster = new Cluster(testbedSettings());
  const rows: string[][] = [];
  let ARCHIVE = '';
  try {
    clean();
    ARCHIVE = makeArchive();
    const plan = await planRestore(cluster, { node: 'node1', archive: ARCHIVE, target: targetName() });
    const jobs = jobsOf(cluster);
    const specOf = (targetDir: string) => ({ target: targetDir, members: [], policy: 'refuse' as const, bytesToWrite: plan.plan.bytesToWrite, archiveBytes: plan.archiveBytes });
    const job: number[] = [];
    const whole: number[] = [];
    const ref: number[] = [];
    const say = (side: string, series: number[]) => console.error(`${side} run ${series.length}: ${ms(series[series.length - 1])}`);
    const tarOnly = async () => {
      clean();
      const r = await timedAsync(() => spawnAsync('bash', inGlusterArgs('node1', ['sh', '-c', 'mkdir -p "$2" && tar -xf "$1" -C "$2"', 'ref', ARCHIVE, `/mnt/gluster/${targetName()}`])));
      if (r.value.status !== 0) throw new Error(`tar -xf exit ${r.value.status}: ${r.value.stderr}`);
      ref.push(r.ms);
      say('tar -xf', ref);
    };
    // The job: what runs on the node and the client's wait for its end.
    const jobOnly = async () => {
      clean();
      // The plan's target directory, renamed for this run (the plan is the same otherwise).
      const spec = specOf(path.posix.join(path.posix.dirname(plan.targetDir), targetName()));
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
      say('job', job);
    };
    const command = async () => {
      clean();
      const r = await timedAsync(() => spawnAsync(process.execPath, [CLI, '--config', path.join(TESTBED_DIR, 'config.json'), 'restore', '--archive', ARCHIVE, '--target', targetName()]));
      if (r.value.status !== 0) throw new Error(`restore exit ${r.value.status}: ${r.value.stderr}`);
      whole.push(r.ms);
      say('command', whole);
    };
    await inRotation(RUNS, [tarOnly, jobOnly, command]);
    const mib = (plan.archiveBytes / 2 ** 20).toFixed(0);
    rows.push([`restore job, ${mib} MiB .tar (${MIXED ? 'mixed' : 'the volume'}), ${plan.plan.selected.entries} entries (median of ${RUNS})`, ms(median(job)), ms(median(ref)), (median(job) / median(ref)).toFixed(2), 'target <= 1.05']);
    rows.push([`restore command: plan, checks, job, verification`, ms(median(whole)), ms(median(ref)), (median(whole) / median(ref)).toFixed(2), 'target <= 1.10']);
  } finally {
    clean();
    onNode('node1', ['sh', '-c', `rm -f ${DIR}/datarobot-gluster-backup-*`]);
    cluster.dispose();
  }
  const w = [64, 12, 12, 8];
  console.log(['measure', 'gluster-backup', 'docker exec tar -xf', 'ratio', 'note'].map((c, i) => c.padEnd(w[i] ?? 0)).join(' | '));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i] ?? 0)).join(' | '));
  setTimeout(() => process.exit(0), 50).unref();
}

void main();
