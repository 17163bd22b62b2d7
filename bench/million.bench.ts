// A million small files (the test bed's gvmillion volume, written by `testbed.sh million` in
// about a minute and a half, removed at the end unless GB_BENCH_KEEP_MILLION=1): backup,
// validate-backup, preflight's walk and the restore's dry run through the CLI (preflight in
// this process), each against the shell way of doing
// the same in the gluster container, in the same run, taking turns; and the CLI's peak memory
// for each (the bound: 300 MB). A backup of a million files through FUSE costs a quarter
// of an hour a run here, so the turns are few: GB_MILLION_RUNS (default 1 for backup, 3 for the
// rest) says how many. GB_MILLION_RESTORE=1 measures the restore of the archive too: a million
// creates through FUSE, the better part of an hour a side here (restoreRows says how);
// GB_MILLION_RESTORE=only measures the restore and nothing else asked of the archive.
// GB_MILLION_BACKUP=0 leaves the backup out (see below).
// GB_MILLION_BRICKS=3 runs it all on gvmillion3 (`testbed.sh million3`): the same tree
// distributed over a brick on each of the three nodes, so validate and preflight list three
// bricks at once. GB_MILLION_FILES (a multiple of 1000) makes a smaller tree, to try the bench.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster } from '../src/core/cluster';
import { BackupJobs } from '../src/core/backup/jobs';
import { preflight } from '../src/core/backup/preflight';
import { inGluster, onNode, testbedSettings, testbedWithin } from '../test/integration/helpers/testbed';
import { MILLION_BED_MS, MILLION_FILES, MILLION_ONE_BRICK, MILLION_THREE_BRICKS, cliMeasured, mb, tarOfBricks, writeMillionConfig, type MeasuredRun } from '../test/helpers/million';
import { inRotation, inTurns, median } from './stats';
import { SHELL_VALIDATE } from './benchData';

const DIR = '/opt/datarobot/data/backups/gluster';
const RUNS = Number(process.env.GB_MILLION_RUNS ?? 0);
const VOLUME = process.env.GB_MILLION_BRICKS === '3' ? MILLION_THREE_BRICKS : MILLION_ONE_BRICK;
const MOUNT = VOLUME.mount;
const FILES = Number(process.env.GB_MILLION_FILES ?? MILLION_FILES);
const RESTORE = process.env.GB_MILLION_RESTORE ?? '0';

const work = mkdtempSync(path.join(os.tmpdir(), 'gb-million-'));
const config = path.join(work, 'config.json');

function cli(args: string[], ok: (code: number | null) => boolean): MeasuredRun {
  // A backup of the volume is a quarter of an hour here, more on a loaded machine.
  const r = cliMeasured(config, path.join(work, 'rss'), args, { timeoutMs: 120 * 60_000 });
  if (!ok(r.code)) throw new Error(`gluster-backup ${args.join(' ')}: exit ${r.code}: ${r.stderr.slice(-2000)}`);
  return r;
}

