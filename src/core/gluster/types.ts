// What the parsers return: gluster's XML reduced to plain, typed data. Numbers that gluster
// prints as "N/A" or "-" become undefined rather than NaN or 0, so "unknown" never reads as
// "zero".

export interface GlusterPeer {
  uuid: string;
  hostname: string;
  /** Every name the peer is known by (hostnames and addresses), `hostname` first. */
  hostnames: string[];
  connected: boolean;
  state?: number;
  stateStr?: string;
  /** The node that answered: `pool list` shows it as "localhost"; `peer status` omits it. */
  self: boolean;
}

export interface GlusterBrickRef {
  /** `host:/path` exactly as gluster prints it. */
  name: string;
  host: string;
  path: string;
  hostUuid?: string;
  isArbiter: boolean;
}

export interface GlusterVolumeInfo {
  name: string;
  id: string;
  /** Started, Stopped, Created. */
  status: string;
  /** Distribute, Replicate, Distributed-Replicate, Disperse, ... */
  type: string;
  brickCount: number;
  distCount?: number;
  replicaCount?: number;
  arbiterCount?: number;
  disperseCount?: number;
  redundancyCount?: number;
  bricks: GlusterBrickRef[];
  options: Record<string, string>;
}

/** Extra fields of `volume status VOL detail`. */
export interface GlusterBrickDetail {
  sizeTotal?: number;
  sizeFree?: number;
  inodesTotal?: number;
  inodesFree?: number;
  blockSize?: number;
  device?: string;
  fsName?: string;
  mntOptions?: string;
}

export interface GlusterBrickProcess {
  /** The host as `volume status` writes it (hostname or address, may differ from volume info). */
  host: string;
  path: string;
  /** `host:/path`. */
  name: string;
  peerId?: string;
  online: boolean;
  pid?: number;
  port?: number;
  rdmaPort?: number;
  detail?: GlusterBrickDetail;
}

/** Self-heal daemon, NFS server, quota daemon...: rows of `volume status` that are not bricks. */
export interface GlusterDaemonProcess {
  /** e.g. "Self-heal Daemon". */
  name: string;
  /** Where it runs, as gluster writes it ("localhost" for the answering node). */
  host: string;
  peerId?: string;
  online: boolean;
  pid?: number;
  port?: number;
}

export interface GlusterVolumeStatus {
  name: string;
  /** Rows gluster reported (bricks + daemons). Drops when a node is unreachable. */
  nodeCount?: number;
  bricks: GlusterBrickProcess[];
  daemons: GlusterDaemonProcess[];
}

export interface GlusterHealBrick {
  name: string;
  host: string;
  path: string;
  hostUuid?: string;
  /** Gluster's words: "Connected", "Transport endpoint is not connected", ... */
  status: string;
  connected: boolean;
  /** Entries to heal on this brick; undefined when the brick could not be read. */
  entries?: number;
  /** `info summary` only. */
  healPending?: number;
  splitBrain?: number;
  possiblyHealing?: number;
}

export interface GlusterHealInfo {
  bricks: GlusterHealBrick[];
  /** Sum over the bricks that could be read. */
  totalEntries: number;
  /** Sum of split-brain entries (`info summary` only; 0 otherwise). */
  splitBrainEntries: number;
  /** Bricks whose counts are unknown (not connected). */
  unreadBricks: number;
}
