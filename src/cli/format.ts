// Plain-text and JSON renderings of core results for the CLI.
import { bytesText } from '../core/bytes';
import type { ActionResult, NodeStatus } from '../core/model';
import { catalogTime } from '../core/catalog/catalog';
import { shownEach } from './terminalText';


/** The documented `status --json` shape, plus the details the table shows. */
export function statusJson(all: NodeStatus[]) {
  return {
    nodes: all.map((s) => ({
      name: s.name,
      target: s.target,
      reachable: s.reachable,
      error: s.error?.message ?? null,
      errorKind: s.error?.kind ?? null,
      fingerprint: s.error?.fingerprint ?? null,
      container: s.container ? { state: s.container.state, image: s.container.image ?? null, status: s.container.status ?? null, since: s.container.since ?? null } : null,
      storageDriver: s.storageDriver ?? null,
      volumes: s.volumes.map((v) => ({
        name: v.name,
        type: v.type,
        status: v.status,
        bricks: v.bricks,
        bricksOnline: v.bricksOnline,
        // false: volume status could not be read, and bricksOnline (0) says nothing.
        brickStatusKnown: !v.brickStatusUnknown,
        peersConnected: v.peersConnected,
        peersTotal: v.peersTotal,
        // false: the pool list could not be read, and the peer counts (0) say nothing.
        peerStatusKnown: !v.peerStatusUnknown,
        healEntries: v.healEntries ?? null,
        // known, unknown (could not be read), or notApplicable (distribute, or not started).
        healState: v.healEntries !== undefined ? 'known' : v.healState === 'unknown' || v.healState === 'reading' ? 'unknown' : 'notApplicable',
        problems: v.problems.map((p) => p.text),
      })),
      glusterError: s.glusterError ?? null,
      backups: s.backups,
      backupsError: s.backupsError ?? null,
      checkedAt: s.checkedAt,
    })),
  };
}

export function formatStatusTable(all: NodeStatus[]): string {
  const lines: string[] = [];
  for (const s of all) {
    const state = s.reachable ? s.container?.state ?? 'unknown' : 'unreachable';
    lines.push(`${s.name}  ${state}  ${s.target}${s.storageDriver ? `  driver=${s.storageDriver}` : ''}`);
    if (s.error) lines.push(`  error: ${s.error.message}${s.error.fingerprint ? ` (${s.error.fingerprint})` : ''}`);
    if (s.storageDriver === 'devicemapper') lines.push('  warning: devicemapper storage: backups take three times as long or longer');
    for (const v of s.volumes) {
      const heal = v.healEntries !== undefined ? `, ${v.healEntries} pending heal` : v.healState ? ', heal ? (not read)' : '';
      const peers = v.peerStatusUnknown ? '?' : `${v.peersConnected}/${v.peersTotal}`;
      lines.push(`  volume ${v.name} (${v.type}, ${v.status}): bricks ${v.brickStatusUnknown ? '?' : v.bricksOnline}/${v.bricks} online, peers ${peers} connected${heal}`);
      for (const p of v.problems) lines.push(`    ! ${p.text}`);
    }
    if (s.glusterError) lines.push(`  gluster: ${s.glusterError}`);
    if (s.backupsError) lines.push(`  backups: ${s.backupsError}`);
    for (const b of s.backups) lines.push(`  backup ${b.name}  ${bytesText(b.size)}  ${catalogTime(b.mtime)}${b.partial ? '  (partial)' : ''}`);
  }
  return shownEach(lines);
}

export function formatActions(results: ActionResult[]): string {
  const ok = results.filter((r) => r.ok).length;
  const lines = results.map((r) => `${r.node}: ${r.ok ? 'ok' : 'FAILED'}: ${r.message}`);
  lines.push(`${results[0]?.action ?? 'action'}: ${ok} of ${results.length} nodes succeeded`);
  return shownEach(lines);
}
