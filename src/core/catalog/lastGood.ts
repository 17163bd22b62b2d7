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

/** "3 h ago", "2 days ago"; "in the future" for a time past `now` (another clock); '' for none. */
export function ago(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const s = Math.round((now - t) / 1000);
  if (s < 0) return 'in the future';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400 * 2) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}
