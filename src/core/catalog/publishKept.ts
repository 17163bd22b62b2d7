// Publishing a kept partial: a backup job that could not publish its finished archive kept it as
// its partial (keptPartials.ts), and the operator publishes it under the name the job was to
// give it, once that name is free. The job's record then says what it would have said had the
// job published it itself (completed, or with warnings, by tar's exit) and how it came to be
// published, so the catalog credits the archive to its job.
//
// Each step can be run again after a cut: the partial is flushed to disk, linked under the
// archive's name in the gluster container (never over a file that has it), the directory
// flushed; then the record is rewritten; then the partial's name goes. A run cut after the link
// finds the archive's name already the partial's second name and goes on from there; one cut
// after the record finds an ordinary leftover partial of a finished job, which prune removes.
// Where the directory holds no hard link, the partial is renamed instead (mv -n, never over a
// file), as the job's own publish does there; a record that then cannot be rewritten has the
// partial renamed back, so the job stays kept as it was.
//
// Under another name (the archive's is another archive's) the job's record and log would stay
// under the stem of that other archive, and the catalog would give them to it: that is refused,
// saying what to do.
import { clipWords, isFull, stateOfExit } from '../backup/jobEnd';
import { JOB_SUFFIX, keptArchive, serializeJobFile, type JobRecord } from '../backup/jobFile';
import { readJobFile } from '../backup/jobs';
import { KEPT_PARTIAL } from '../backup/keptPartial';
import { jobStem } from '../backup/naming';
import type { Cluster } from '../cluster';
import { execInContainer } from '../docker/exec';
import type { NodeConnection } from '../node/nodeConnection';
import type Docker from 'dockerode';
import { catalogOfListing, catalogTime, readCatalog } from './catalog';
import { roleOf } from './dirFiles';
import type { CatalogKeptPartial } from './keptPartials';

export class PublishKeptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublishKeptError';
  }
}

export interface PublishKeptResult {
  node: string;
  /** The partial's path, gone now. */
  partial: string;
  /** The archive's path: the partial's file under the name its job was to give it. */
  archive: string;
  bytes: number;
  /** The job's record as rewritten. */
  job: JobRecord;
  /** Whether an earlier run had linked it already (cut before it rewrote the record). */
  resumed: boolean;
  /** Whether it was renamed (mv -n) rather than linked: the directory holds no hard links. */
  renamed: boolean;
}

/** The container's side: flush the partial, link it under the archive's name, flush the directory. */
export const PUBLISH_KEPT_SH = String.raw`
set -u
p=$1 t=$2 d=$3
[ -d "$d" ] || { echo "unseen: no directory $d"; exit 15; }
[ -f "$p" ] || { echo "gone: no file $p"; exit 10; }
if [ "$p" -ef "$t" ]; then linked=again; else linked=; fi
# sync with a file flushes that file; an older sync refuses the operand (its words name none).
if ! why=$(sync -- "$p" 2>&1); then
  case $why in *"$p"*) printf 'unsynced: %s\n' "$why"; exit 11 ;; *) sync ;; esac
fi
if [ -z "$linked" ]; then
  # ln refuses an existing name: an archive there is never overwritten.
  if why=$(ln -- "$p" "$t" 2>&1); then linked=now
  elif [ -e "$t" ] || [ -L "$t" ]; then printf 'taken: %s\n' "$why"; exit 12
  else
    # A directory that holds no hard link (exFAT, vfat, some FUSE filesystems): a rename that
    # replaces nothing, as the backup job's own publish does there. mv -n looks, then renames,
    # so the data is always under one of the two names; its exit status differs between
    # versions: the files decide.
    mv -n -- "$p" "$t" 2>/dev/null
    if [ ! -e "$p" ] && [ -f "$t" ]; then linked=renamed
    elif [ -e "$t" ] || [ -L "$t" ]; then printf 'taken: %s\n' "$why"; exit 12
    else printf 'unlinked: %s; mv -n left it in place\n' "$why"; exit 13
    fi
  fi
fi
if ! why=$(sync -- "$d/" 2>&1); then
  case $why in
    *"$d/"*)
      # Renamed, the partial's name is gone: as the job's own publish after a rename, it goes on
      # and says so (the record then asks to validate it).
      if [ "$linked" = renamed ]; then printf 'renamed unflushed: %s\n' "$why"; exit 0; fi
      printf 'dirunsynced: %s\n' "$why"; exit 14 ;;
    *) sync ;;
  esac
fi
echo "$linked"
`;

