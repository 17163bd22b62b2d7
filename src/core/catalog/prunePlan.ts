// What prune removes from one node's backups directory, and why each archive stays: the
// retention rules (retention.ts), then the archives no rule may remove. Pure. Each node is
// its own group, as restic groups snapshots by host by default.
import { isFinal } from '../backup/jobs';
import { partialFilesOf } from '../backup/jobScript';
import type { CatalogArchive, CatalogNode } from './catalog';
import type { CatalogKeptPartial } from './keptPartials';
import { pruneMarkerOf } from './dirFiles';
import { applyRetention, newestFirst, type RetentionPolicy } from './retention';
import { heldByText } from '../validate/readDataLock';

export interface PruneDecision {
  archive: CatalogArchive;
  action: 'keep' | 'remove';
  /** Why it stays: the rules that keep it ("daily", "oldest monthly") and what protects it. */
  why: string[];
  /** Names in the directory that go with it (the archive last); empty when kept. */
  files: string[];
}

export interface PrunePlan {
  node: string;
  dir: string;
  /** Newest first. */
  decisions: PruneDecision[];
  /** Archives kept as their job's partial: left, with their job's files, whatever the rules (keptPartials.ts). */
  keptPartials: CatalogKeptPartial[];
}

export const NEWEST_CLEAN = 'newest archive that validated clean';

export function planPrune(n: CatalogNode, policy: RetentionPolicy): PrunePlan {
  const dated = n.archives.map((archive) => ({ archive, made: new Date(archive.made), name: archive.name }));
  const { keep } = applyRetention(dated, policy);
  const rules = new Map(keep.map((k) => [k.item.archive, k.rules]));
  const newestClean = newestFirst(dated.filter((d) => d.archive.clean))[0]?.archive;
  // The catalog gives no archive these files; a catalog made otherwise still never has them go.
  const keptFiles = new Set(n.keptPartials.flatMap((k) => k.files));
  const decisions = newestFirst(dated).map(({ archive: a }): PruneDecision => {
    const why = [...(rules.get(a) ?? []), ...protections(a, a === newestClean)];
    return why.length ? { archive: a, action: 'keep', why, files: [] } : { archive: a, action: 'remove', why, files: filesToRemove(a).filter((f) => !keptFiles.has(f)) };
  });
  return { node: n.node, dir: n.dir, decisions, keptPartials: n.keptPartials };
}

/** What keeps an archive whatever the rules say. */
function protections(a: CatalogArchive, newestClean: boolean): string[] {
  const out: string[] = [];
  if (newestClean) out.push(NEWEST_CLEAN);
  if (a.running.length) out.push(`in use by a running job (${a.running.join(', ')})`);
  // Another prune is removing it, or one was cut short: that prune, or the operator, owns it.
  const marker = pruneMarkerOf(a.name);
  if (a.files.includes(marker)) out.push(`another prune is removing it (${marker} is there; if no prune runs, remove that file)`);
  // A --read-data-subset run is reading it (its lock is there, or one that cannot be read).
  const lock = a.readDataLock;
  if (lock?.holder) out.push(`a --read-data-subset run holds it (${heldByText(lock.holder, a.node)}; if no such run is going on, remove ${lock.file} or validate it with --break-lock)`);
  else if (lock) out.push(`its read-data lock cannot be read (${lock.error}), so a --read-data-subset run may hold it (if none is going on, remove ${lock.file})`);
  // Unreadable, its record cannot say whether a job still runs on it.
  if (a.jobError) out.push(`its job record cannot be read (${a.jobError})`);
  for (const r of a.restores) if (r.error) out.push(`the record of restore ${r.id} cannot be read (${r.error})`);
  return out;
}

/**
 * Its files, sidecars first and the archive last: a prune cut short leaves an archive to prune
 * again, not sidecars without one. A partial archive, and the member list its job writes beside
 * it, go only when the job that wrote them is final (without a job record nothing says they are
 * not being written); one its job kept is an archive, and the catalog gives it to none.
 */
function filesToRemove(a: CatalogArchive): string[] {
  const partialGoes = a.job !== undefined && isFinal(a.job.state);
  const partialFiles = partialFilesOf(a.name);
  const rest = a.files.filter((f) => f !== a.name && (partialGoes || !partialFiles.includes(f)));
  return [...rest, a.name];
}
