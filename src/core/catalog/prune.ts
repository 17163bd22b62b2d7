// prune: the retention plan of every node's backups directory, carried out over SFTP. Every
// removal passes one last guard: a plain name of ours (an archive or one of its files, by
// dirFiles' names), joined to the directory read, never a path from a record.
import type { Cluster } from '../cluster';
import { readCatalog, type CatalogNode } from './catalog';
import { groupDir, pruneMarkerOf, roleOf, type ArchiveFiles } from './dirFiles';
import { partialFilesOf } from '../backup/jobScript';
import type { NodeConnection } from '../node/nodeConnection';
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
   * prune marked it since; a --read-data-subset run took its lock since).
   */
  failed: { path: string; error: string; refused?: 'notConfirmed' | 'restoreStarted' | 'readDataRunning' | 'pruneRunning' | 'gone' }[];
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

/**
 * Files of restores of an archive that its plan did not see at all: a restore started since.
 * A new file of a restore the plan saw (its verification's report, written once tar ended) is
 * not one: it goes with the archive (see filesNow).
 */
export function startedSincePlan(planned: readonly string[], now: ArchiveFiles | undefined): string[] {
  return now ? [...now.restores.values()].filter((files) => !files.some((f) => planned.includes(f))).flat() : [];
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
  for (const d of plan.decisions) {
    if (d.action !== 'remove') continue;
    if (approved && !approved.has(d.archive.name)) {
      base.failed.push({ path: at(d.archive.name), error: 'not removed: it was not in the plan that was confirmed (the directory changed since)', refused: 'notConfirmed' });
      continue;
    }
    // One archive at a time, marked, looked at again, removed, unmarked: a prune cut short
    // leaves one archive marked, not all it planned.
    const r = await pruneArchive(conn, n.dir, d);
    base.removed.push(...r.removed);
    base.failed.push(...r.failed);
    if (r.fatal) return { ...base, plan, error: r.fatal };
  }
  return { ...base, plan };
}

/**
 * Removes one archive and its files: marks it (see pruneMarkerOf), so that a restore or a
 * --read-data-subset run from now on refuses it; reads the directory again, so that a restore
 * that claimed its job file, or a subset run that took its lock, before the mark keeps it;
 * removes its files as that listing has them (a report written since the plan goes too), the
 * archive last, the mark after it.
 */
