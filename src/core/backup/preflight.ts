// What is checked before anything is written. Each check passes, warns or fails with its reason;
// a failed check stops the backup unless the operator overrides it (the override is recorded
// in the job). The seed procedure's own warnings are here too: start gluster on every node
// first, expect devicemapper to be three times slower, expect "file changed" while the
// platform is still writing.
import type { NodeConnection } from '../node/nodeConnection';
import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import * as path from 'path';
import type { Cluster } from '../cluster';
import { withDeadline } from '../node/deadline';
import { execInContainer } from '../docker/exec';
import type { NodeStatus, VolumeProblemKind } from '../model';
import type { NodeLook } from '../node/probe';
import { readPathMount } from '../node/containerActions';
import type { PathMount } from '../gluster/mounts';
import { fromHealRead } from '../gluster/health';
import type { BackupJobs } from './jobs';
import type { Compression } from './naming';
import type { PreflightOverride } from './types';
import { GZIP_EXPECTED_RATIO } from './progressMath';
import { startWalks, type WalkFrom } from './volumeWalk';
import { planBrickListing, type BrickPlan } from '../bricks/brickPlan';
import { bytesText } from '../bytes';
import { settle, type Settled } from '../settled';

export type CheckId = 'nodes' | 'volumeHealth' | 'backupDir' | 'freeSpace' | 'storageDriver' | 'concurrency' | 'activity';

// A record keyed by the type: a check added to CheckId and not here does not compile.
const EVERY_CHECK: Record<CheckId, true> = { nodes: true, volumeHealth: true, backupDir: true, freeSpace: true, storageDriver: true, concurrency: true, activity: true };

/** Every check preflight makes, in its order: what --override may name. */
export const PREFLIGHT_CHECKS = Object.keys(EVERY_CHECK) as readonly CheckId[];
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

/** Room left over on top of the expected size. */
export const SPACE_MARGIN = 1.05;
/** How recently a file must have changed for the platform to count as still writing. */
const ACTIVITY_WINDOW_S = 120;

export function blocking(r: PreflightResult, overrides: PreflightOverride[] = []): Check[] {
  const over = new Set(overrides.map((o) => o.check));
  return r.checks.filter((c) => c.verdict === 'fail' && !over.has(c.id));
}

/** The volume the backup reads, as this node sees it: healthy when nothing is wrong with it. */
function healthy(s: NodeStatus, at: PathMount | undefined): boolean {
  const v = at?.kind === 'gluster' ? s.volumes.find((x) => x.name === at.mount.volume) : undefined;
  return s.reachable && s.container?.state === 'running' && !!v && v.bricksOnline === v.bricks && v.problems.length === 0;
}

/**
 * What each problem of the volume the backup reads does to the verdict: a backup may go ahead
 * with a warning past a pending heal or an unknown heal state (the archive has the copy this
 * node reads), not past a split-brain. An offline brick is named from the brick list instead.
 * A record keyed by the kind: a kind added to VolumeProblemKind and not here does not compile.
 */
const ON_THIS_VOLUME: Record<VolumeProblemKind, 'fail' | 'warn' | 'fromBrickList'> = {
  volumeNotStarted: 'fail',
  brickStatusUnknown: 'fail',
  brickOffline: 'fromBrickList',
  daemonOffline: 'fail',
  peerDisconnected: 'fail',
  peerStatusUnknown: 'fail',
  healBrickUnread: 'fail',
  healPending: 'warn',
  splitBrain: 'fail',
  healUnknown: 'warn',
};

/**
 * The verdict on the volume behind glusterPath; every other volume is a note. A distribute
 * volume with a brick offline is read without an error and without that brick's files
 * (seen on the test bed), so offline bricks, disconnected peers and anything unknown about them refuse.
 */
