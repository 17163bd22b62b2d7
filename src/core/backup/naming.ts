// Archive names as the seed procedure writes them: datarobot-gluster-backup-<date>.tar, with
// <date> in its YYYY-DD-MM format (day before month, as documented). A second backup on the
// same day never overwrites the first: it gets -2, -3, ...
export const ARCHIVE_PREFIX = 'datarobot-gluster-backup-';

export type Compression = 'none' | 'gzip';

export function seedDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getDate())}-${p(d.getMonth() + 1)}`;
}

export function archiveExtension(c: Compression): string {
  return c === 'gzip' ? '.tar.gz' : '.tar';
}

/**
 * The first free name for today. `taken` holds every name in the backups directory,
 * including partial archives, logs and job files, so a name in use by any of them is skipped.
 */
export function nextArchiveName(date: Date, compression: Compression, taken: Iterable<string>): string {
  const used = new Set(taken);
  const base = `${ARCHIVE_PREFIX}${seedDate(date)}`;
  const ext = archiveExtension(compression);
  const clash = (stem: string) =>
    [...used].some((n) => n === stem + ext || n.startsWith(`${stem}${ext}.`) || n === `${stem}.job.json` || n === `${stem}.log`);
  if (!clash(base)) return base + ext;
  for (let i = 2; ; i++) if (!clash(`${base}-${i}`)) return `${base}-${i}${ext}`;
}

/** The job's id and the stem shared by its files: the archive name without extension. */
export function jobStem(archiveName: string): string {
  return archiveName.replace(/\.tar(\.gz)?$/, '');
}