async function pruneArchive(conn: NodeConnection, dir: string, d: PruneDecision): Promise<{ removed: string[]; failed: PruneNodeResult['failed']; fatal?: string }> {
  const at = (name: string) => `${dir}/${name}`;
  const removed: string[] = [];
  const failed: PruneNodeResult['failed'] = [];
  const name = d.archive.name;
  const marker = pruneMarkerOf(name);
  try {
    if (!(await conn.createExclusive(removablePath(dir, marker), `${new Date().toISOString()} prune\n`))) {
      return { removed, failed: [{ path: at(name), error: `not removed: another prune is removing it (${at(marker)} appeared after the plan)`, refused: 'pruneRunning' }] };
    }
  } catch (e) {
    return { removed, failed: [{ path: at(name), error: `not removed: ${at(marker)} could not be created (${(e as Error).message})` }] };
  }
  const unmark = async () => {
    await conn.remove(at(marker)).catch((e) => failed.push({ path: at(marker), error: `prune's mark could not be removed (${(e as Error).message}): remove it, or restores of ${name} are refused` }));
  };
  let now: ArchiveFiles | undefined;
  try {
    now = groupDir(await conn.listDir(dir)).archives.find((a) => a.name === name);
  } catch (e) {
    await unmark();
    return { removed, failed, fatal: `${dir} could not be read again before removing ${name}, so it and the archives after it were not removed: ${(e as Error).message}` };
  }
  if (!now) {
    await unmark();
    return { removed, failed: [...failed, { path: at(name), error: 'not removed by this prune: it was gone already (another prune, or by hand)', refused: 'gone' }] };
  }
  const started = startedSincePlan(d.archive.files, now);
  if (started.length) {
    failed.push({ path: at(name), error: `not removed: a restore of it was started after the plan (${started.join(', ')})`, refused: 'restoreStarted' });
    await unmark();
    return { removed, failed };
  }
  // A subset run takes its lock, then looks for the mark: one whose lock is there now started
  // before the mark (the plan keeps an archive whose lock it saw), and reads the archive on.
  if (now.own.readDataLock) {
    failed.push({ path: at(name), error: `not removed: a --read-data-subset run of it started after the plan (${at(now.own.readDataLock)} is there)`, refused: 'readDataRunning' });
    await unmark();
    return { removed, failed };
  }
  const removeAll = async (files: readonly string[]): Promise<boolean> => {
    for (const f of files) {
      let path = at(f);
      try {
        path = removablePath(dir, f);
        await conn.remove(path);
        removed.push(path);
      } catch (e) {
        failed.push({ path, error: (e as Error).message });
        // The archive stays when one of its files could not go: prune can be run again.
        if (f !== name) return false;
      }
    }
    return true;
  };
  if ((await removeAll(filesNow(d, now))) && removed.includes(at(name))) {
    // A report whose writer looked for the mark before it was made may land after the listing
    // above; with the mark still there the writer waits for it, but only so long. One more look,
    // still marked, takes what landed meanwhile: no report outlives its archive.
    const late = await conn.listDir(dir).then(
      (entries) => lateSidecars(entries.filter((e) => e.isFile).map((e) => e.name), name, d.files),
      () => [],
    );
    await removeAll(late);
  }
  await unmark();
  return { removed, failed };
}

/**
 * Names in `listed` written beside `archive` once the archive itself is gone: its own sidecars
 * (not its mark) and the files of the restores the plan saw (a verification's report), with
 * their temporary files. A restore the plan did not see is left alone: one that claims its job
 * file now is refused by the mark and removes its own files.
 */
export function lateSidecars(listed: readonly string[], archive: string, planned: readonly string[]): string[] {
  const plannedRestores = new Set(
    planned.flatMap((f) => {
      const r = roleOf(f)?.role;
      return r?.role === 'restore' ? [r.restoreId] : [];
    }),
  );
  // Never the partial's files: the plan takes those, and only from a final job (prunePlan.ts).
  const partialFiles = partialFilesOf(archive);
  return listed
    .filter((n) => {
      const r = roleOf(n)?.role;
      if (!r || !('archive' in r) || r.archive !== archive) return false;
      if (r.role === 'restore') return plannedRestores.has(r.restoreId);
      return r.role !== 'archive' && r.role !== 'pruning' && !partialFiles.includes(n);
    })
    .sort();
}

/**
 * The plan's files of the archive, and the sidecars, files of the restores the plan saw, and
 * temporary files of it that the listing taken after the mark shows and the plan did not (a
 * validation report, a restore's verification, a --read-data run's member list written since):
 * the archive still last, its mark not among them (it goes after).
 */
export function filesNow(d: PruneDecision, now: ArchiveFiles): string[] {
  const planned = d.files.filter((f) => f !== pruneMarkerOf(d.archive.name));
  const ofPlannedRestores = [...now.restores.values()].filter((files) => files.some((f) => planned.includes(f))).flat();
  const partialFiles = partialFilesOf(now.name);
  const own = Object.entries(now.own).filter(([role, f]) => role !== 'pruning' && !partialFiles.includes(f as string));
  const since = [...own.map(([, f]) => f as string), ...now.readDataNames, ...ofPlannedRestores, ...now.temps].filter((f) => !planned.includes(f));
  return [...planned.filter((f) => f !== d.archive.name), ...since.sort(), ...(planned.includes(d.archive.name) ? [d.archive.name] : [])];
}
