// `peer status --xml` and `pool list --xml`: both print <peerStatus><peer>...; pool list adds
// the answering node itself as "localhost".
import type { GlusterPeer } from './types';
import { flag, int, list, obj, optStr, parseCliOutput, str, texts, uuid } from './xml';

/** Peers of `peer status` (the answering node is not among them). */
export function parsePeerStatus(stdout: string, exitCode?: number): GlusterPeer[] {
  return parsePeers(stdout, exitCode);
}

/** Every node of `pool list`, the answering node included (marked `self`). */
export function parsePoolList(stdout: string, exitCode?: number): GlusterPeer[] {
  return parsePeers(stdout, exitCode);
}

function parsePeers(stdout: string, exitCode?: number): GlusterPeer[] {
  const root = parseCliOutput(stdout, exitCode);
  return list(obj(root.peerStatus).peer).map((p) => {
    const hostname = str(p.hostname);
    return {
      uuid: uuid(p.uuid) ?? str(p.uuid),
      hostname,
      hostnames: [...new Set([hostname, ...texts(obj(p.hostnames).hostname)].filter(Boolean))],
      connected: flag(p.connected),
      state: int(p.state),
      stateStr: optStr(p.stateStr),
      self: hostname === 'localhost',
    };
  });
}
