// Twenty nodes: the light nodes of the test bed (`testbed.sh light up N`: each its own netns,
// sshd, dockerd and a `gluster` container, no GlusterFS), brought up for this run and down
// after it (GB_BENCH_KEEP_LIGHT=1 leaves them). Against the shell reference measured in the same
// run, the two taking turns: `ssh node docker inspect gluster` to every node in parallel, with
// the same key and known_hosts.
//   (a) the CLI's cold `gluster-backup --json status`, also against the same reads by hand
//       (the container, one gluster exec, the backups directory), with each side's CPU;
//   (b) the explorer's warm refresh through core's Cluster, with the containers running (gluster
//       asked, which fails at once on a light node) and then stopped (no gluster question: the
//       SSH and docker side alone, the reference's reads);
//   (c) one node's link cut on a warm cluster (containers stopped): when the others are shown.
// The real three nodes and their volumes are not touched.
import './shippedVendor';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Cluster } from '../src/core/cluster';
import { parseSettings, type Settings } from '../src/core/config';
import type { NodeStatus } from '../src/core/model';
import { testbed, TESTBED_DIR, REPO } from '../test/integration/helpers/testbed';
import { cpuTimes, inRotation, inTurns, median, ms, percentile } from './stats';

const NODES = Number(process.env.BENCH_LIGHT_NODES ?? 20);
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 7);
const CONFIG = path.join(TESTBED_DIR, 'config-light.json');

function lightSettings(): Settings {
  // The bed's own file, checked by the settings parser as any config file is.
  const raw = { ...(JSON.parse(fs.readFileSync(CONFIG, 'utf8')) as Record<string, unknown>), timeouts: { connectMs: 3000, dockerMs: 5000, glusterMs: 15000, keepaliveMs: 1000 } };
  const { settings, problems } = parseSettings(raw);
  if (problems.length) throw new Error(`${CONFIG}: ${JSON.stringify(problems)}`);
  if (settings.nodes.length !== NODES) throw new Error(`${CONFIG} names ${settings.nodes.length} nodes, ${NODES} wanted`);
  return settings;
}

function run(cmd: string, args: string[], okCodes = [0]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (okCodes.includes(code ?? -1) ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err}`))));
  });
}

/** What an operator types to see every node's container: ssh + docker inspect, all at once. */
function shellReference(s: Settings): Promise<void> {
  return Promise.all(
    s.nodes.map((n) =>
      run('ssh', ['-i', n.identityFile!, '-o', `UserKnownHostsFile=${s.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `${n.user}@${n.host}`, 'docker inspect gluster']),
    ),
  ).then(() => undefined);
}

/**
 * What the CLI's status reads, typed by hand: the container, one gluster question (on a light
 * node it fails at the exec, as the CLI's does) and the backups directory, per node at once.
 */
