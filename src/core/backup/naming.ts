// Archive names as the seed procedure writes them: datarobot-gluster-backup-<date>.tar, with
// <date> in its YYYY-DD-MM format (day before month, as documented). A second backup on the
// same day never overwrites the first: it gets -2, -3, ...
export const ARCHIVE_PREFIX = 'datarobot-gluster-backup-';

export type Compression = 'none' | 'gzip';

/**
 * The day in UTC. Every client names and picks archives by it: a laptop's own time zone named
 * an archive made at 03:00 UTC by the day before in Los Angeles, and a restore on a node in UTC
 * then took the older archive of that day as "today's". Nodes and their containers run in UTC
 * as a rule, where this is the seed procedure's `date`.
 */
export function seedDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCDate())}-${p(d.getUTCMonth() + 1)}`;
}

export function archiveExtension(c: Compression): string {
  return c === 'gzip' ? '.tar.gz' : '.tar';
}

/**
 * Today's next name: above every -N of the day in `taken` (the name without -N counting as 1),
 * so the newest archive of a day is always its highest -N, which a restore with no archive
 * named takes. A lower name freed by prune is never reused: that archive would rank below an
 * older one. `taken` holds every name in the backups directory, including partial archives,
 * logs and job files, so a name in use by any of them is skipped.
 */
export function nextArchiveName(date: Date, compression: Compression, taken: Iterable<string>): string {
  const base = `${ARCHIVE_PREFIX}${seedDate(date)}`;
  const ext = archiveExtension(compression);
  let top = 0;
  for (const n of taken) {
    if (!n.startsWith(base)) continue;
    const m = /^(?:-(\d{1,6}))?\./.exec(n.slice(base.length));
    if (m) top = Math.max(top, m[1] ? Number(m[1]) : 1);
  }
  if (top === 0) return base + ext;
  if (top < MAX_DAY_NUMBER) return `${base}-${top + 1}${ext}`;
  // A day's numbers used up (a directory nobody prunes, or planted names): the lowest free one.
  // The numbers a name of the day holds, read once: a search per number over every name was
  // quadratic in a directory of planted names.
  const held = new Set<number>();
  for (const n of taken) {
    if (!n.startsWith(`${base}-`)) continue;
    const m = /^-(\d{1,6})(.*)$/.exec(n.slice(base.length));
    if (!m) continue;
    const rest = m[2];
    if (rest === ext || rest.startsWith(`${ext}.`) || rest === '.job.json' || rest === '.log') held.add(Number(m[1]));
  }
  for (let i = 2; i < MAX_DAY_NUMBER; i++) if (!held.has(i)) return `${base}-${i}${ext}`;
  throw new Error(`every name of ${seedDate(date)} in the backups directory is taken (up to -${MAX_DAY_NUMBER})`);
}

/** The highest -N of a day: six digits, as a restore reads them. */
const MAX_DAY_NUMBER = 999_999;

/** The job's id and the stem shared by its files: the archive name without extension. */
export function jobStem(archiveName: string): string {
  return archiveName.replace(/\.tar(\.gz)?$/, '');
}