/** tar's exit by the kept job's reason (`tar exit N, but ...`), else by the warnings its record counts. */
export function keptTarExit(rec: Pick<JobRecord, 'reason' | 'warnings'>): { exit: 0 | 1; said: boolean } {
  const m = /^tar exit ([01]), but /.exec(rec.reason ?? '');
  if (m) return { exit: m[1] === '1' ? 1 : 0, said: true };
  const warned = Object.values(rec.warnings ?? {}).some((n) => typeof n === 'number' && n > 0);
  return { exit: warned ? 1 : 0, said: false };
}

/**
 * The kept job's record once its partial is published as its archive: the state tar's exit
 * gives, the archive's size, no longer kept, and a reason saying when, by whom and why it had
 * been kept. The old reason's kept clause goes (keptArchive reads it in records without `kept`).
 */
export function publishedKeptRecord(rec: JobRecord, o: { at: Date; by: string; bytes: number; renamed?: { unflushed?: string } }): JobRecord {
  const { exit, said } = keptTarExit(rec);
  const old = rec.reason ?? '';
  const cut = old.indexOf(`: ${KEPT_PARTIAL}`);
  const why = clipWords(cut >= 0 ? old.slice(0, cut) : old);
  const exitWhy = said ? '' : ` tar's exit (${exit}) is taken from the warnings its log holds: the job's line did not reach it.`;
  const how = o.renamed ? ' (renamed with mv -n: the backups directory holds no hard links)' : '';
  const unflushed = o.renamed?.unflushed !== undefined ? ` Its new name could not be flushed to disk (${clipWords(o.renamed.unflushed)}): the host going down before its own flush could lose it.` : '';
  const { kept: _kept, ...rest } = rec;
  return {
    ...rest,
    state: stateOfExit(exit, false),
    exitCode: exit,
    archiveBytes: o.bytes,
    reason:
      `published as ${rec.archive}${how} on ${catalogTime(o.at.toISOString())} by ${o.by}, from the finished archive the job had kept as its partial (${why || 'the job did not say why'}).` +
      `${exitWhy}${unflushed} It has no checksum file: validate it before relying on it`,
  };
}

/** What the operator is told when `name` is no kept partial, by what it is. */
function notKept(node: string, dir: string, name: string, names: ReadonlySet<string>, partials: CatalogKeptPartial[]): PublishKeptError {
  const where = `${dir}/${name} on ${node}`;
  const others = partials.length ? ` The kept partials there: ${partials.map((k) => k.name).join(', ')}.` : ' There is no kept partial there.';
  if (!names.has(name)) return new PublishKeptError(`${where} does not exist.${others}`);
  const r = roleOf(name);
  if (!r || r.role.role !== 'partial') return new PublishKeptError(`${where} is not a partial archive (<archive>.partial).${others}`);
  return new PublishKeptError(
    `${where} is not a finished archive its backup job kept: its job is still running, did not keep it (a partial of a failed or cancelled job is a leftover), or has no readable record ("gluster-backup list" says which).${others}`,
  );
}

/** `name` as a partial's: the archive's name is taken for its partial's. */
export function partialNameOf(name: string): string {
  return name.endsWith('.partial') ? name : `${name}.partial`;
}

/**
 * The node whose `dir` holds the kept partial `name`, when none is named: the one node with it,
 * else an error saying which have it or which kept partials there are.
 */
