// prune: the retention plan of every node's backups directory, carried out over SFTP. Every
// removal passes one last guard: a plain name of ours (an archive or one of its files, by
// dirFiles' names), joined to the directory read, never a path from a record.
import type { Cluster } from '../cluster';
import { readCatalog, type CatalogNode } from './catalog';
import { groupDir, pruneMarkerOf, roleOf, type ArchiveFiles } from './dirFiles';
import { planPrune, type PruneDecision, type PrunePlan } from './prunePlan';
import { checkPolicy, type RetentionPolicy } from './retention';

export interface PruneNodeResult {
  node: string;
  dir: string;
  /** Why this node was not pruned (unreachable, directory unreadable). */
  error?: string;
  plan?: PrunePlan;
  /** Paths removed (nothing with dryRun). */
  removed: string[];
  /**
   * Paths that could not be removed, with why. `refused`: an archive prune chose to keep although
   * its plan now says remove (not in the confirmed plan; a restore of it started since; another
   * prune marked it since).
   */
  failed: { path: string; error: string; refused?: 'notConfirmed' | 'restoreStarted' | 'pruneRunning' }[];
  /** Names in the directory that are not ours: left alone. */
  foreign: string[];
}

export interface PruneResult {
  dir: string;
  dryRun: boolean;
  nodes: PruneNodeResult[];
}

export class PruneGuardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PruneGuardError';
  }
}

/** The path prune may remove for `name` in `dir`; throws when it is not one of our names. */
export function removablePath(dir: string, name: string): string {
  if (!dir.startsWith('/') || dir.split('/').some((s) => s === '.' || s === '..')) throw new PruneGuardError(`${dir}: not an absolute directory without . or .. segments`);
  if (!roleOf(name)) throw new PruneGuardError(`${name}: not an archive of ours nor one of its files; prune never removes it`);
  return `${dir.replace(/\/+$/, '')}/${name}`;
}

/** Restore files of an archive that its plan did not see: a restore started since. */
export function startedSincePlan(planned: readonly string[], now: ArchiveFiles | undefined): string[] {
  return now ? [...now.restores.values()].flat().filter((f) => !planned.includes(f)) : [];
}

/**
 * `approved`: the archive names the operator saw planned for removal (VS Code shows the plan,
 * then asks); an archive the plan made now would remove but that is not among them stays.
 */
export async function prune(cluster: Cluster, dir: string, policy: RetentionPolicy, o: { nodes?: string[]; dryRun?: boolean; approved?: ReadonlySet<string> } = {}): Promise<PruneResult> {
  // A policy that keeps nothing is refused before any node is asked.
  checkPolicy(policy);
  const catalog = await readCatalog(cluster, dir, o.nodes);
  const nodes = await Promise.all(catalog.nodes.map((n) => pruneNode(cluster, n, policy, o.dryRun ?? false, o.approved)));
  return { dir, dryRun: o.dryRun ?? false, nodes };
}

async function pruneNode(cluster: Cluster, n: CatalogNode, policy: RetentionPolicy, dryRun: boolean, approved?: ReadonlySet<string>): Promise<PruneNodeResult> {
  const base = { node: n.node, dir: n.dir, removed: [] as string[], failed: [] as PruneNodeResult['failed'], foreign: n.foreign };
  if (n.error) return { ...base, error: n.error };
  const plan = planPrune(n, policy);
  if (dryRun || plan.decisions.every((d) => d.action === 'keep')) return { ...base, plan };
  const conn = cluster.connection(n.node);
  const at = (name: string) => `${n.dir}/${name}`;
  // Each archive to remove is marked first (see pruneMarkerOf): a restore that starts from
  // now on refuses it.
  const marked: { d: PruneDecision; marker: string }[] = [];
  for (const d of plan.decisions) {
    if (d.action !== 'remove') continue;
    if (approved && !approved.has(d.archive.name)) {
      base.failed.push({ path: at(d.archive.name), error: 'not removed: it was not in the plan that was confirmed (the directory changed since)', refused: 'notConfirmed' });
      continue;
    }
    const marker = pruneMarkerOf(d.archive.name);
    try {
      if (await conn.createExclusive(removablePath(n.dir, marker), `${new Date().toISOString()} prune\n`)) marked.push({ d, marker });
      else base.failed.push({ path: at(d.archive.name), error: `not removed: another prune is removing it (${at(marker)} appeared after the plan)`, refused: 'pruneRunning' });
    } catch (e) {
      base.failed.push({ path: at(d.archive.name), error: `not removed: ${at(marker)} could not be created (${(e as Error).message})` });
    }
  }
  const unmark = async (marker: string) => {
    await conn.remove(at(marker)).catch((e) => base.failed.push({ path: at(marker), error: `prune's marker could not be removed (${(e as Error).message}): remove it, or restores of its archive are refused` }));
  };
  // Looked at again once marked: a restore that claimed its job file before the marker keeps
  // its archive.
  let fresh: Map<string, ArchiveFiles>;
  try {
    fresh = new Map(groupDir(await conn.listDir(n.dir)).archives.map((a) => [a.name, a]));
  } catch (e) {
    for (const m of marked) await unmark(m.marker);
    return { ...base, plan, error: `${n.dir} could not be read again before removing, so nothing was removed: ${(e as Error).message}` };
  }
  for (const { d, marker } of marked) {
    const started = startedSincePlan(d.archive.files, fresh.get(d.archive.name));
    if (started.length) {
      base.failed.push({ path: at(d.archive.name), error: `not removed: a restore of it started after the plan (${started.join(', ')})`, refused: 'restoreStarted' });
      await unmark(marker);
      continue;
    }
    // One archive at a time, its files in the plan's order (the archive last), the marker after it.
    for (const name of d.files) {
      if (name === marker) continue;
      let path = at(name);
      try {
        path = removablePath(n.dir, name);
        await conn.remove(path);
        base.removed.push(path);
      } catch (e) {
        base.failed.push({ path, error: (e as Error).message });
        // The archive stays when one of its files could not go: prune can be run again.
        if (name !== d.archive.name) break;
      }
    }
    await unmark(marker);
  }
  return { ...base, plan };
}