function shell(script: string, ...args: string[]): number {
  const t0 = process.hrtime.bigint();
  inGluster('node1', ['sh', '-c', script, 'bench', ...args], { timeoutMs: 60 * 60_000 });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function clean(): void {
  onNode('node1', ['sh', '-c', `rm -f ${DIR}/datarobot-gluster-backup-* ${DIR}/by-hand.tar* && sync`]);
}

interface Row {
  measure: string;
  ours: number[];
  ref: number[];
  rss: number[];
  note: string;
}

const s = (v: number) => `${(v / 1000).toFixed(1)} s`;

function print(rows: Row[]): void {
  console.log(['measure', 'gluster-backup', 'reference', 'ratio', 'peak RSS', 'note'].join(' | '));
  for (const r of rows) {
    const o = median(r.ours);
    const f = median(r.ref);
    console.log([r.measure, s(o), s(f), (o / f).toFixed(2), r.rss.length ? mb(Math.max(...r.rss)) : '—', r.note].join(' | '));
  }
}

/**
 * The questions asked of the archive: validate (from the bricks and through the mount),
 * preflight's walk, the restore's dry run.
 */
async function archiveRows(archive: string, rows: Row[]): Promise<void> {
  const runs = RUNS || 3;
  const v: Row = { measure: `validate-backup .tar, ${FILES} files (median of ${runs})`, ours: [], ref: [], rss: [], note: 'reference: tar -tf|sort + find|sort + comm -23 in the container' };
  // Three sides take turns: the shell, validate as shipped (from the volume's brick), and
  // validate through the mount (what it falls back to when the bricks cannot be listed).
  const vm: Row = { measure: `validate-backup --list-from mount, ${FILES} files (median of ${runs})`, ours: [], ref: v.ref, rss: [], note: 'find through FUSE instead of the brick' };
  const validateInto = (row: Row, from: 'bricks' | 'mount') => {
    const r = cli(['--json', 'validate-backup', '--archive', archive, ...(from === 'mount' ? ['--list-from', 'mount'] : [])], (c) => c === 0);
    const out = JSON.parse(r.stdout) as { report: { verdict: string; filesystem: { files: number } }; listing: { from: string } };
    if (out.report.verdict !== 'complete' || out.report.filesystem.files !== FILES) throw new Error(`validate: ${out.report.verdict}, ${out.report.filesystem.files} files`);
    if (out.listing.from !== from) throw new Error(`validate listed from ${out.listing.from}, not ${from}`);
    row.ours.push(r.ms);
    row.rss.push(r.rssBytes);
  };
  await inRotation(runs, [() => v.ref.push(shell(SHELL_VALIDATE, archive, MOUNT)), () => validateInto(v, 'bricks'), () => validateInto(vm, 'mount')]);
  v.note += VOLUME.bricks === 1 ? '; listed from the volume\'s brick' : '; listed from the volume\'s three bricks';
  rows.push(v, vm);
  // Preflight's size of the volume as a backup runs it (du through the mount and the brick,
  // racing), against the seed's own step: du of the mount in the container.
  const pf: Row = { measure: `preflight (its walk: the volume's size and newest change), ${FILES} files (median of ${runs})`, ours: [], ref: [], rss: [], note: 'reference: du -s --apparent-size of the mount in the container' };
  const cluster = new Cluster(testbedSettings({ glusterPath: MOUNT }));
  let from = '';
  try {
    await inRotation(runs, [
      () => pf.ref.push(shell('du -s --apparent-size --block-size=1 "$1" > /dev/null', MOUNT)),
      async () => {
        const t0 = process.hrtime.bigint();
        const r = await preflight(cluster, new BackupJobs(cluster), { compression: 'none', node: 'node1' });
        pf.ours.push(Number(process.hrtime.bigint() - t0) / 1e6);
        from = r.checks.find((c) => c.id === 'freeSpace')?.notes?.[0] ?? 'du through the mount answered first';
      },
    ]);
  } finally {
    cluster.dispose();
  }
  pf.note += `; run in this process, so no peak RSS of its own; the last run: ${from}`;
  rows.push(pf);
  // The restore's plan of every member into an empty target, written nowhere.
  const d: Row = { measure: `restore --dry-run .tar, ${FILES} files (median of ${runs})`, ours: [], ref: [], rss: [], note: 'reference: tar -tvf in the container' };
  await inTurns(
    runs,
    () => {
      const r = cli(['restore', '--archive', archive, '--node', 'node1', '--dry-run', '--target', 'bench-restore'], (c) => c === 0);
      d.ours.push(r.ms);
      d.rss.push(r.rssBytes);
    },
    () => d.ref.push(shell('tar -tvf "$1" > /dev/null', archive)),
  );
  rows.push(d);
}

/**
 * The restore itself, the whole command (plan, cluster check, the job, the verification of every
 * member through the mount) against GNU tar's extraction in the container, into a new directory
 * of a volume built afresh before each side: the sides then meet the same bricks, and neither
 * pays for the other's million files in memory or in the bricks' directories. Last, since it
 * rebuilds the volume.
 */
async function restoreRows(archive: string, rows: Row[]): Promise<void> {
  const runs = RUNS || 1;
  const target = 'bench-restore';
  const r: Row = { measure: `restore .tar, ${FILES} files, into an empty directory of the volume, the whole command (median of ${runs})`, ours: [], ref: [], rss: [], note: 'reference: tar -xf into the mount in the container' };
  const job: number[] = [];
  const fresh = () => {
    testbedWithin({ timeoutMs: MILLION_BED_MS }, VOLUME.remove);
    testbedWithin({ timeoutMs: MILLION_BED_MS }, VOLUME.make, String(FILES));
    onNode('node1', ['sh', '-c', `rm -f ${DIR}/*.restore-* && sync`]);
  };
  await inTurns(
    runs,
    () => {
      fresh();
      const c = cli(['--json', 'restore', '--archive', archive, '--node', 'node1', '--target', target], (code) => code === 0);
      const out = JSON.parse(c.stdout) as { job: { startedAt: string; endedAt?: string }; verification: { verdict: string } };
      if (out.verification.verdict !== 'verified') throw new Error(`restore: verification ${out.verification.verdict}`);
      r.ours.push(c.ms);
      r.rss.push(c.rssBytes);
      if (out.job.endedAt) job.push(Date.parse(out.job.endedAt) - Date.parse(out.job.startedAt));
      console.error(`restore: the command ${s(c.ms)}, its job on the node ${job.length ? s(job[job.length - 1]) : '?'}, peak RSS ${mb(c.rssBytes)}`);
    },
    () => {
      fresh();
      r.ref.push(shell('mkdir "$2" && tar -xf "$1" -C "$2"', archive, `${MOUNT}/${target}`));
      console.error(`restore: tar -xf ${s(r.ref[r.ref.length - 1])}`);
    },
  );
  r.note += `; the job on the node (its start to its end, the node's clock): ${job.map(s).join(', ')}`;
  rows.push(r);
}

async function main() {
  testbedWithin({ timeoutMs: MILLION_BED_MS, log: true }, VOLUME.make, String(FILES));
  writeMillionConfig(config, MOUNT);
  clean();
  const rows: Row[] = [];
  try {
    let archive = '';
    if (process.env.GB_MILLION_BACKUP === '0') {
      // The questions asked of an archive without a quarter of an hour of backup a side: GNU
      // tar's archive of the brick(s), as the scale suite makes it. The backup row is left out,
      // and the table says so.
      archive = `${DIR}/by-hand.tar`;
      tarOfBricks(VOLUME, archive);
      console.log(`backup not measured (GB_MILLION_BACKUP=0): the archive is GNU tar's of the ${VOLUME.bricks === 1 ? 'brick' : 'three bricks'}`);
    } else {
      // Backup: the whole command (preflight's walk of the volume included) against raw tar.
      const backupRuns = RUNS || 1;
      const b: Row = { measure: `backup .tar, ${FILES} files (median of ${backupRuns})`, ours: [], ref: [], rss: [], note: 'reference: docker exec gluster tar -cf' };
      await inTurns(
        backupRuns,
        () => {
          clean();
          const r = cli(['--json', 'backup', '--node', 'node1', '--override', 'activity:benchmark'], (c) => c === 0 || c === 1);
          archive = (JSON.parse(r.stdout) as { archive: string }).archive;
          b.ours.push(r.ms);
          b.rss.push(r.rssBytes);
        },
        () => {
          onNode('node1', ['sh', '-c', `rm -f ${DIR}/by-hand.tar && sync`]);
          b.ref.push(shell(`tar -cf ${DIR}/by-hand.tar -C ${MOUNT} .`));
        },
      );
      rows.push(b);
      onNode('node1', ['rm', '-f', `${DIR}/by-hand.tar`]);
    }
    // The last backup made stays for the questions asked of an archive.
    if (RESTORE !== 'only') await archiveRows(archive, rows);
    else console.log('validate, preflight and the dry run not measured (GB_MILLION_RESTORE=only)');
    if (RESTORE === '1' || RESTORE === 'only') await restoreRows(archive, rows);
    else console.log('restore not measured (set GB_MILLION_RESTORE=1: a million creates through FUSE, the better part of an hour a side)');
  } finally {
    clean();
    rmSync(work, { recursive: true, force: true });
    // The other suites expect the bed's two volumes only.
    if (process.env.GB_BENCH_KEEP_MILLION !== '1') testbedWithin({ timeoutMs: MILLION_BED_MS }, VOLUME.remove);
  }
  print(rows);
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
