// A node's last good backup, as the explorer's node line and `list` both say it: the newest
// archive that completed (or, with no job record, is a whole archive file) and validated
// clean, aged from when it was made, not from when it was validated.
import type { CatalogArchive } from './catalog';

export function lastGoodArchive(archives: readonly CatalogArchive[]): CatalogArchive | undefined {
  return archives.filter((a) => a.clean && (!a.job || a.job.state === 'completed')).sort((x, y) => y.made.localeCompare(x.made))[0];
}

/** Made more than `hours` before `now`: the age past which an operator is warned. */
export function olderThan(a: Pick<CatalogArchive, 'made'>, now: number, hours: number): boolean {
  return now - Date.parse(a.made) > hours * 3_600_000;
}
