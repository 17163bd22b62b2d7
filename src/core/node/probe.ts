// Reads one node's whole status. Independent reads run in parallel and each has its own
// deadline, so a slow gluster CLI delays the volume rows but never the container state.
import type Docker from 'dockerode';
import * as path from 'path';
import type { NodeConfig, Settings } from '../config';
import { describeTarget } from '../config';
import { DeadlineError, withDeadline } from './deadline';
import type { CatalogArchive } from '../catalog/catalog';
import type { CatalogKeptPartial } from '../catalog/keptPartials';
import type { BackupArchive, ContainerInfo, ContainerState, NodeStatus, VolumeHealth } from '../model';
import { isNotFound, type DirEntry, type NodeConnection } from './nodeConnection';
import { catalogOfListing, keptCatalog, type KeptCatalog } from '../catalog/catalog';
import { toNodeError } from './nodeErrors';
import { readVolumeHealth, type StagedVolumeHealth } from '../gluster/volumeProbe';
import { settle } from '../settled';
import { isRecord } from '../guards';

/** Archives the seed procedure writes, plus our in-progress `.partial` files. */
export const ARCHIVE_NAME = /^datarobot-gluster-backup-.+\.tar(\.gz|\.zst)?(\.partial)?$/;

const KNOWN_STATES = new Set<ContainerState>(['running', 'exited', 'paused', 'restarting', 'created', 'dead', 'removing']);

/** The container as the explorer shows it, plus the storage driver it lives on (the daemon's). */
export async function inspectContainer(docker: Docker, name: string, deadlineMs: number): Promise<ContainerInfo & { storageDriver?: string }> {
  try {
    const c: unknown = await withDeadline(`docker inspect ${name}`, deadlineMs, (signal) =>
      docker.getContainer(name).inspect({ abortSignal: signal }),
    );
    return containerInfoOf(c);
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return { state: 'missing' };
    throw e;
  }
}

/** A string field of the node's answer, when it is one and no longer than `max`. */
function text(v: unknown, max: number): string | undefined {
  return typeof v === 'string' && v.length <= max ? v : undefined;
}

/**
 * docker inspect's answer, which comes from the node: typed by dockerode, checked here. A
 * missing State, an Id that is no string, a time that is a number threw a TypeError that the
 * explorer showed as the node's error; now a field that is not what docker sends is left out,
 * and a state docker does not have is 'dead', as an unknown status always was.
 */
export function containerInfoOf(c: unknown): ContainerInfo & { storageDriver?: string } {
  const o = isRecord(c) ? c : {};
  const s = isRecord(o.State) ? o.State : {};
  const raw = text(s.Status, 32) as ContainerState | undefined;
  const state: ContainerState = raw !== undefined && KNOWN_STATES.has(raw) ? raw : 'dead';
  const since = text(state === 'running' || state === 'paused' ? s.StartedAt : s.FinishedAt, 64);
  const id = text(o.Id, 256);
  const image = isRecord(o.Config) ? text(o.Config.Image, 512) : undefined;
  const driver = text(o.Driver, 64);
  return {
    state,
    ...(id ? { id: id.slice(0, 12) } : {}),
    ...(image !== undefined ? { image } : {}),
    status: describeState(s, state, raw),
    ...(since && !since.startsWith('0001-') && Number.isFinite(Date.parse(since)) ? { since } : {}),
    ...(driver ? { storageDriver: driver } : {}),
  };
}

function describeState(s: Record<string, unknown>, state: ContainerState, said: string | undefined): string {
  if (s.Paused === true) return 'Paused';
  if (s.Restarting === true) return 'Restarting';
  if (s.Running === true) return 'Up';
  if (state === 'exited') return typeof s.ExitCode === 'number' && Number.isSafeInteger(s.ExitCode) ? `Exited (${s.ExitCode})` : 'Exited';
  return said ?? state;
}

export async function listBackups(conn: NodeConnection, dir: string): Promise<BackupArchive[]> {
  return backupsOfListing(await conn.listDir(dir), dir);
}

