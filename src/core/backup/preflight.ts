// What is checked before anything is written. Each check passes, warns or fails with its reason;
// a failed check stops the backup unless the operator overrides it (the override is recorded
// in the job). The seed procedure's own warnings are here too: start gluster on every node
// first, expect devicemapper to be three times slower, expect "file changed" while the
// platform is still writing.
import type { NodeConnection } from '../nodeConnection';
import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import * as path from 'path';
import type { Cluster } from '../cluster';
import { withDeadline } from '../deadline';
import { execInContainer } from '../docker/exec';
import type { NodeStatus } from '../model';
import { readPathMount } from '../containerActions';
import type { PathMount } from '../gluster/mounts';
import type { BackupJobs } from './jobs';
import type { Compression } from './naming';
import type { PreflightOverride } from './types';

export type CheckId = 'nodes' | 'volumeHealth' | 'backupDir' | 'freeSpace' | 'storageDriver' | 'concurrency' | 'activity';
export type Verdict = 'pass' | 'warn' | 'fail';

export interface Check {
  id: CheckId;
  title: string;
  verdict: Verdict;
  reason: string;
  /** What the operator should know that decides nothing (e.g. volumes not in this backup). */
  notes?: string[];
}

export interface PreflightResult {
  /** The node tar will run on. */
  node?: string;
  checks: Check[];
  /** Apparent size of the gluster filesystem in bytes, when it could be measured. */
  sourceBytes?: number;
  /** Bytes the archive is expected to take. */
  expectedBytes?: number;
  /** Nodes whose gluster container is not running (the UI offers to start them). */
  stoppedNodes: string[];
}

/** Compression saves about 20% on a typical gluster filesystem, as the seed measured. */
export const GZIP_RATIO = 0.8;
/** Room left over on top of the expected size. */
export const SPACE_MARGIN = 1.05;
/** How recently a file must have changed for the platform to count as still writing. */
const ACTIVITY_WINDOW_S = 120;
/** A walk of the whole filesystem: minutes on millions of files, but never forever. */
const WALK_DEADLINE_MS = 15 * 60_000;

export function blocking(r: PreflightResult, overrides: PreflightOverride[] = []): Check[] {
  const over = new Set(overrides.map((o) => o.check));
  return r.checks.filter((c) => c.verdict === 'fail' && !over.has(c.id));
}

/** The volume the backup reads, as this node sees it: healthy when nothing is wrong with it. */
function healthy(s: NodeStatus, at: PathMount | undefined): boolean {
  const v = at?.kind === 'gluster' ? s.volumes.find((x) => x.name === at.mount.volume) : undefined;
  return s.reachable && s.container?.state === 'running' && !!v && v.bricksOnline === v.bricks && v.problems.length === 0;
}

/** Problems of the volume itself that a backup may go ahead with, with a warning. */
const HEAL_PROBLEM = /pending heal$|^heal state of volume .* unknown/;

/**
 * The verdict on the volume behind glusterPath; every other volume is a note. A distribute
 * volume with a brick offline is read without an error and without that brick's files
 * (FIELD-NOTES), so offline bricks, disconnected peers and anything unknown about them refuse.
 */
export function volumeHealthCheck(chosen: NodeStatus, at: PathMount | Error, glusterPath: string, container: string): Check {
  const title = 'Every brick online, every peer connected';
  const fail = (reason: string, notes?: string[]): Check => ({ id: 'volumeHealth', title, verdict: 'fail', reason, ...(notes?.length ? { notes } : {}) });
  if (chosen.glusterError) return fail(chosen.glusterError);
  if (at instanceof Error) return fail(`cannot tell which volume is mounted at ${glusterPath}: ${at.message}`);
  if (at.kind !== 'gluster') {
    return fail(`${glusterPath} is not a GlusterFS mount in the ${container} container on ${chosen.name} (${at.kind === 'other' ? `it is ${at.fsType}, mounted at ${at.mountPoint}` : 'no mount covers it'}): the archive would hold no gluster data. Start gluster on every node, or set glusterPath to the volume's mount.`);
  }
  const name = at.mount.volume;
  const v = chosen.volumes.find((x) => x.name === name);
  const notes = chosen.volumes.filter((x) => x !== v).map((x) => `volume ${x.name} (${x.type}, ${x.status}) is not in this backup${x.problems.length ? `: ${x.problems.join('; ')}` : ''}`);
  if (!v) return fail(`volume ${name}, mounted at ${at.mount.mountPoint}, is not in the volume list of ${chosen.name}'s glusterd`, notes);
  const offline = v.brickList.filter((b) => !b.online).map((b) => `brick ${b.name} of ${v.name} is offline`);
  const hard = [...offline, ...v.problems.filter((p) => !/^brick .* is offline$/.test(p) && !HEAL_PROBLEM.test(p))];
  const soft = v.problems.filter((p) => HEAL_PROBLEM.test(p));
  const what = `volume ${v.name} (${v.type}${at.mount.subdir ? `, its directory ${at.mount.subdir}` : ''}), mounted at ${at.mount.mountPoint}`;
  if (hard.length) {
    return fail(`${what}: ${hard.join('; ')}. Files on an offline brick would be missing from the archive without any error from tar.`, notes);
  }
  const state = `${v.bricksOnline}/${v.bricks} bricks online, peers ${v.peersConnected}/${v.peersTotal} connected`;
  return {
    id: 'volumeHealth',
    title,
    verdict: soft.length ? 'warn' : 'pass',
    reason: soft.length
      ? `${what}: ${state}; ${v.healEntries !== undefined ? `${v.healEntries} ${v.healEntries === 1 ? 'entry' : 'entries'} pending heal (the replicas differ until healed: the archive has the copy this node reads)` : 'its heal state could not be read (the replicas may differ)'}`
      : `${what}: ${state}${v.healEntries !== undefined ? ', nothing pending heal' : ''}`,
    ...(notes.length ? { notes } : {}),
  };
}

