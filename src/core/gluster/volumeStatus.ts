// `volume status VOL [detail] --xml`: the brick and daemon processes glusterd can see right
// now. Rows of a node whose glusterd is unreachable are absent, not marked offline.
import type { GlusterBrickDetail, GlusterBrickProcess, GlusterDaemonProcess, GlusterVolumeStatus } from './types';
import { GlusterCliError } from './errors';
import { count, flag, int, list, obj, optStr, parseCliOutput, positiveInt, str, uuid, XmlNode } from './xml';

/** Status of the one volume asked for (`volume status VOL`). */
export function parseVolumeStatus(stdout: string, exitCode?: number): GlusterVolumeStatus {
  const [first] = parseVolumeStatusAll(stdout, exitCode);
  if (!first) throw new GlusterCliError('malformed', 'gluster volume status listed no volume', { exitCode });
  return first;
}

/** Status of every volume listed (`volume status all`). */
export function parseVolumeStatusAll(stdout: string, exitCode?: number): GlusterVolumeStatus[] {
  const root = parseCliOutput(stdout, exitCode);
  return list(obj(obj(root.volStatus).volumes).volume).map(toVolumeStatus);
}

function toVolumeStatus(v: XmlNode): GlusterVolumeStatus {
  const bricks: GlusterBrickProcess[] = [];
  const daemons: GlusterDaemonProcess[] = [];
  for (const n of list(v.node)) {
    const path = str(n.path);
    // Brick rows carry a directory; daemon rows carry the host in <path> and the daemon's
    // name ("Self-heal Daemon") in <hostname>.
    if (path.startsWith('/')) bricks.push(toBrick(n, path));
    else daemons.push(toDaemon(n, path));
  }
  return { name: str(v.volName), nodeCount: count(v.nodeCount), bricks, daemons };
}

function toBrick(n: XmlNode, path: string): GlusterBrickProcess {
  const host = str(n.hostname);
  const ports = obj(n.ports);
  const brick: GlusterBrickProcess = {
    host,
    path,
    name: `${host}:${path}`,
    peerId: uuid(n.peerid),
    online: flag(n.status),
    pid: positiveInt(n.pid),
    port: positiveInt(ports.tcp) ?? positiveInt(n.port),
    rdmaPort: positiveInt(ports.rdma),
  };
  const detail = toDetail(n);
  if (detail) brick.detail = detail;
  return brick;
}

function toDetail(n: XmlNode): GlusterBrickDetail | undefined {
  const d: GlusterBrickDetail = {
    sizeTotal: count(n.sizeTotal),
    sizeFree: count(n.sizeFree),
    inodesTotal: count(n.inodesTotal),
    inodesFree: count(n.inodesFree),
    blockSize: count(n.blockSize),
    device: optStr(n.device),
    fsName: optStr(n.fsName),
    mntOptions: optStr(n.mntOptions),
  };
  const present = Object.entries(d).filter(([, value]) => value !== undefined);
  return present.length ? (Object.fromEntries(present) as GlusterBrickDetail) : undefined;
}

function toDaemon(n: XmlNode, host: string): GlusterDaemonProcess {
  return {
    name: str(n.hostname),
    host,
    peerId: uuid(n.peerid),
    online: flag(n.status),
    pid: positiveInt(n.pid),
    port: positiveInt(n.port),
  };
}
