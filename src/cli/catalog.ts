// gluster-backup list and prune: the catalog of every node's archives, and retention over it.
import { bytesText } from '../core/bytes';
import type { Cluster } from '../core/cluster';
import { catalogTime, readCatalog, type CatalogArchive, type CatalogNode } from '../core/catalog/catalog';
import { prune, type PruneNodeResult } from '../core/catalog/prune';
import { RetentionError, RULES, type RetentionPolicy } from '../core/catalog/retention';
import type { CliIo } from './io';
import { shownName } from '../core/archive/paths';
import { shownEach } from './terminalText';
import { heldByText } from '../core/validate/readDataLock';
import { namesGoingText, readDataNamesText } from '../core/validate/readDataNames';
import { keptPartialText, type CatalogKeptPartial } from '../core/catalog/keptPartials';
import { lastGoodArchive, olderThan } from '../core/catalog/lastGood';
import { ago, plural } from '../core/words';

function archiveLines(a: CatalogArchive): string[] {
  const lines = [`  ${a.name}  ${bytesText(a.bytes)}  ${a.compressed ? 'gzip' : 'tar'}  made ${catalogTime(a.made)}${a.madeFrom === 'mtime' ? ' (file mtime: no job record)' : ''}${a.running.length ? '  RUNNING' : ''}`];
  if (a.job) {
    const kinds = Object.entries(a.job.warningKinds ?? {})
      .filter(([, n]) => n)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    lines.push(`    job: ${a.job.state}${a.job.exitCode !== undefined ? `, tar exit ${a.job.exitCode}` : ''}, ${a.job.warnings} warning${a.job.warnings === 1 ? '' : 's'}${kinds ? ` (${kinds})` : ''}`);
  }
  if (a.jobError) lines.push(`    job record unusable: ${a.jobError}`);
  if (a.validation) {
    const v = a.validation;
    lines.push(`    validated ${catalogTime(v.at)}: ${v.verdict}, ${v.missingFiles} file${v.missingFiles === 1 ? '' : 's'} missing${a.clean ? ' (clean)' : ''}`);
  } else lines.push(`    not validated${a.validationError ? `: its report is unusable: ${a.validationError}` : ''}`);
  lines.push(`    checksum: ${a.checksum.replace('-', ' ')}`);
  const lock = a.readDataLock;
  if (lock?.holder) lines.push(`    being read by a --read-data-subset run: ${heldByText(lock.holder, a.node)} (${lock.file})`);
  else if (lock) lines.push(`    read-data lock unusable: ${lock.error}`);
  for (const n of a.readDataNames ?? []) lines.push(`    ${readDataNamesText(n.file, catalogTime(n.written))}`);
  for (const r of a.restores) {
    const state = r.error ? `record unusable: ${r.error}` : r.state ?? 'no job record';
    const verified = r.verification === 'verified' ? 'verified' : r.verification === 'differences' ? `${r.differences} difference${r.differences === 1 ? '' : 's'}` : 'not verified';
    lines.push(`    restore ${r.id.slice(r.id.lastIndexOf('.restore-') + 9)}: ${state}, ${verified}`);
  }
  return lines;
}

/** A kept partial's row: an archive, not a leftover, though its name says partial. */
function keptPartialLines(k: CatalogKeptPartial): string[] {
  return [`  ${k.name}  ${bytesText(k.bytes)}  KEPT PARTIAL  kept ${catalogTime(k.job.endedAt ?? k.mtime)}`, `    ${keptPartialText(k)}`];
}

function nodeHeader(n: { node: string; dir: string; error?: string; noDir?: boolean }): string {
  if (n.error) return `${n.node}: could not be read: ${n.error}`;
  return `${n.node}: ${n.dir}${n.noDir ? ' does not exist (no archives)' : ''}`;
}