export async function preflight(
  cluster: Cluster,
  jobs: BackupJobs,
  opts: { node?: string; backupDir?: string; compression: Compression },
): Promise<PreflightResult> {
  const s = cluster.settings;
  const backupDir = opts.backupDir ?? s.backupDir;
  const checks: Check[] = [];
  // The two walks of the whole filesystem (its size; anything changed lately) are the slow part
  // of preflight on a big volume. With the node named they start at once, beside the refresh of
  // every node; otherwise as soon as the refresh has chosen the node.
  const walks = new Map<string, Walks>();
  const walksOn = (node: string) => {
    let w = walks.get(node);
    if (!w) walks.set(node, (w = startWalks(cluster, node)));
    return w;
  };
  if (opts.node && cluster.nodes().some((n) => n.name === opts.node)) walksOn(opts.node);
  // Which volume glusterPath is, from each node's container (an exec each, beside the refresh):
  // the one whose health decides, and the one a node is chosen by.
  const mounts = new Map(
    cluster.nodes().map((n) => [
      n.name,
      cluster
        .connection(n.name)
        .docker()
        .then((d) => readPathMount(d, s))
        .catch((e: Error) => e),
    ]),
  );
  const statuses = await cluster.refreshAll();
  const mountOf = new Map<string, PathMount | Error>();
  for (const [n, p] of mounts) mountOf.set(n, await p);
  const usable = (x: NodeStatus) => {
    const m = mountOf.get(x.name);
    return m instanceof Error ? undefined : m;
  };
  const stoppedNodes = statuses.filter((x) => x.reachable && x.container?.state !== 'running').map((x) => x.name);

  // Every node: the backup reads the whole filesystem, across all nodes' bricks.
  const unreachable = statuses.filter((x) => !x.reachable);
  const notRunning = statuses.filter((x) => x.reachable && x.container?.state !== 'running');
  checks.push({
    id: 'nodes',
    title: 'Every node reachable, gluster running',
    verdict: unreachable.length || notRunning.length ? 'fail' : 'pass',
    reason:
      [
        ...unreachable.map((x) => `${x.name} is unreachable: ${x.error?.message ?? 'no answer'}`),
        ...notRunning.map((x) => `${x.name}: gluster container is ${x.container?.state ?? 'unknown'} (start it on every node first)`),
      ].join('; ') || `${statuses.length} of ${statuses.length} nodes running gluster`,
  });

  const chosen = opts.node ? statuses.find((x) => x.name === opts.node) : statuses.find((x) => healthy(x, usable(x))) ?? statuses.find((x) => x.container?.state === 'running');
  if (opts.node && !chosen) throw new Error(`no node named "${opts.node}"`);
  const result: PreflightResult = { checks, stoppedNodes, ...(chosen ? { node: chosen.name } : {}) };
  if (!chosen || chosen.container?.state !== 'running') {
    checks.push({ id: 'volumeHealth', title: 'Volume health', verdict: 'fail', reason: 'no node with a running gluster container to run the backup on' });
    return result;
  }

  // Volume health as the chosen node sees it, of the volume the backup reads.
  checks.push(volumeHealthCheck(chosen, mountOf.get(chosen.name) ?? new Error('not read'), s.glusterPath, s.containerName));

  checks.push({
    id: 'storageDriver',
    title: 'Docker storage driver',
    verdict: chosen.storageDriver === 'devicemapper' ? 'warn' : 'pass',
    reason:
      chosen.storageDriver === 'devicemapper'
        ? 'devicemapper: expect the backup to take three times as long or longer than with overlay2'
        : `${chosen.storageDriver ?? 'unknown'}`,
  });

  const docker = await cluster.connection(chosen.name).docker();
  const { duP, recentP } = walksOn(chosen.name);

  // Everything else is a quick look, each costing an exec's round trips: all at once.
  const rel = path.posix.relative(s.glusterPath, backupDir);
  const inside = rel === '' || (!rel.startsWith('..') && !path.posix.isAbsolute(rel));
  // The backups directory as the container sees it (tar writes there from inside): usable, and
  // how much room it has, in one exec (each exec costs dockerd a runc start, ~100 ms of CPU).
  const dirP = inside ? Promise.resolve(undefined) : backupDirState(docker, s.containerName, backupDir);
  const dirOkP = dirP.then((d) => (d === undefined ? undefined : d.usable));
  // The job files are written by this client, as the node's SSH user, not by the container:
  // a directory only root may write to passes the container's look and fails at job start.
  const hostP = inside ? Promise.resolve(undefined) : hostCannotWrite(cluster.connection(chosen.name), backupDir);
  const freeP = dirP.then((d) => (d === undefined || !d.usable ? undefined : d.free));
  const jobsP = jobs.list(statuses.filter((x) => x.reachable).map((x) => x.name));
  // `docker top` is dockerd running ps on the host: no exec into the container needed.
  const tarsP = Promise.all(
    statuses
      .filter((x) => x.container?.state === 'running')
      .map(async (x) => {
        const d = await cluster.connection(x.name).docker();
        const top = await withDeadline(`docker top ${s.containerName}`, s.timeouts.dockerMs, () => d.getContainer(s.containerName).top({ ps_args: '-eo pid,comm' })).catch(() => undefined);
        return top?.Processes?.some((row: string[]) => row[1] === 'tar') ? x.name : undefined;
      }),
  );

  const dirOk = await dirOkP;
  const hostProblem = await hostP;
  const sshUser = cluster.node(chosen.name).host ? `the SSH user ${cluster.node(chosen.name).user ?? 'root'}` : 'this user';
  checks.push({
    id: 'backupDir',
    title: 'Backups directory',
    verdict: inside || !dirOk || hostProblem ? 'fail' : 'pass',
    reason: inside
      ? `${backupDir} is inside the gluster filesystem ${s.glusterPath}: the archive would contain itself`
      : !dirOk
        ? `${backupDir} does not exist or is not writable inside the ${s.containerName} container on ${chosen.name} (it must be mounted there)`
        : hostProblem
          ? `${sshUser} on ${chosen.name} cannot write the job's files in ${backupDir} (${hostProblem}): give that user write access to it, or choose another directory with -b`
          : `${backupDir} on ${chosen.name}, writable from the ${s.containerName} container and by ${sshUser}`,
  });

  // Size of what will be read, and room for it.
  const free = dirOk ? await freeP : undefined;
  const du = await duP;
  if (!(du instanceof Error)) {
    result.sourceBytes = du;
    result.expectedBytes = Math.ceil(du * (opts.compression === 'gzip' ? GZIP_RATIO : 1));
  }
  if (du instanceof Error || free instanceof Error || free === undefined) {
    checks.push({
      id: 'freeSpace',
      title: 'Free space',
      verdict: 'fail',
      reason: `could not measure: ${du instanceof Error ? `size of ${s.glusterPath}: ${du.message}` : free instanceof Error ? `free space in ${backupDir}: ${free.message}` : 'backups directory unusable'}`,
    });
  } else {
    const need = Math.ceil(result.expectedBytes! * SPACE_MARGIN);
    checks.push({
      id: 'freeSpace',
      title: 'Free space',
      verdict: free >= need ? 'pass' : 'fail',
      reason: `${human(free)} free in ${backupDir}; the archive needs about ${human(result.expectedBytes!)}${opts.compression === 'gzip' ? ' (compressed, about 80% of the data)' : ''} plus 5%`,
    });
  }

  // One backup at a time: a running job anywhere, or a tar running in any gluster container.
  const { jobs: all } = await jobsP;
  const running = all.filter((j) => j.state === 'running');
  const tars = await tarsP;
  const busy = tars.filter((x): x is string => !!x);
  checks.push({
    id: 'concurrency',
    title: 'No other backup or restore running',
    verdict: running.length || busy.length ? 'fail' : 'pass',
    reason:
      [...running.map((j) => `${j.kind} ${j.id} is running on ${j.node}`), ...busy.filter((n) => !running.some((j) => j.node === n)).map((n) => `a tar process is running in the gluster container on ${n}`)].join('; ') ||
      'none running',
  });

  // Is the platform still writing? A file changed in the last two minutes says so.
  const recent = await recentP;
  checks.push({
    id: 'activity',
    title: 'Platform quiet',
    verdict: recent instanceof Error || recent.stdout.trim() ? 'warn' : 'pass',
    reason:
      recent instanceof Error
        ? `could not check for recent changes: ${recent.message}`
        : recent.stdout.trim()
          ? `files changed in the last ${ACTIVITY_WINDOW_S / 60} minutes (e.g. ${JSON.stringify(path.posix.relative(s.glusterPath, recent.stdout.split('\n')[0]))}): the platform may still be writing, so the archive may not be an exact copy`
          : `no file changed in the last ${ACTIVITY_WINDOW_S / 60} minutes`,
  });
  return result;
}

