// Turns what gluster says into the VolumeHealth the explorer shows. The brick list comes from
// `volume info` (what the volume should have); `volume status` only lists what glusterd can see
// now, so a brick on a stopped node is missing there rather than marked offline.
import type { BrickStatus, VolumeHealth, VolumeProblem, VolumeProblemKind } from '../model';
import type { GlusterBrickProcess, GlusterHealInfo, GlusterPeer, GlusterVolumeInfo, GlusterVolumeStatus } from './types';
import { plural } from '../words';

/**
 * @param status  `volume status VOL`; undefined when it could not be read (or the volume is
 *                not started), in which case no brick counts as online.
 * @param peers   `pool list` (preferred) or `peer status`; with the latter the answering node,
 *                which is missing from it, is counted as one connected peer. Undefined when it
 *                could not be read: the peers are then unknown, the rest still stands.
 * @param heal    `volume heal VOL info [summary]`, or why there is none yet ('reading') or
 *                will be none ('unknown'); leave out where heal does not apply.
 */
export function computeVolumeHealth(
  info: GlusterVolumeInfo,
  status: GlusterVolumeStatus | undefined,
  peersRead: GlusterPeer[] | undefined,
  healRead?: GlusterHealInfo | 'reading' | 'unknown',
): VolumeHealth {
  const peers = peersRead ?? [];
  const heal = typeof healRead === 'object' ? healRead : undefined;
  const problems: VolumeProblem[] = [];
  const problem = (kind: VolumeProblemKind, text: string): void => void problems.push({ text, kind });
  const started = info.status === 'Started';
  if (!started) problem('volumeNotStarted', `volume ${info.name} is ${info.status}`);

  const ids = new HostIds(peers);
  const rows = status?.bricks ?? [];
  const brickList: BrickStatus[] = info.bricks.map((b) => {
    const uuid = b.hostUuid ?? ids.uuidOf(b.host);
    const row = rows.find((r) => r.path === b.path && ids.sameHost(uuid, b.host, r));
    const online = started && !!row?.online;
    const brick: BrickStatus = { name: b.name, host: b.host, path: b.path, online };
    if (online && row?.pid !== undefined) brick.pid = row.pid;
    if (online && row?.port !== undefined) brick.port = row.port;
    return brick;
  });

  if (started && !status) {
    problem('brickStatusUnknown', `brick status of volume ${info.name} unknown: volume status could not be read`);
  } else if (started) {
    for (const b of brickList) if (!b.online) problem('brickOffline', `brick ${b.name} is offline`);
    for (const d of status?.daemons ?? []) if (!d.online) problem('daemonOffline', `${d.name} on ${d.host} is offline`);
  }

  const others = peers.filter((p) => !p.self);
  for (const p of others) if (!p.connected) problem('peerDisconnected', `peer ${p.hostname} is disconnected`);
  if (!peersRead) problem('peerStatusUnknown', 'peer status unknown: the pool list could not be read');
  // peer status leaves out the node that answered; it is up, since it answered.
  const selfMissing = peersRead && !peers.some((p) => p.self) ? 1 : 0;

  let healEntries: number | undefined;
  if (heal) {
    healEntries = heal.bricks.length > 0 && heal.unreadBricks === heal.bricks.length ? undefined : heal.totalEntries;
    const offline = new Set(brickList.filter((b) => !b.online).map((b) => b.name));
    for (const b of heal.bricks) {
      if (b.entries === undefined && !offline.has(b.name)) {
        problem('healBrickUnread', `heal info could not read brick ${b.name}: ${b.status || 'no status'}`);
      }
    }
    if (heal.totalEntries > 0) problem('healPending', `${plural(heal.totalEntries, 'entry', 'entries')} pending heal`);
    if (heal.splitBrainEntries > 0) {
      problem('splitBrain', `${plural(heal.splitBrainEntries, 'entry', 'entries')} in split-brain`);
    }
  }
  if (healRead === 'unknown' && started) problem('healUnknown', `heal state of volume ${info.name} unknown: heal info did not answer`);

  const result: VolumeHealth = {
    name: info.name,
    type: info.type,
    status: info.status,
    bricks: brickList.length || info.brickCount,
    bricksOnline: brickList.filter((b) => b.online).length,
    brickList,
    peersConnected: peers.filter((p) => p.connected || p.self).length + selfMissing,
    peersTotal: peers.length + selfMissing,
    problems,
  };
  if (healEntries !== undefined) result.healEntries = healEntries;
  else if (healRead !== undefined && started) result.healState = healRead === 'reading' ? 'reading' : 'unknown';
  if (started && !status) result.brickStatusUnknown = true;
  if (!peersRead) result.peerStatusUnknown = true;
  return result;
}

/** Heal applies to replicate and disperse volumes only (gluster refuses it elsewhere). */
export function healApplies(info: GlusterVolumeInfo): boolean {
  return (info.replicaCount ?? 1) > 1 || (info.disperseCount ?? 0) > 0 || /replicate|disperse/i.test(info.type);
}

/**
 * Outputs name a node differently (hostname in one, address in another, "localhost" for the
 * answering node): uuids are the reliable identity, names the fallback.
 */
class HostIds {
  private readonly byName = new Map<string, string>();

  constructor(peers: GlusterPeer[]) {
    for (const p of peers) {
      if (!p.uuid) continue;
      for (const n of [p.hostname, ...p.hostnames]) this.byName.set(n.toLowerCase(), p.uuid);
    }
  }

  uuidOf(host: string): string | undefined {
    return this.byName.get(host.toLowerCase());
  }

  sameHost(uuid: string | undefined, host: string, row: GlusterBrickProcess): boolean {
    const rowUuid = row.peerId ?? this.uuidOf(row.host);
    if (uuid && rowUuid) return uuid === rowUuid;
    return host.toLowerCase() === row.host.toLowerCase();
  }
}

// A record keyed by the kind: a kind added to VolumeProblemKind and not here does not compile.
const FROM_HEAL_READ: Record<VolumeProblemKind, boolean> = {
  volumeNotStarted: false,
  brickStatusUnknown: false,
  brickOffline: false,
  daemonOffline: false,
  peerDisconnected: false,
  peerStatusUnknown: false,
  healBrickUnread: true,
  healPending: true,
  splitBrain: true,
  healUnknown: true,
};

/**
 * The problems above that come from the heal read (or its absence): a reader that did not wait
 * for the heal summary cannot tell them, so it leaves them out rather than show them by chance.
 */
export function fromHealRead(problem: VolumeProblem): boolean {
  return FROM_HEAL_READ[problem.kind];
}