function backupsOfListing(entries: readonly DirEntry[], dir: string): BackupArchive[] {
  return entries
    .filter((e) => e.isFile && ARCHIVE_NAME.test(e.name))
    .map((e) => ({
      name: e.name,
      path: path.posix.join(dir, e.name),
      size: e.size,
      mtime: new Date(e.mtimeMs).toISOString(),
      partial: e.name.endsWith('.partial'),
    }))
    .sort((a, b) => b.mtime.localeCompare(a.mtime));
}

// The typings lack ping()'s options argument, which dockerode does accept.
function dockerPing(docker: Docker, signal: AbortSignal): Promise<unknown> {
  return (docker.ping as unknown as (o: object) => Promise<unknown>).call(docker, { abortSignal: signal });
}

// The typings lack info()'s options argument, which dockerode does accept.
function dockerInfo(docker: Docker, signal: AbortSignal): Promise<{ Driver?: string }> {
  return (docker.info as unknown as (o: object) => Promise<{ Driver?: string }>).call(docker, { abortSignal: signal });
}

/** What a backup or restore needs of every node but the one it runs on: reachable, its container. */
export type NodeLook = Pick<NodeStatus, 'name' | 'reachable' | 'error' | 'container'>;

/**
 * The first look at a node, on its connection's channels at once. The ping proves the transport
 * (socket forward, dockerd answering): if it fails, the node as a whole is unreachable.
 */
function firstLook(docker: Docker, settings: Settings): Promise<[PromiseSettledResult<unknown>, PromiseSettledResult<ContainerInfo & { storageDriver?: string }>]> {
  const t = settings.timeouts;
  return Promise.allSettled([
    withDeadline('docker ping', t.connectMs + t.dockerMs, (signal) => dockerPing(docker, signal)),
    inspectContainer(docker, settings.containerName, t.connectMs + t.dockerMs),
  ]);
}

/**
 * Reachable, and the container's state, without gluster or the backups directory: a backup on
 * another node needs no more of this one, and every gluster CLI started on a small machine
 * slows the one on the node that matters (three at once took 0.6 s each, one alone 0.25 s).
 */
export async function lookAtNode(node: NodeConfig, conn: NodeConnection, settings: Settings): Promise<NodeLook> {
  const look: NodeLook = { name: node.name, reachable: false };
  let docker: Docker;
  try {
    docker = await conn.docker();
  } catch (e) {
    look.error = toNodeError(e, node.name);
    return look;
  }
  const [alive, inspected] = await firstLook(docker, settings);
  if (alive.status === 'rejected') {
    look.error = toNodeError(alive.reason, node.name);
    return look;
  }
  look.reachable = true;
  if (inspected.status === 'fulfilled') {
    const { storageDriver: _driver, ...c } = inspected.value;
    look.container = c;
  } else look.error = toNodeError(inspected.reason, `${node.name}: docker inspect ${settings.containerName}`);
  return look;
}

/**
 * `onEarly` receives the status without volume health as soon as the container state is known,
 * when gluster still has to be asked (see NodeStatus.volumesPending), and again with the
 * volume rows when a heal summary is still on its way (VolumeHealth.healState 'reading').
 */
