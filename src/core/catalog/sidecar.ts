// Files written beside an archive after its job (the validation report, where
// --read-data-subset stopped, a restore's verification) while a prune may be removing that
// archive.
import { pruneMarkerOf } from '../backup/jobFile';
import { sleep } from '../node/deadline';
import type { NodeConnection } from '../node/nodeConnection';

/** How long a write waits for a prune that marked the archive meanwhile to decide. */
const PRUNE_DECIDES_MS = 30_000;

/**
 * Writes `file` beside `archive` and keeps it only while the archive stays. Not written when a
 * prune has marked the archive (the earlier file is kept: that prune may yet back off). After
 * the write, the mark is looked at before the archive (a prune removes the archive before its
 * mark): no mark, archive there is kept (a prune to come lists the file and removes it with the
 * archive); a mark is waited out, since that prune may have listed the directory before the
 * write, and the file goes if the archive went. Returns why it was not kept, or undefined.
 */
export async function writeBesideArchive(conn: NodeConnection, archive: string, file: string, data: string | Buffer, o: { waitMs?: number } = {}): Promise<string | undefined> {
  const marker = pruneMarkerOf(archive);
  if (await conn.stat(marker)) return `the archive is being removed by prune (${marker} is there), so ${file} was not written`;
  try {
    await conn.writeAtomic(file, data);
  } catch (e) {
    // A prune that marked the archive meanwhile removes its temporary files too: the write's
    // rename then fails, and that is this, not an error of its own.
    if (await conn.stat(marker).catch(() => undefined)) return `the archive is being removed by prune (${marker} appeared while ${file} was written), so ${file} was not written`;
    if ((await conn.stat(archive).catch(() => null)) === undefined) return `the archive is gone (removed while ${file} was written), so ${file} was not written`;
    throw e;
  }
  const until = Date.now() + (o.waitMs ?? PRUNE_DECIDES_MS);
  let marked = (await conn.stat(marker)) !== undefined;
  while (marked && Date.now() < until) {
    await sleep(200);
    marked = (await conn.stat(marker)) !== undefined;
  }
  // Still marked: a prune cut short, whose mark keeps the archive from every later prune, or a
  // slow one, which looks at the directory once more after removing the archive and takes this.
  if (marked || (await conn.stat(archive))) return undefined;
  await conn.remove(file).catch(() => undefined);
  return `the archive is gone (removed by prune while ${file} was written), so ${file} was not kept`;
}