/** Names in the directory that are none of ours: anything anyone put there. */
function leftAlone(foreign: readonly string[]): string {
  return `  left alone (no archive of ours, nor a file of one): ${foreign.map(shownName).join(', ')}`;
}

export async function runList(cluster: Cluster, io: CliIo, o: { dir: string; nodes?: string[]; json: boolean; now?: number }): Promise<number> {
  const c = await readCatalog(cluster, o.dir, o.nodes);
  const age = { now: o.now ?? Date.now(), maxAgeHours: cluster.settings.maxBackupAgeHours };
  if (o.json) io.stdout.write(JSON.stringify({ ...c, nodes: c.nodes.map((n) => ({ ...n, ...lastGoodJson(n, age) })) }, null, 2) + '\n');
  else io.stdout.write(formatCatalog(c.nodes, age));
  return c.nodes.some((n) => n.error) ? 1 : 0;
}

/** The time a node's last good backup is aged against, and the age past which it is a warning. */
export interface AgeLimit {
  now: number;
  maxAgeHours: number;
}

/** `lastGood` of a node read (the archive's path and when it was made, and whether past the limit), null for none; nothing for a node not read. */
export function lastGoodJson(n: CatalogNode, age: AgeLimit): { lastGood?: { path: string; made: string; olderThanLimit: boolean } | null } {
  if (n.error) return {};
  const good = lastGoodArchive(n.archives);
  return { lastGood: good ? { path: good.path, made: good.made, olderThanLimit: olderThan(good, age.now, age.maxAgeHours) } : null };
}

/** The explorer's node line in list's words: which archive, when made, how long ago, and a warning past the limit. */
function lastGoodLine(n: CatalogNode, age: AgeLimit): string | undefined {
  if (n.error || n.noDir || n.archives.length === 0) return undefined;
  const good = lastGoodArchive(n.archives);
  if (!good) return `  no validated backup: no archive here completed and validated clean (validate-backup checks one)`;
  const stale = olderThan(good, age.now, age.maxAgeHours) ? `: WARNING, older than ${plural(age.maxAgeHours, 'hour')} (maxBackupAgeHours)` : '';
  return `  last good backup: ${good.name}, made ${catalogTime(good.made)}, ${ago(good.made, age.now)}${stale}`;
}

export function formatCatalog(nodes: CatalogNode[], age?: AgeLimit): string {
  const lines: string[] = [];
  for (const n of nodes) {
    lines.push(nodeHeader(n));
    if (!n.error && !n.noDir && n.archives.length === 0 && n.keptPartials.length === 0) lines.push('  no archives');
    const good = age ? lastGoodLine(n, age) : undefined;
    if (good) lines.push(good);
    // Newest first: the names (YYYY-DD-MM) do not sort by date.
    for (const a of [...n.archives].sort((x, y) => y.made.localeCompare(x.made))) lines.push(...archiveLines(a));
    for (const k of n.keptPartials) lines.push(...keptPartialLines(k));
    if (n.foreign.length) lines.push(leftAlone(n.foreign));
  }
  return shownEach(lines);
}

/** The --keep-* options as a policy; a RetentionError for a value that is not a plain count. */
export function policyOf(values: Partial<Record<`keep-${(typeof RULES)[number]}`, string>>): RetentionPolicy {
  const p: RetentionPolicy = {};
  for (const r of RULES) {
    const v = values[`keep-${r}`];
    if (v === undefined) continue;
    if (!/^\d{1,9}$/.test(v)) throw new RetentionError(`--keep-${r} ${v}: give a whole number from 0 up`);
    p[r] = Number(v);
  }
  return p;
}