export async function nodeOfKept(cluster: Cluster, dir: string, name: string): Promise<string> {
  const c = await readCatalog(cluster, dir);
  const having = c.nodes.filter((n) => n.keptPartials.some((k) => k.name === name)).map((n) => n.node);
  if (having.length === 1) return having[0];
  if (having.length > 1) throw new PublishKeptError(`${name} is a kept partial on ${having.join(', ')}: name the node (--node)`);
  const all = c.nodes.flatMap((n) => n.keptPartials.map((k) => `${k.name} on ${n.node}`));
  const unread = c.nodes.filter((n) => n.error).map((n) => `${n.node} (${n.error})`);
  throw new PublishKeptError(
    `no node has a kept partial ${name} in ${c.dir}.${all.length ? ` The kept partials there: ${all.join(', ')}.` : ' There is no kept partial there.'}${unread.length ? ` Not read: ${unread.join('; ')}.` : ''}`,
  );
}

/** The kept partial `name` of `dir` on the node as the catalog reads it now, or the error saying what that name is instead. */
export async function keptPartialNamed(conn: NodeConnection, node: string, dir: string, name: string): Promise<{ k: CatalogKeptPartial; dir: string }> {
  const entries = await conn.listDir(dir);
  const cat = await catalogOfListing(conn, node, dir, entries);
  if (cat.error) throw new PublishKeptError(`${dir} on ${node} could not be read: ${cat.error}`);
  const k = cat.keptPartials.find((p) => p.name === name);
  if (!k) throw notKept(node, cat.dir, name, new Set(entries.map((e) => e.name)), cat.keptPartials);
  return { k, dir: cat.dir };
}

/** Publishes the kept partial `name` of `dir` on `node` under its job's archive name (see the file's comment). */
export async function publishKept(cluster: Cluster, node: string, dir: string, name: string, o: { now?: () => Date; by: string }): Promise<PublishKeptResult> {
  const conn = cluster.connection(node);
  const { k, dir: tidy } = await keptPartialNamed(conn, node, dir, name);
  const archive = `${tidy}/${k.archive}`;
  const docker = await conn.docker();
  const container = cluster.settings.containerName;
  const t = cluster.settings.timeouts;
  // A flush of a whole archive the page cache still holds dirty takes as long as the disk needs.
  const r = await execInContainer(docker, container, ['sh', '-c', PUBLISH_KEPT_SH, 'publish', k.path, archive, tidy], Math.max(t.dockerMs, 30 * 60_000));
  const said = r.stdout.trim();
  if (r.exitCode !== 0) throw new PublishKeptError(containerRefusal(node, container, k, archive, r.exitCode, said, r.stderr));
  // A directory without hard links: the partial was renamed, and its name is gone.
  const renamed = /^renamed(?: unflushed: ([\s\S]*))?$/.exec(said);
  const bytes = (await conn.stat(archive))?.size ?? k.bytes;
  const jobFile = `${tidy}/${jobStem(k.archive)}${JOB_SUFFIX}`;
  const rec = await readJobFile(conn, jobFile, node);
  if (!rec || !keptArchive(rec) || rec.partial !== k.path) {
    // Not renamed back: a partial beside a record that no longer says kept is a leftover to prune.
    throw new PublishKeptError(`${k.path} is ${renamed ? 'renamed' : 'linked'} as ${archive}, but the record of its job, ${jobFile}, no longer says it kept it (another client published it meanwhile?): nothing else was changed`);
  }
  const job = publishedKeptRecord(rec, { at: (o.now ?? (() => new Date()))(), by: o.by, bytes, ...(renamed ? { renamed: renamed[1] !== undefined ? { unflushed: renamed[1] } : {} } : {}) });
  try {
    await conn.writeAtomic(jobFile, serializeJobFile(job));
  } catch (e) {
    const why = (e as Error).message;
    const full = isFull(await conn.freeBytes(tidy).catch(() => undefined)) || FULL.test(why);
    if (renamed) {
      // Renamed, the record not rewritten: the partial's name back, so the job is kept as before
      // and nothing is left that only a human can mend (a run again would find no partial).
      const back = await renameBack(docker, container, conn, archive, k.path, t.dockerMs);
      throw new PublishKeptError(`${k.path} was renamed ${archive}, but its job's record ${jobFile} could not be rewritten (${clipWords(why)}): ${back}${full ? `; the backups directory is full: free space in ${tidy}, then publish again` : ''}`);
    }
    // Linked, the record not rewritten: the partial stays, and a run again finishes from the link.
    const free = full ? `; the backups directory is full: free space in ${tidy}, then` : ';';
    throw new PublishKeptError(`${k.path} is linked as ${archive}, but its job's record ${jobFile} could not be rewritten (${clipWords(why)})${free} run publish-kept again: it finishes from the link (the record still says kept)`);
  }
  // Its second name, now the archive's file under its own: the record says the job is final.
  await conn.remove(k.path).catch(() => undefined);
  return { node, partial: k.path, archive, bytes, job, resumed: said === 'again', renamed: !!renamed };
}