interface Walks {
  duP: Promise<number | Error>;
  recentP: Promise<{ stdout: string } | Error>;
}

function startWalks(cluster: Cluster, node: string): Walks {
  const s = cluster.settings;
  const dockerP = cluster.connection(node).docker();
  const duP = dockerP.then((d) => sizeOf(d, s.containerName, s.glusterPath)).catch((e: Error) => e);
  const recentP = dockerP
    .then((d) =>
      execInContainer(
        d,
        s.containerName,
        ['sh', '-c', 'find "$1" -xdev -mindepth 1 -newermt "@$2" -print -quit 2>/dev/null', 'preflight', s.glusterPath, String(Math.floor(Date.now() / 1000) - ACTIVITY_WINDOW_S)],
        WALK_DEADLINE_MS,
      ),
    )
    .catch((e: Error) => e);
  return { duP, recentP };
}

/** Apparent size, as the seed's `du -sh` would show it, measured inside the container. */
export async function sizeOf(docker: Docker, container: string, dir: string): Promise<number> {
  const r = await withDeadline(`du -s ${dir}`, WALK_DEADLINE_MS, () =>
    execInContainer(docker, container, ['du', '-s', '--apparent-size', '--block-size=1', dir], WALK_DEADLINE_MS),
  );
  const n = Number(r.stdout.split(/\s/)[0]);
  // du exits 1 when some entries could not be read (e.g. vanished); its total still stands.
  if (!Number.isFinite(n) || r.stdout.trim() === '') throw new Error(r.stderr.trim() || `du exited ${r.exitCode}`);
  return n;
}