export function volumeHealthCheck(chosen: NodeStatus, mount: Settled<PathMount>, glusterPath: string, container: string): Check {
  const title = 'Every brick online, every peer connected';
  const fail = (reason: string, notes?: string[]): Check => ({ id: 'volumeHealth', title, verdict: 'fail', reason, ...(notes?.length ? { notes } : {}) });
  if (chosen.glusterError) return fail(chosen.glusterError);
  if (!mount.ok) return fail(`cannot tell which volume is mounted at ${glusterPath}: ${mount.error.message}`);
  const at = mount.value;
  if (at.kind !== 'gluster') {
    return fail(`${glusterPath} is not a GlusterFS mount in the ${container} container on ${chosen.name} (${at.kind === 'other' ? `it is ${at.fsType}, mounted at ${at.mountPoint}` : 'no mount covers it'}): the archive would hold no gluster data. Start gluster on every node, or set glusterPath to the volume's mount.`);
  }
  const name = at.mount.volume;
  const v = chosen.volumes.find((x) => x.name === name);
  // Another volume's heal state is not this backup's concern, and preflight does not wait for its
  // summary (the slowest gluster question): left out, so the note does not depend on whether that
  // summary happened to be read in time.
  const notes = chosen.volumes
    .filter((x) => x !== v)
    .map((x) => {
      const problems = x.problems.filter((p) => !fromHealRead(p)).map((p) => p.text);
      return `volume ${x.name} (${x.type}, ${x.status}) is not in this backup${problems.length ? `: ${problems.join('; ')}` : ''}`;
    });
  if (!v) return fail(`volume ${name}, mounted at ${at.mount.mountPoint}, is not in the volume list of ${chosen.name}'s glusterd`, notes);
  const offline = v.brickList.filter((b) => !b.online).map((b) => `brick ${b.name} of ${v.name} is offline`);
  const hard = [...offline, ...v.problems.filter((p) => ON_THIS_VOLUME[p.kind] === 'fail').map((p) => p.text)];
  const soft = v.problems.filter((p) => ON_THIS_VOLUME[p.kind] === 'warn');
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

/** What the checks decide on, read from the nodes at once (each read costs round trips). */
interface Facts {
  looks: NodeLook[];
  chosen: NodeStatus;
  mount: Settled<PathMount>;
  backupDir: string;
  /** The backups directory lies inside the gluster filesystem. */
  inside: boolean;
  /** As the container sees it (tar writes there); undefined when inside. */
  dir: BackupDirState | undefined;
  /** Why the node's SSH user cannot write the job files there, or undefined when it can. */
  hostProblem: string | undefined;
  sshUser: string;
  size: Settled<number>;
  /** Where the size came from, when it is worth saying (the bricks, or why not them). */
  sizeNote: string | undefined;
  running: JobSummary[];
  /** Nodes whose gluster container runs a tar. */
  tars: string[];
  /** A file changed within the activity window ('' when none). */
  recent: Settled<string>;
}

type JobSummary = Awaited<ReturnType<BackupJobs['list']>>['jobs'][number];

export async function preflight(
  cluster: Cluster,
  jobs: BackupJobs,
  opts: {
    node?: string;
    backupDir?: string;
    compression: Compression;
    /** Which walk sizes the volume (volumeWalk.ts): both race by default; tests pin one side. */
    walkFrom?: WalkFrom;
  },
): Promise<PreflightResult> {
  const backupDir = opts.backupDir ?? cluster.settings.backupDir;
  if (opts.node && !cluster.nodes().some((n) => n.name === opts.node)) throw new Error(`no node named "${opts.node}"`);
  // The two walks of the whole filesystem (its size; anything changed lately) are the slow part
  // of preflight on a big volume, and the quick looks (jobs, tars, the backups directory) are
  // each a few round trips: with the node named, all start at once, beside the look at every
  // node; otherwise as soon as that look has chosen the node.
  // Whether the walks may read the bricks: known once the chosen node's view of the volume is.
  // Settled on every way out (undefined when never known), since a failed du waits for it.
  let givePlan!: (p: BrickPlan | undefined) => void;
  const plan = new Promise<BrickPlan | undefined>((resolve) => (givePlan = resolve));
  try {
    return await preflightWith(cluster, jobs, opts, backupDir, plan, givePlan);
  } finally {
    givePlan(undefined);
  }
}

async function preflightWith(
  cluster: Cluster,
  jobs: BackupJobs,
  opts: { node?: string; compression: Compression; walkFrom?: WalkFrom },
  backupDir: string,
  plan: Promise<BrickPlan | undefined>,
  givePlan: (p: BrickPlan | undefined) => void,
): Promise<PreflightResult> {
  const s = cluster.settings;
  const early = opts.node ? readNodeFacts(cluster, jobs, cluster.nodes().map((n) => n.name), opts.node, backupDir, plan, opts.walkFrom) : undefined;
  // Which volume glusterPath is, from the container (an exec each, beside the refresh): the one
  // whose health decides, and, with no node named, the one a node is chosen by. A named node's
  // alone is read then: on this kind of machine every exec is a process start that costs CPU.
  const named = opts.node ? cluster.nodes().filter((n) => n.name === opts.node) : [];
  const mounts = new Map((named.length ? named : cluster.nodes()).map((n) => [n.name, settle(cluster.connection(n.name).docker().then((d) => readPathMount(d, s)))]));
  // A named node's gluster is asked alone: the checks read volume health and peers as that
  // node sees them, and of every other node only whether it is reachable with gluster running.
  let looks: NodeLook[];
  let chosen: NodeStatus | undefined;
  if (opts.node) {
    // As soon as gluster has given the volume rows: the heal summaries, the slowest question,
    // are waited for below only when the volume this backup reads is one of them.
    const view = await cluster.viewFrom(opts.node, { rows: true });
    looks = view.looks;
    chosen = view.node;
    const at = await mounts.get(opts.node);
    const volume = at?.ok && at.value.kind === 'gluster' ? at.value.mount.volume : undefined;
    if (chosen.volumes.some((v) => v.name === volume && v.healState === 'reading')) {
      const full = await view.full;
      looks = looks.map((l) => (l.name === full.name ? full : l));
      chosen = full;
    }
  } else {
    const statuses = await cluster.refreshAll();
    looks = statuses;
    const mountOf = new Map<string, Settled<PathMount>>();
    for (const [n, p] of mounts) mountOf.set(n, await p);
    const usable = (x: NodeStatus) => {
      const m = mountOf.get(x.name);
      return m?.ok ? m.value : undefined;
    };
    chosen = statuses.find((x) => healthy(x, usable(x))) ?? statuses.find((x) => x.container?.state === 'running');
  }
  const stoppedNodes = looks.filter((x) => x.reachable && x.container?.state !== 'running').map((x) => x.name);
  const checks: Check[] = [nodesCheck(looks)];
  const result: PreflightResult = { checks, stoppedNodes, ...(chosen ? { node: chosen.name } : {}) };
  if (!chosen || chosen.container?.state !== 'running') {
    checks.push({ id: 'volumeHealth', title: 'Volume health', verdict: 'fail', reason: 'no node with a running gluster container to run the backup on' });
    return result;
  }
  const mount = (await mounts.get(chosen.name)) ?? { ok: false, error: new Error('not read') };
  if (mount.ok && mount.value.kind === 'gluster' && !chosen.glusterError) {
    const volume = mount.value.mount.volume;
    givePlan(planBrickListing(cluster.volumeInfo(volume), chosen.volumes.find((v) => v.name === volume), mount.value.mount, s.glusterPath));
  } else givePlan(undefined);
  const facts: Facts = {
    looks,
    chosen,
    mount,
    backupDir,
    ...(await (early ?? readNodeFacts(cluster, jobs, looks.filter((x) => x.reachable).map((x) => x.name), chosen.name, backupDir, plan, opts.walkFrom))),
  };
  const space = freeSpaceCheck(facts, s.glusterPath, opts.compression);
  if (space.sourceBytes !== undefined) {
    result.sourceBytes = space.sourceBytes;
    result.expectedBytes = space.expectedBytes;
  }
  checks.push(
    // Volume health as the chosen node sees it, of the volume the backup reads.
    volumeHealthCheck(chosen, facts.mount, s.glusterPath, s.containerName),
    storageDriverCheck(chosen),
    backupDirCheck(facts, s.glusterPath, s.containerName),
    space.check,
    concurrencyCheck(facts),
    activityCheck(facts, s.glusterPath),
  );
  return result;
}

/**
 * Everything but the nodes' status, all at once, each costing an exec's or SFTP's round trips:
 * the walks, the backups directory as the container sees it (one exec: usable, and its free
 * space), whether the node's SSH user can write there (the job files are written by this
 * client, not by the container, so a directory only root may write to passes the container's
 * look and fails at job start), the jobs of every node, and any tar running in a container.
 */
async function readNodeFacts(
  cluster: Cluster,
  jobs: BackupJobs,
  nodes: string[],
  node: string,
  backupDir: string,
  plan: Promise<BrickPlan | undefined>,
  walkFrom: WalkFrom = 'auto',
): Promise<Omit<Facts, 'looks' | 'chosen' | 'mount' | 'backupDir'>> {
  const s = cluster.settings;
  const walks = startWalks(cluster, node, Math.floor(Date.now() / 1000) - ACTIVITY_WINDOW_S, plan, walkFrom);
  const rel = path.posix.relative(s.glusterPath, backupDir);
  const inside = rel === '' || (!rel.startsWith('..') && !path.posix.isAbsolute(rel));
  const [dir, hostProblem, listed, tars, size, recent, sizeNote] = await Promise.all([
    inside ? undefined : cluster.connection(node).docker().then((d) => backupDirState(d, s.containerName, backupDir), (): BackupDirState => ({ usable: false })),
    inside ? undefined : hostCannotWrite(cluster.connection(node), backupDir),
    jobs.list(nodes),
    tarsRunning(cluster, nodes),
    walks.size,
    walks.recent,
    walks.note,
  ]);
  const config = cluster.node(node);
  return {
    inside,
    dir,
    hostProblem,
    sshUser: config.host ? `the SSH user ${config.user ?? 'root'}` : 'this user',
    size,
    sizeNote,
    running: listed.jobs.filter((j) => j.state === 'running'),
    tars,
    recent,
  };
}

/**
 * Nodes with a tar in their gluster container: `docker top` is dockerd running ps on the host, no
 * exec. A node that cannot say (unreachable, its container not running) runs none there.
 */
async function tarsRunning(cluster: Cluster, nodes: string[]): Promise<string[]> {
  const s = cluster.settings;
  const found = await Promise.all(
    nodes.map(async (node) => {
      try {
        // The connection has its own deadline (a node behind a bastion takes longer to reach).
        const d = await cluster.connection(node).docker();
        const top = await withDeadline(`docker top ${s.containerName}`, s.timeouts.dockerMs, () => d.getContainer(s.containerName).top({ ps_args: '-eo pid,comm' }));
        return top?.Processes?.some((row: string[]) => row[1] === 'tar') ? [node] : [];
      } catch {
        return [];
      }
    }),
  );
  return found.flat();
}

/** Every node: the backup reads the whole filesystem, across all nodes' bricks. */
function nodesCheck(statuses: NodeLook[]): Check {
  const unreachable = statuses.filter((x) => !x.reachable);
  const notRunning = statuses.filter((x) => x.reachable && x.container?.state !== 'running');
  return {
    id: 'nodes',
    title: 'Every node reachable, gluster running',
    verdict: unreachable.length || notRunning.length ? 'fail' : 'pass',
    reason:
      [
        ...unreachable.map((x) => `${x.name} is unreachable: ${x.error?.message ?? 'no answer'}`),
        ...notRunning.map((x) => `${x.name}: gluster container is ${x.container?.state ?? 'unknown'} (start it on every node first)`),
      ].join('; ') || `${statuses.length} of ${statuses.length} nodes running gluster`,
  };
}

function storageDriverCheck(chosen: NodeStatus): Check {
  return {
    id: 'storageDriver',
    title: 'Docker storage driver',
    verdict: chosen.storageDriver === 'devicemapper' ? 'warn' : 'pass',
    reason: chosen.storageDriver === 'devicemapper' ? 'devicemapper: expect the backup to take three times as long or longer than with overlay2' : `${chosen.storageDriver ?? 'unknown'}`,
  };
}

export function backupDirCheck(f: Pick<Facts, 'chosen' | 'inside' | 'dir' | 'hostProblem' | 'sshUser' | 'backupDir'>, glusterPath: string, container: string): Check {
  const node = f.chosen.name;
  const fail = (reason: string): Check => ({ id: 'backupDir', title: 'Backups directory', verdict: 'fail', reason });
  if (f.inside) return fail(`${f.backupDir} is inside the gluster filesystem ${glusterPath}: the archive would contain itself`);
  if (!f.dir?.usable) return fail(`${f.backupDir} does not exist or is not writable inside the ${container} container on ${node} (it must be mounted there)`);
  if (f.hostProblem) {
    return fail(`${f.sshUser} on ${node} cannot write the job's files in ${f.backupDir} (${f.hostProblem}): give that user write access to it, or choose another directory with -b`);
  }
  const writable = `${f.backupDir} on ${node}, writable from the ${container} container and by ${f.sshUser}`;
  const link = f.dir.link;
  // Learnt now rather than after hours of tar: the archive is then published by a rename that is
  // not atomic against a file made meanwhile, and if even that fails it stays as its .partial.
  if (link.links === 'no') {
    return {
      id: 'backupDir',
      title: 'Backups directory',
      verdict: 'warn',
      reason: `${writable}, but it cannot hold hard links (${link.why}): the finished archive is published with mv -n instead of an atomic link, and if that fails it is kept as its .partial file, which the job names`,
    };
  }
  return { id: 'backupDir', title: 'Backups directory', verdict: 'pass', reason: writable, ...(link.links === 'unknown' ? { notes: [`whether it holds hard links could not be tested: ${link.why}`] } : {}) };
}

/** Size of what will be read, and room for it. */
function freeSpaceCheck(f: Facts, glusterPath: string, compression: Compression): { check: Check; sourceBytes?: number; expectedBytes?: number } {
  const title = 'Free space';
  const expectedBytes = f.size.ok ? Math.ceil(f.size.value * (compression === 'gzip' ? GZIP_EXPECTED_RATIO : 1)) : undefined;
  const sized = f.size.ok ? { sourceBytes: f.size.value, expectedBytes } : {};
  const free = f.dir?.usable ? f.dir.free : undefined;
  if (!f.size.ok || !free?.ok || expectedBytes === undefined) {
    const why = !f.size.ok ? `size of ${glusterPath}: ${f.size.error.message}` : free && !free.ok ? `free space in ${f.backupDir}: ${free.error.message}` : 'backups directory unusable';
    return { check: { id: 'freeSpace', title, verdict: 'fail', reason: `could not measure: ${why}` }, ...sized };
  }
  const need = Math.ceil(expectedBytes * SPACE_MARGIN);
  return {
    check: {
      id: 'freeSpace',
      title,
      verdict: free.value >= need ? 'pass' : 'fail',
      reason: `${bytesText(free.value)} free in ${f.backupDir}; the archive needs about ${bytesText(expectedBytes)}${compression === 'gzip' ? ' (compressed, about 80% of the data)' : ''} plus 5%`,
      ...(f.sizeNote ? { notes: [f.sizeNote] } : {}),
    },
    ...sized,
  };
}

/** One backup at a time: a running job anywhere, or a tar running in any gluster container. */
function concurrencyCheck(f: Facts): Check {
  const reasons = [
    ...f.running.map((j) => `${j.kind} ${j.id} is running on ${j.node}`),
    ...f.tars.filter((n) => !f.running.some((j) => j.node === n)).map((n) => `a tar process is running in the gluster container on ${n}`),
  ];
  return { id: 'concurrency', title: 'No other backup or restore running', verdict: reasons.length ? 'fail' : 'pass', reason: reasons.join('; ') || 'none running' };
}

/** Is the platform still writing? A file changed in the last two minutes says so. */
function activityCheck(f: Facts, glusterPath: string): Check {
  const window = `${ACTIVITY_WINDOW_S / 60} minutes`;
  const title = 'Platform quiet';
  if (!f.recent.ok) return { id: 'activity', title, verdict: 'warn', reason: `could not check for recent changes: ${f.recent.error.message}` };
  if (!f.recent.value) return { id: 'activity', title, verdict: 'pass', reason: `no file changed in the last ${window}` };
  return {
    id: 'activity',
    title,
    verdict: 'warn',
    reason: `files changed in the last ${window} (e.g. ${JSON.stringify(path.posix.relative(glusterPath, f.recent.value))}): the platform may still be writing, so the archive may not be an exact copy`,
  };
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

/**
 * Whether the directory can hold hard links, where a finished archive is published with one.
 * `no`: ln failed (exFAT, vfat, some FUSE filesystems): the job falls back to `mv -n`.
 * `unknown`: the test itself could not be made (its file could not be created).
 */
export type LinkProbe = { links: 'yes' } | { links: 'no' | 'unknown'; why: string };

export type BackupDirState = { usable: false } | { usable: true; free: Settled<number>; link: LinkProbe };

/**
 * In the container, as the job's own script runs (root, the image's ln, the directory as the
 * container mounts it): exit 3 when the directory is not there or not writable; else a line
 * `link yes`, `link no <ln's message>` or `link unknown <why>`, then df's answer. The link is
 * made here and not over SFTP (the hardlink@openssh.com extension): that needs an OpenSSH
 * server, runs as the SSH user on the host's view of the directory, and a local node would test
 * fs.link instead; the job's ln is this one. Its two names are removed at once.
 */
export const BACKUP_DIR_SH = String.raw`
[ -d "$1" ] && [ -w "$1" ] || exit 3
p=$1/.gluster-backup-link-probe-$$
if ! e=$({ : > "$p"; } 2>&1); then
  printf 'link unknown %s\n' "$(printf '%s' "$e" | head -n 1)"
elif e=$(ln -- "$p" "$p.link" 2>&1); then
  echo 'link yes'
else
  printf 'link no %s\n' "$(printf '%s' "$e" | head -n 1)"
fi
rm -f -- "$p" "$p.link"
exec df -P -B1 "$1"
`;

/** BACKUP_DIR_SH's answer. */
export function parseBackupDirProbe(r: { stdout: string; stderr: string; exitCode: number }): BackupDirState {
  if (r.exitCode === 3) return { usable: false };
  const nl = r.stdout.indexOf('\n');
  const first = nl < 0 ? r.stdout : r.stdout.slice(0, nl);
  const m = /^link (yes|no|unknown)(?: (.*))?$/.exec(first);
  const link: LinkProbe = !m ? { links: 'unknown', why: 'the test printed nothing usable' } : m[1] === 'yes' ? { links: 'yes' } : { links: m[1] as 'no' | 'unknown', why: (m[2] ?? '').slice(0, 300) || 'no reason given' };
  return { usable: true, free: dfAvail({ ...r, stdout: m ? r.stdout.slice(nl + 1) : r.stdout }), link };
}

/** Whether the container can write to the directory, hard links there, and its free bytes (or why unknown), in one exec. */
async function backupDirState(docker: Docker, container: string, dir: string): Promise<BackupDirState> {
  const r = await settle(execInContainer(docker, container, ['sh', '-c', BACKUP_DIR_SH, 'preflight', dir], 20_000));
  if (!r.ok) return { usable: false };
  return parseBackupDirProbe(r.value);
}

function dfAvail(r: { stdout: string; stderr: string; exitCode: number }): Settled<number> {
  const line = r.stdout.trim().split('\n')[1];
  // df's column is digits only: Number() alone took "-5", "0x10", "1e3" and 3.5 from a node as
  // free bytes, and twenty digits past what a double holds exactly.
  const word = line?.split(/\s+/)[3] ?? '';
  const avail = /^\d{1,20}$/.test(word) ? Number(word) : NaN;
  if (r.exitCode !== 0 || !Number.isSafeInteger(avail)) return { ok: false, error: new Error(r.stderr.trim().slice(0, 500) || 'df printed nothing usable') };
  return { ok: true, value: avail };
}