/**
 * A renamed partial given its name back (mv -n in the container, never over a file), and what
 * came of it in the operator's words: the files, not mv's exit, decide (it differs between versions).
 */
async function renameBack(docker: Docker, container: string, conn: NodeConnection, archive: string, partial: string, ms: number): Promise<string> {
  const r = await execInContainer(docker, container, ['mv', '-n', '--', archive, partial], ms).catch((e: Error) => ({ exitCode: -1, stdout: '', stderr: e.message }));
  const [a, p] = await Promise.all([conn.stat(archive).catch(() => null), conn.stat(partial).catch(() => null)]);
  if (p && !a) return `it was renamed back to ${partial}, nothing else was changed (the record still says kept)`;
  return `renaming it back failed (${clipWords(r.stderr.trim() || `exit ${r.exitCode}`)}): the archive is ${archive} now and its job's record still says it kept it as ${partial}; check the node before anything else`;
}

/** What ln, sync or SFTP say of a full filesystem. */
const FULL = /No space left on device|Disk quota exceeded|ENOSPC/i;

/** Why the container did not publish it, in the operator's words; nothing was changed but a link made. */
export function containerRefusal(node: string, container: string, k: CatalogKeptPartial, archive: string, code: number, said: string, stderr: string): string {
  const words = clipWords(said.replace(/^[a-z]+: /, '') || stderr.trim() || `exit ${code}`);
  switch (code) {
    case 15:
      return `the ${container} container on ${node} does not see ${k.path.slice(0, k.path.lastIndexOf('/'))} (it is not mounted into the container), where the archive is published as its backup job would have: nothing was changed. On the node, ln ${k.path} ${archive} and then rm ${k.path} publish it by hand (its job's record then still says kept)`;
    case 10:
      return `${k.path} is gone from ${node} (another client published or removed it meanwhile): nothing was done`;
    case 11:
      return `${k.path} could not be flushed to disk (${words}): it was not published. Check the disk of ${node}; the partial stays as it is`;
    case 12:
      return `${archive} exists on ${node} (another archive): ${k.name} is never published over it. Move that archive away or prune it, then publish again; or copy ${k.name} to a name no file in the backups directory has (the next -N of its day) by hand, its job's record then staying with the other archive's name`;
    case 13:
      return FULL.test(words)
        ? `${k.path} could not be linked as ${archive}: the backups directory on ${node} is full (${words}); free space there and publish again, nothing was changed`
        : `${k.path} could be neither linked nor renamed as ${archive} in the ${container} container (${words}): nothing was changed; check the backups directory's filesystem and permissions on ${node}`;
    case 14:
      return `${k.path} is linked as ${archive}, but the directory could not be flushed to disk (${words}): run the publish again once the disk of ${node} is checked; the record still says kept`;
    default:
      return `publishing ${k.path} in the ${container} container on ${node} failed (${words}): nothing was changed`;
  }
}