export async function runPrune(cluster: Cluster, io: CliIo, o: { dir: string; nodes?: string[]; json: boolean; dryRun: boolean; policy: RetentionPolicy }): Promise<number> {
  let r;
  try {
    r = await prune(cluster, o.dir, o.policy, { ...(o.nodes ? { nodes: o.nodes } : {}), dryRun: o.dryRun });
  } catch (e) {
    if (!(e instanceof RetentionError)) throw e;
    io.stderr.write(`gluster-backup: prune: ${e.message}\n`);
    return 2;
  }
  if (o.json) io.stdout.write(JSON.stringify({ dir: r.dir, dryRun: r.dryRun, policy: o.policy, nodes: r.nodes.map(pruneJson) }, null, 2) + '\n');
  else io.stdout.write(r.nodes.map((n) => formatPrune(n, r.dryRun)).join(''));
  // An archive another prune removed first is gone as asked: not a failure of this one.
  return r.nodes.some((n) => n.error || n.failed.some((f) => f.refused !== 'gone')) ? 1 : 0;
}

function pruneJson(n: PruneNodeResult) {
  const d = n.plan?.decisions ?? [];
  return {
    node: n.node,
    dir: n.dir,
    error: n.error ?? null,
    // A --read-data run's member list stays with its archive: it may be in use (readDataNames.ts).
    keep: d.filter((x) => x.action === 'keep').map((x) => ({ path: x.archive.path, made: x.archive.made, why: x.why, ...(x.archive.readDataNames?.length ? { leaves: x.archive.readDataNames.map((r) => `${n.dir}/${r.file}`) } : {}) })),
    remove: d.filter((x) => x.action === 'remove').map((x) => ({ path: x.archive.path, made: x.archive.made, files: x.files.map((f) => `${n.dir}/${f}`) })),
    // Never removed, whatever the rules: each is the only copy of a finished archive.
    keptPartials: (n.plan?.keptPartials ?? []).map((k) => ({ path: k.path, job: k.job.id, archive: `${n.dir}/${k.archive}`, nameTaken: k.nameTaken, files: k.files.map((f) => `${n.dir}/${f}`), why: keptPartialText(k) })),
    removed: n.removed,
    failed: n.failed,
    foreign: n.foreign,
  };
}

function formatPrune(n: PruneNodeResult, dryRun: boolean): string {
  const lines = [nodeHeader(n) + (dryRun && !n.error ? '  (dry run: nothing removed)' : '')];
  for (const d of n.plan?.decisions ?? []) {
    const verb = (d.action === 'keep' ? 'keep' : dryRun ? 'would remove' : 'remove').padEnd(dryRun ? 12 : 6);
    const head = `  ${verb}  ${d.archive.name}  made ${catalogTime(d.archive.made)}`;
    lines.push(d.action === 'keep' ? `${head}  (${d.why.join(', ')})` : `${head}  with ${d.files.length - 1} sidecar file${d.files.length === 2 ? '' : 's'}${namesGoingText(d.files)}`);
    if (d.action === 'keep') for (const r of d.archive.readDataNames ?? []) lines.push(`    leaves ${readDataNamesText(r.file, catalogTime(r.written))}`);
  }
  for (const k of n.plan?.keptPartials ?? []) lines.push(`  ${'leave'.padEnd(dryRun ? 12 : 6)}  ${k.name}  (${keptPartialText(k)})`);
  // Refused on purpose (a restore started, another prune, not confirmed, gone already): kept, and why.
  for (const f of n.failed) lines.push(f.refused ? `  kept ${f.path}: ${f.error}` : `  could not remove ${f.path}: ${f.error}`);
  if (n.plan) {
    const planned = n.plan.decisions.filter((d) => d.action === 'remove');
    const removed = dryRun ? planned.length : planned.filter((d) => n.removed.includes(`${n.dir.replace(/\/+$/, '')}/${d.archive.name}`)).length;
    lines.push(`  ${n.plan.decisions.length - removed} kept, ${removed} ${dryRun ? 'would be ' : ''}removed${dryRun ? '' : ` (${n.removed.length} files)`}`);
  }
  if (n.foreign.length) lines.push(leftAlone(n.foreign));
  return shownEach(lines);
}
