// Files written beside an archive after its job (the validation report, where
// --read-data-subset stopped) while a prune may be removing that archive.
import { pruneMarkerOf } from '../backup/jobFile';
import type { NodeConnection } from '../node/nodeConnection';

/**
 * Writes `file` beside `archive`, then keeps it only if the archive is still there and no
 * prune has marked it: a prune marks first and removes second, so a sidecar written after its
 * look at the directory would otherwise outlive the archive, a file of nobody's. Returns why
 * it was not kept, or undefined when it was.
 */
export async function writeBesideArchive(conn: NodeConnection, archive: string, file: string, data: string | Buffer): Promise<string | undefined> {
  await conn.writeAtomic(file, data);
  const [marked, there] = await Promise.all([conn.stat(pruneMarkerOf(archive)), conn.stat(archive)]);
  if (!marked && there) return undefined;
  await conn.remove(file).catch(() => undefined);
  return marked ? `the archive is being removed by prune (${pruneMarkerOf(archive)} is there), so ${file} was not kept` : `the archive is gone, so ${file} was not kept`;
}
