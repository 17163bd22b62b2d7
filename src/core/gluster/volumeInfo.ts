// `volume info --xml` (all volumes, or one): the bricks a volume is supposed to have.
import type { GlusterBrickRef, GlusterVolumeInfo } from './types';
import { count, flag, int, list, obj, parseCliOutput, splitBrickName, str, uuid } from './xml';

// Older releases print only the numeric codes; names from glusterd's volinfo enums.
const STATUS_NAMES = ['Created', 'Started', 'Stopped'];

export function parseVolumeInfo(stdout: string, exitCode?: number): GlusterVolumeInfo[] {
  const root = parseCliOutput(stdout, exitCode);
  return list(obj(obj(root.volInfo).volumes).volume).map(toVolume);
}

function toVolume(v: Record<string, unknown>): GlusterVolumeInfo {
  const bricks = list(obj(v.bricks).brick).map(toBrick);
  const statusCode = int(v.status);
  const options: Record<string, string> = {};
  for (const o of list(obj(v.options).option)) {
    const name = str(o.name);
    if (name) options[name] = str(o.value);
  }
  return {
    name: str(v.name),
    id: str(v.id),
    status: str(v.statusStr) || (statusCode !== undefined ? STATUS_NAMES[statusCode] : undefined) || 'Unknown',
    type: str(v.typeStr) || 'Unknown',
    brickCount: count(v.brickCount) ?? bricks.length,
    distCount: count(v.distCount),
    replicaCount: count(v.replicaCount),
    arbiterCount: count(v.arbiterCount),
    disperseCount: count(v.disperseCount),
    redundancyCount: count(v.redundancyCount),
    bricks,
    options,
  };
}

function toBrick(b: Record<string, unknown>): GlusterBrickRef {
  // <brick uuid="...">host:/path<name>host:/path</name>...: the name child is newer; the
  // element's own text is what older releases print.
  const name = str(b.name) || str(b['#text']);
  return {
    name,
    ...splitBrickName(name),
    hostUuid: uuid(b.hostUuid) ?? uuid(b['@_uuid']),
    isArbiter: flag(b.isArbiter),
  };
}