/** Why this client cannot create a file in `dir` on the node's host, or undefined when it can. */
async function hostCannotWrite(conn: NodeConnection, dir: string): Promise<string | undefined> {
  const probe = `${dir.replace(/\/+$/, '')}/.gluster-backup-write-probe-${randomUUID().slice(0, 8)}`;
  try {
    await conn.writeAtomic(probe, '');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    // SFTP status 3 and EACCES are both "permission denied"; the rest say what they are.
    return code === 3 || code === 'EACCES' ? 'permission denied' : code === 2 || code === 'ENOENT' ? 'no such directory on the host' : (e as Error).message;
  }
  await conn.remove(probe).catch(() => undefined);
  return undefined;
}

/** `usable`: a directory the container can write to; `free`: its free bytes, or why unknown. */
async function backupDirState(docker: Docker, container: string, dir: string): Promise<{ usable: boolean; free?: number | Error }> {
  const r = await execInContainer(docker, container, ['sh', '-c', '[ -d "$1" ] && [ -w "$1" ] || exit 3; exec df -P -B1 "$1"', 'preflight', dir], 20_000).catch((e: Error) => e);
  if (r instanceof Error) return { usable: false };
  if (r.exitCode === 3) return { usable: false };
  return { usable: true, free: dfAvail(r) };
}

function dfAvail(r: { stdout: string; stderr: string; exitCode: number }): number | Error {
  const line = r.stdout.trim().split('\n')[1];
  const avail = Number(line?.split(/\s+/)[3]);
  if (r.exitCode !== 0 || !Number.isFinite(avail)) return new Error(r.stderr.trim() || 'df printed nothing usable');
  return avail;
}

export function human(n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i ? v.toFixed(1) : v} ${u[i]}`;
}
