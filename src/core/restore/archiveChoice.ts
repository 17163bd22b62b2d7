// Which archive a restore takes when the operator names none: the DataRobot procedure's rule,
// today's archive of the backups directory (the last one made today when there are several),
// and when there is none an error that lists what is there, so that an old archive is never
// restored by accident.
import type { Cluster } from '../cluster';
import { ARCHIVE_PREFIX, seedDate } from '../backup/naming';
import { archivesOnNodes } from '../archivesOnNodes';
import { RestoreError } from './restoreError';

/** The archive of `date` among `names`: the highest -N of that day, .tar or .tar.gz. */
export function pickTodays(names: readonly string[], date: Date): string | undefined {
  const day = `${ARCHIVE_PREFIX}${seedDate(date)}`;
  let best: { name: string; n: number } | undefined;
  for (const name of names) {
    if (!name.startsWith(day)) continue;
    const m = /^(?:-(\d{1,6}))?\.tar(?:\.gz)?$/.exec(name.slice(day.length));
    if (!m) continue;
    const n = m[1] ? Number(m[1]) : 1;
    if (!best || n > best.n) best = { name, n };
  }
  return best?.name;
}

export async function todaysArchive(cluster: Cluster, dir: string, now: Date, node?: string): Promise<{ node: string; path: string }> {
  const { names, found: seen, errors } = await archivesOnNodes(cluster, dir, node);
  const pick = pickTodays(
    seen.map((s) => s.name),
    now,
  );
  const holders = seen.filter((s) => s.name === pick).map((s) => s.node).sort();
  if (pick && holders.length === 1) return { node: holders[0], path: `${dir.replace(/\/+$/, '')}/${pick}` };
  if (pick) throw new RestoreError(`today's archive ${pick} is on ${holders.join(' and ')}: say which with --node`);
  const listed = [...new Set(seen.map((s) => s.name))].sort().reverse();
  const there = listed.length ? `; archives there: ${listed.slice(0, 20).join(', ')}${listed.length > 20 ? `, and ${listed.length - 20} more` : ''}. Name one with -f` : '; there is no archive there';
  throw new RestoreError(`no archive of today (${ARCHIVE_PREFIX}${seedDate(now)}.tar[.gz]) in ${dir} on ${names.join(', ')}${there}${errors.length ? ` (could not look on ${errors.join('; ')})` : ''}`);
}