export async function probeNode(
  node: NodeConfig,
  conn: NodeConnection,
  settings: Settings,
  onEarly?: (s: NodeStatus) => void,
  readVolumes: (docker: Docker, container: ContainerInfo) => Promise<StagedVolumeHealth> = (d) => readVolumeHealth(d, settings).then((volumes) => ({ volumes })),
): Promise<NodeStatus> {
  const t = settings.timeouts;
  const status: NodeStatus = {
    name: node.name,
    target: describeTarget(node),
    reachable: false,
    volumes: [],
    backups: [],
    checkedAt: new Date().toISOString(),
  };
  let docker: Docker;
  try {
    docker = await conn.docker();
  } catch (e) {
    status.error = toNodeError(e, node.name);
    return status;
  }
  // The backups directory beside the first look, each a channel on the one connection. The
  // storage driver comes with the container (its Driver is the daemon's): `docker info`, which
  // costs dockerd 40-90 ms of work, is asked only when there is no container to tell.
  const backupsRead = Promise.allSettled([readBackups(conn, node.name, settings.backupDir)]);
  const [alive, inspected] = await firstLook(docker, settings);
  if (alive.status === 'rejected') {
    status.error = toNodeError(alive.reason, node.name);
    return status;
  }
  status.reachable = true;
  let container = inspected;
  if (inspected.status === 'fulfilled') {
    const { storageDriver, ...c } = inspected.value;
    container = { status: 'fulfilled', value: c };
    status.storageDriver = storageDriver;
  }
  if (!status.storageDriver) {
    status.storageDriver = await withDeadline('docker info', t.dockerMs, (signal) => dockerInfo(docker, signal)).then(
      (i) => i.Driver,
      () => undefined,
    );
  }
  if (container.status === 'fulfilled') status.container = container.value;
  else status.error = toNodeError(container.reason, `${node.name}: docker inspect ${settings.containerName}`);
  // Gluster is asked as soon as the container is known to run, not after the backups directory:
  // its records can take as long as gluster's first answer, which everything after waits on.
  const running = status.container?.state === 'running' ? status.container : undefined;
  // The volume list and brick status have this deadline; a heal summary has its own.
  const volumes = running ? settle(withDeadline('gluster', t.glusterMs, () => readVolumes(docker, running))) : undefined;
  const [backups] = await backupsRead;
  if (backups.status === 'fulfilled') {
    status.backups = backups.value.backups;
    if ('catalog' in backups.value) {
      status.catalog = backups.value.catalog;
      status.keptPartials = backups.value.keptPartials;
    } else status.catalogError = backups.value.catalogError;
  } else {
    status.backupsError = describeFsError(backups.reason, settings.backupDir);
    // No directory is no archive, so certainly no good one; any other failure leaves it unknown.
    if (isNotFound(backups.reason)) {
      status.catalog = [];
      status.keptPartials = [];
    } else status.catalogError = status.backupsError;
  }

  if (volumes) {
    onEarly?.({ ...status, volumesPending: true, checkedAt: new Date().toISOString() });
    const read = await volumes;
    if (!read.ok) status.glusterError = glusterErrorText(read.error, t.glusterMs);
    else {
      status.volumes = read.value.volumes;
      if (read.value.later) {
        onEarly?.({ ...status, checkedAt: new Date().toISOString() });
        const later = await settle(read.value.later);
        if (later.ok) status.volumes = later.value;
        else status.glusterError = glusterErrorText(later.error, t.glusterMs);
      }
    }
  }
  status.checkedAt = new Date().toISOString();
  return status;
}

function glusterErrorText(e: Error, glusterMs: number): string {
  return e instanceof DeadlineError ? `gluster did not answer within ${glusterMs / 1000} s (glusterd waits like this while a peer is unreachable or hung)` : e.message;
}

/** Per connection (so per node and settings), what the last refresh took from the records. */
const keptRecords = new WeakMap<NodeConnection, KeptCatalog>();

/**
 * The archive rows and the catalog (job records, validation reports, sidecars) from one listing
 * of the backups directory. A record that cannot be read leaves the rows: only the catalog fails.
 */
async function readBackups(conn: NodeConnection, node: string, dir: string): Promise<{ backups: BackupArchive[] } & ({ catalog: CatalogArchive[]; keptPartials: CatalogKeptPartial[] } | { catalogError: string })> {
  const entries = await conn.listDir(dir);
  const backups = backupsOfListing(entries, dir);
  let kept = keptRecords.get(conn);
  if (!kept) keptRecords.set(conn, (kept = keptCatalog()));
  try {
    const n = await catalogOfListing(conn, node, dir, entries, kept);
    return { backups, catalog: n.archives, keptPartials: n.keptPartials };
  } catch (e) {
    return { backups, catalogError: `the archives' records could not be read: ${(e as Error)?.message ?? String(e)}` };
  }
}

function describeFsError(e: unknown, dir: string): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  // ssh2's SFTP reports status codes: 2 = no such file, 3 = permission denied.
  if (code === 'ENOENT' || (e as { code?: number })?.code === 2) return `backup directory ${dir} does not exist on this node`;
  if (code === 'EACCES' || (e as { code?: number })?.code === 3) return `backup directory ${dir} is not readable`;
  return `cannot list ${dir}: ${(e as Error)?.message ?? String(e)}`;
}

export type { VolumeHealth };