function sameReadsReference(s: Settings): Promise<void> {
  const script = `docker inspect ${s.containerName} >/dev/null; docker exec ${s.containerName} gluster --mode=script peer status >/dev/null 2>&1; ls -la ${s.backupDir} >/dev/null 2>&1; true`;
  return Promise.all(
    s.nodes.map((n) =>
      run('ssh', ['-i', n.identityFile!, '-o', `UserKnownHostsFile=${s.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `${n.user}@${n.host}`, script]),
    ),
  ).then(() => undefined);
}

/** The CLI as an operator runs it, cold: a new process, new SSH connections. */
async function cliStatus(): Promise<void> {
  // Exit 1 is expected: the light nodes have no GlusterFS, so gluster questions fail.
  const out = await run(process.execPath, [path.join(REPO, 'dist', 'cli.js'), '--config', CONFIG, '--json', 'status'], [0, 1]);
  const doc = JSON.parse(out) as { nodes?: { name: string; reachable: boolean; container: { state: string } | null }[] };
  const shown = doc.nodes ?? [];
  const running = shown.filter((n) => n.reachable && n.container?.state === 'running').length;
  if (running !== NODES) throw new Error(`status --json showed ${running} of ${NODES} light nodes running: ${out.slice(0, 400)}`);
}

async function timed(fn: () => Promise<unknown>, into: number[]): Promise<void> {
  const t0 = process.hrtime.bigint();
  await fn();
  into.push(Number(process.hrtime.bigint() - t0) / 1e6);
}

const p = (xs: number[], q: number) => percentile([...xs].sort((a, b) => a - b), q);

async function measure(rows: string[][]): Promise<void> {
  const settings = lightSettings();

  // (a) cold CLI status against the shell, the three sides taking turns. This machine is
  // CPU-bound here, so each side's busy core-seconds (the whole machine's: nodes and client)
  // say where its time goes.
  const cold: number[] = [];
  const coldRef: number[] = [];
  const coldSame: number[] = [];
  const busy = { cli: [] as number[], ref: [] as number[], same: [] as number[] };
  const withCpu = (fn: () => Promise<unknown>, into: number[], cpu: number[]) => async () => {
    const b0 = cpuTimes().busy;
    await timed(fn, into);
    cpu.push(cpuTimes().busy - b0);
  };
  await inRotation(COLD_RUNS, [
    withCpu(() => shellReference(settings), coldRef, busy.ref),
    withCpu(cliStatus, cold, busy.cli),
    withCpu(() => sameReadsReference(settings), coldSame, busy.same),
  ]);
  const cores = (xs: number[]) => `${median(xs).toFixed(2)} busy core-s`;
  rows.push([`gluster-backup --json status, cold, ${NODES} nodes (median of ${COLD_RUNS})`, ms(median(cold)), ms(median(coldRef)), (median(cold) / median(coldRef)).toFixed(2), `target ≤ 1.00 (no slower than the shell): ${median(cold) <= median(coldRef) ? 'met' : 'MISSED'}; range ${ms(Math.min(...cold))}-${ms(Math.max(...cold))} vs ${ms(Math.min(...coldRef))}-${ms(Math.max(...coldRef))}; ${cores(busy.cli)} vs ${cores(busy.ref)}`]);
  rows.push([`the same, against the same reads by hand (docker inspect, one gluster exec, ls of the backups directory, per node at once)`, ms(median(cold)), ms(median(coldSame)), (median(cold) / median(coldSame)).toFixed(2), `${cores(busy.cli)} vs ${cores(busy.same)}`]);

  // (b) warm refresh through core's Cluster, as the explorer does it: first with the containers
  // running, where every refresh also asks gluster (on a light node that fails at once, but costs
  // docker execs), then with them stopped, where the refresh is the SSH and docker side alone,
  // the same reads as the reference. (c) the link cut, in the second setting.
  const cluster = new Cluster(settings);
  try {
    await cluster.refreshAll(); // warm: connections made, channels pooled
    await warmRows(cluster, settings, 'containers running, gluster asked', rows);
    await Promise.all(settings.nodes.map((n) => run('docker', ['-H', `unix://${nodeSocket(n.name)}`, 'stop', '-t', '1', settings.containerName])));
    await cluster.refreshAll();
    await warmRows(cluster, settings, 'containers stopped, no gluster question', rows);
    await linkCut(cluster, settings, rows);
  } finally {
    cluster.dispose();
  }
}

const nodeSocket = (name: string) => path.join(process.env.TESTBED_DATA ?? '/var/lib/gluster-backup-testbed', name, 'run', 'docker.sock');

async function warmRows(cluster: Cluster, settings: Settings, setting: string, rows: string[][]): Promise<void> {
  const rowsShown: number[] = [];
  const full: number[] = [];
  const ref: number[] = [];
  let allShown = true;
  const ours = async () => {
    const t0 = process.hrtime.bigint();
    const first = new Map<string, number>();
    const on = (s: NodeStatus) => {
      if (!first.has(s.name)) first.set(s.name, Number(process.hrtime.bigint() - t0) / 1e6);
    };
    cluster.on('status', on);
    const all = await cluster.refreshAll();
    full.push(Number(process.hrtime.bigint() - t0) / 1e6);
    cluster.off('status', on);
    rowsShown.push(Math.max(...first.values()));
    allShown &&= all.length === NODES && all.every((s) => s.reachable && s.container !== undefined && s.container.state !== 'missing');
  };
  await inTurns(RUNS, ours, () => timed(() => shellReference(settings), ref));
  const verdict = (v: number) => `target ≤ 500 ms and ≥ 5x: ${v <= 500 && p(ref, 50) / v >= 5 ? 'met' : 'MISSED'}`;
  rows.push([`node rows, ${NODES} nodes, warm, ${setting}, p50`, ms(p(rowsShown, 50)), ms(p(ref, 50)), (p(ref, 50) / p(rowsShown, 50)).toFixed(1) + 'x faster', `${verdict(p(rowsShown, 50))}${allShown ? '' : '; SOME NODE NOT SHOWN'}`]);
  rows.push([`full refresh, ${NODES} nodes, warm, ${setting}, p50 / p95`, `${ms(p(full, 50))} / ${ms(p(full, 95))}`, `${ms(p(ref, 50))} / ${ms(p(ref, 95))}`, (p(ref, 50) / p(full, 50)).toFixed(1) + 'x faster', verdict(p(full, 50))]);
}

/** One node's link cut (veth down: packets vanish, no RST) on the warm cluster. */
async function linkCut(cluster: Cluster, settings: Settings, rows: string[][]): Promise<void> {
  const victim = settings.nodes[Math.min(6, NODES - 1)].name;
  const at = new Map<string, number>();
  testbed('light', 'cut-link', victim);
  try {
    const t0 = Date.now();
    const on = (s: NodeStatus) => {
      if (!at.has(s.name)) at.set(s.name, Date.now() - t0);
    };
    cluster.on('status', on);
    const all = await cluster.refreshAll();
    cluster.off('status', on);
    const others = all.filter((s) => s.name !== victim);
    const slowest = Math.max(...others.map((s) => at.get(s.name) ?? Infinity));
    rows.push([`link of ${victim} cut: the other ${others.length} shown after`, ms(slowest), '', `target 1 s: ${slowest <= 1000 ? 'met' : 'MISSED'}`, others.every((s) => s.reachable) ? 'all reachable' : 'SOME OTHER NODE UNREACHABLE']);
    const cut = all.find((s) => s.name === victim)!;
    rows.push([`link of ${victim} cut: it is marked after`, ms(at.get(victim) ?? NaN), '', `keepalive ${settings.timeouts.keepaliveMs} ms x3`, `${cut.reachable ? 'STILL REACHABLE' : `${cut.error?.kind}: ${cut.error?.message}`}`]);
  } finally {
    testbed('light', 'restore-link', victim);
  }
}

async function main() {
  const rows: string[][] = [];
  const t0 = Date.now();
  testbed('light', 'up', String(NODES));
  console.error(`${NODES} light nodes up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  try {
    await measure(rows);
  } finally {
    if (process.env.GB_BENCH_KEEP_LIGHT !== '1') testbed('light', 'down');
  }
  const w = [52, 18, 18, 16];
  console.log(['measure', 'gluster-backup', 'reference', 'ratio', 'note'].map((c, i) => c.padEnd(w[i] ?? 0)).join(' | '));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i] ?? 0)).join(' | '));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
