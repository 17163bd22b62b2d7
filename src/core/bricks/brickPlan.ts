// Whether validate may list the volume from its bricks instead of through the FUSE mount, and
// which bricks. A brick's directory holds the volume's files as they are, except what gluster
// keeps for itself (.glusterfs, DHT link files, the anonymous-inode directory of replicas); a
// find through FUSE stats every file over the network, the bricks' own disks do not. This is
// pure logic over what gluster said: every "no" carries the operator's sentence, and anything
// this version does not know (sharding, disperse, a pending heal) lists through the mount.
import type { GlusterVolumeInfo } from '../gluster/types';
import type { VolumeHealth } from '../model';
import type { GlusterMount } from '../gluster/mounts';

export interface PlannedBrick {
  /** `host:/path` as gluster prints it. */
  name: string;
  /** The brick's directory inside its node's gluster container. */
  path: string;
  /** glusterd uuid of the node that holds it: the lister on that node lists it. */
  uuid: string;
  /** Directories are listed from one brick only: every brick of a volume holds them all. */
  dirs: boolean;
}

export type BrickPlan =
  | {
      kind: 'bricks';
      volume: string;
      bricks: PlannedBrick[];
      /** The listed root below each brick's directory ('' for the volume's root). */
      sub: string;
      /** Times from gluster's own record of them (features.ctime), as FUSE shows them. */
      mdata: boolean;
    }
  | { kind: 'mount'; why: string };

const OFF = /^(off|no|false|disable|disabled|0)$/i;

/** The options a brick listing cannot give the FUSE view of: bricks that hold pieces of files. */
function refusedOption(o: Record<string, string>): string | undefined {
  if (o['features.shard'] !== undefined && !OFF.test(o['features.shard'])) return 'the volume is sharded (its bricks hold pieces of files)';
  return undefined;
}

/**
 * The listed root relative to the volume's root, or undefined when it cannot be said safely
 * (a `..`, or a root outside the mount).
 */
export function subOf(mount: GlusterMount, root: string): string | undefined {
  const mp = mount.mountPoint.replace(/\/+$/, '');
  const r = root.replace(/\/+$/, '');
  let below: string;
  if (r === mp) below = '';
  else if (r.startsWith(mp + '/')) below = r.slice(mp.length + 1);
  else if (mp === '') below = r.replace(/^\/+/, '');
  else return undefined;
  const parts = [...(mount.subdir ?? '').split('/'), ...below.split('/')].filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) return undefined;
  return parts.join('/');
}

/**
 * The bricks to list for `root` (the volume `mount` shows), or why the mount must be listed.
 * `health` is the volume as gluster sees it now: every brick online and, for replicas, nothing
 * pending heal, since the one copy listed must be the one FUSE shows.
 */
export function planBrickListing(info: GlusterVolumeInfo | undefined, health: VolumeHealth | undefined, mount: GlusterMount, root: string): BrickPlan {
  if (!info) return { kind: 'mount', why: `gluster did not describe volume ${mount.volume}` };
  if (info.status !== 'Started') return { kind: 'mount', why: `volume ${info.name} is ${info.status}` };
  const type = info.type.toLowerCase();
  if (!['distribute', 'replicate', 'distributed-replicate'].includes(type)) return { kind: 'mount', why: `volume ${info.name} is ${info.type}: only distribute and replicate volumes are listed from their bricks` };
  const refused = refusedOption(info.options);
  if (refused) return { kind: 'mount', why: `volume ${info.name}: ${refused}` };
  const sub = subOf(mount, root);
  if (sub === undefined) return { kind: 'mount', why: `${root} is not a plain directory of the volume mounted at ${mount.mountPoint}` };
  if (info.bricks.length === 0 || info.bricks.length !== info.brickCount) return { kind: 'mount', why: `volume ${info.name}: gluster listed ${info.bricks.length} of ${info.brickCount} bricks` };
  if (!health) return { kind: 'mount', why: `the state of volume ${info.name} could not be read` };
  if (health.brickStatusUnknown) return { kind: 'mount', why: `the brick status of volume ${info.name} could not be read` };
  const offline = health.brickList.filter((b) => !b.online);
  if (offline.length > 0 || health.bricksOnline < info.bricks.length) return { kind: 'mount', why: `volume ${info.name}: ${offline.length || info.bricks.length - health.bricksOnline} brick(s) offline` };
  const missingUuid = info.bricks.find((b) => !b.hostUuid);
  if (missingUuid) return { kind: 'mount', why: `volume ${info.name}: gluster did not say which node holds brick ${missingUuid.name}` };

  const replica = Math.max(1, info.replicaCount ?? 1);
  if (replica > 1) {
    if (health.healEntries === undefined) return { kind: 'mount', why: `the heal state of volume ${info.name} is unknown` };
    if (health.healEntries > 0) return { kind: 'mount', why: `volume ${info.name} has ${health.healEntries} entries pending heal: its copies differ` };
  }
  if (info.bricks.length % replica !== 0) return { kind: 'mount', why: `volume ${info.name}: ${info.bricks.length} bricks do not make sets of ${replica}` };

  // gluster lists a replica set's bricks together, in order. One data brick of each set holds
  // everything the set shows once nothing is pending heal; an arbiter holds names without data.
  const bricks: PlannedBrick[] = [];
  for (let s = 0; s < info.bricks.length; s += replica) {
    const set = info.bricks.slice(s, s + replica).filter((b) => !b.isArbiter);
    if (set.length === 0) return { kind: 'mount', why: `volume ${info.name}: a replica set has no data brick` };
    // Spread the sets over their nodes, so no one node lists them all.
    const b = set[(s / replica) % set.length];
    bricks.push({ name: b.name, path: b.path, uuid: b.hostUuid!, dirs: bricks.length === 0 });
  }
  const mdata = !OFF.test(info.options['features.ctime'] ?? 'on');
  return { kind: 'bricks', volume: info.name, bricks, sub, mdata };
}
