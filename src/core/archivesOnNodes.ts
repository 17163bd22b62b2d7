// The finished archives of one backups directory on every node (or one), looked at in
// parallel: what "the newest archive" (validate) and "today's archive" (restore) choose from.
import type { Cluster } from './cluster';
import { isNotFound } from './node/nodeConnection';
import type { BackupArchive } from './model';
import { listBackups } from './node/probe';

export interface ArchivesOnNodes {
  /** Nodes looked at. */
  names: string[];
  found: (BackupArchive & { node: string })[];
  /** One line per node that could not be looked at, with why. */
  errors: string[];
}

export async function archivesOnNodes(cluster: Cluster, dir: string, node?: string): Promise<ArchivesOnNodes> {
  const names = node ? [node] : cluster.nodes().map((n) => n.name);
  const found: ArchivesOnNodes['found'] = [];
  const errors: string[] = [];
  await Promise.all(
    names.map(async (n) => {
      try {
        for (const b of await listBackups(cluster.connection(n), dir)) if (!b.partial) found.push({ ...b, node: n });
      } catch (e) {
        errors.push(`${n}: ${isNotFound(e) ? `${dir} does not exist` : (e as Error).message}`);
      }
    }),
  );
  return { names, found, errors };
}
