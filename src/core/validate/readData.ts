// validate-backup --read-data: the data of every regular-file member (or of the next slice, with
// --read-data-subset) against the same file in the live gluster filesystem, read and compared
// by GNU tar inside the gluster container (`tar --compare`): one process for all members, no
// archive or file byte through the client, only member names and verdicts. Which side is at
// fault when a member's data differs although its size and mtime agree is told by the archive's
// checksum file: when the archive still matches it, the live file changed behind an unchanged
// size and mtime; when it does not, the archive is damaged and that member is where.
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { pathFields, storedNamesOf } from '../archive/entryTable';
import type { TarIndexResult } from '../archive/tarIndex';
import { execStreaming } from '../docker/execStream';
import { isNotFound, type NodeConnection } from '../node/nodeConnection';
import { mismatchText, type ChecksumCheck } from './checksum';
import { MAX_READ_DATA_STATE_BYTES, ReadDataStateError, nextSlice, parseReadDataState, readDataStatePathOf, serializeReadDataState, stateAfter, type ReadDataState, type Slice } from './readDataState';
import { stopTagged, tagged } from '../docker/tagged';
import { NAMES_UNOPENED, TarCompareFormatError, TarCompareParser, TAR_COMPARE_ENV, archiveTroubleIn, notFoundIn, tarCompareArgv } from './tarCompare';
import { writeBesideArchive } from '../catalog/sidecar';
import type { HeldReadDataLock } from './takeReadDataLock';
import { readDataNamesPathOf } from './readDataNames';

export interface ReadDataProgress {
  members: number;
  membersTotal: number;
  bytes: number;
  bytesTotal: number;
}

export interface ReadDataPath {
  path: string;
  pathBase64?: string;
}

export interface ReadDataResult {
  /** Regular-file members of the archive. */
  members: number;
  /** This run's members: [from, to) in archive order (all of them without a subset). */
  from: number;
  to: number;
  /** Members tar reached, and their bytes. */
  checked: number;
  bytesChecked: number;
  subset?: { percent: number; run: number; restarted: boolean; cycleComplete: boolean; stateFile: string; lockFile: string; saved: boolean; saveError?: string };
  /** ok: every member's data as in the live file; differs: some differ behind the same size and mtime; damaged: the archive is. */
  verdict: 'ok' | 'differs' | 'damaged';
  /** Members whose data differs although size and mtime agree (at most maxListed; all counted). */
  contentDiffers: { count: number; items: ReadDataPath[]; omitted: number };
  /** Members whose data differs with their size or mtime: changed the ordinary way (validate lists them). */
  changedCount: number;
  /** Members no longer in the live filesystem. */
  goneCount: number;
  /** Why the archive is judged damaged, with the member or the byte offset. */
  damage?: { message: string; offset?: number; member?: ReadDataPath };
  cautions: string[];
  ms: number;
}

export class ReadDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadDataError';
  }
}

/** Silence of tar past this while it compares one member is a hung run: 10 MB/s is the floor. */
function idleFor(biggestMember: number, idleMs: number): number {
  return Math.max(idleMs, 60_000 + Math.ceil(biggestMember / 10_000));
}

async function readState(conn: NodeConnection, file: string): Promise<{ state?: ReadDataState; caution?: string }> {
  let buf: Buffer;
  try {
    const st = await conn.stat(file);
    if (!st) return {};
    buf = await conn.read(file, 0, Math.min(st.size, MAX_READ_DATA_STATE_BYTES + 1));
  } catch (e) {
    if (isNotFound(e)) return {};
    throw e;
  }
  try {
    return { state: parseReadDataState(buf) };
  } catch (e) {
    if (e instanceof ReadDataStateError && /newer gluster-backup/.test(e.message)) throw new ReadDataError(`${file}: ${e.message}`);
    return { caution: `${file} could not be used (${(e as Error).message}): the subset cycle starts over` };
  }
}

export interface ReadDataArgs {
  conn: NodeConnection;
  docker: Docker;
  container: string;
  node: string;
  archive: string;
  archiveBytes: number;
  /** The gluster filesystem as the container sees it: where the members are compared. */
  root: string;
  index: TarIndexResult;
  /** The archive against its checksum file, running meanwhile. */
  checksum: Promise<ChecksumCheck>;
  /** Basis points of the members per run; absent: all of them. */
  subset?: number;
  /** The subset runs' lock of the archive, held by this run (takeReadDataLock): a subset needs it. */
  lock?: HeldReadDataLock;
  maxListed?: number;
  idleMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: ReadDataProgress) => void;
  now?: () => Date;
}

export async function readArchiveData(a: ReadDataArgs): Promise<ReadDataResult> {
  const t0 = Date.now();
  const t = a.index.entries;
  // The regular-file rows in archive order, as row numbers: a million names as strings would
  // be most of the command's memory.
  let fileCount = 0;
  for (let i = 0; i < t.length; i++) if (t.type(i) === 'file') fileCount++;
  const files = new Uint32Array(fileCount);
  for (let i = 0, k = 0; i < t.length; i++) if (t.type(i) === 'file') files[k++] = i;
  const cautions: string[] = [];
  const stateFile = readDataStatePathOf(a.archive);
  let slice: Slice = { from: 0, to: files.length, nextPosition: 0, run: 1, restarted: false };
  if (a.subset !== undefined) {
    // Two runs at once would read the same position: only the holder of the lock reads it.
    if (!a.lock) throw new ReadDataError(`${a.archive}: a --read-data-subset run without the archive's read-data lock`);
    const { state, caution } = await readState(a.conn, stateFile);
    if (caution) cautions.push(caution);
    slice = nextSlice(state, a.archiveBytes, files.length, a.subset);
  }
  // Cumulative bytes: the k-th member tar reports is the k-th of the slice (both in archive order).
  const cum = new Float64Array(slice.to - slice.from + 1);
  let biggest = 0;
  for (let i = slice.from; i < slice.to; i++) {
    const size = t.size(files[i]);
    cum[i - slice.from + 1] = cum[i - slice.from] + size;
    biggest = Math.max(biggest, size);
  }
  const total = { members: slice.to - slice.from, bytes: cum[cum.length - 1] };
  const progress = (done: number) => a.onProgress?.({ members: done, membersTotal: total.members, bytes: cum[Math.min(done, total.members)], bytesTotal: total.bytes });

  const parser = new TarCompareParser(a.maxListed ?? 1000, (done) => progress(done));
  let exitCode = 0;
  let stderr = '';
  if (total.members > 0) {
    progress(0);
    const namesFile = readDataNamesPathOf(a.archive, randomBytes(4).toString('hex'));
    await a.conn.writeAtomic(namesFile, storedNamesOf(t, files.subarray(slice.from, slice.to), a.index.dotSlashNames ?? 0));
    // Tagged: ending the exec's stream (a cancel, Ctrl-C, output that cannot be read) does not
    // end tar, which would read the whole archive and volume on in the container.
    const compare = tagged(tarCompareArgv(a.archive, a.root, namesFile));
    try {
      const r = await execStreaming(a.docker, a.container, compare.argv, {
        env: TAR_COMPARE_ENV,
        idleMs: idleFor(biggest, a.idleMs ?? 120_000),
        onStdout: (b) => parser.push(b),
        ...(a.signal ? { signal: a.signal } : {}),
      }).catch(async (e: unknown) => {
        await stopTagged(a.docker, a.container, compare.tag, 10_000).catch(() => undefined);
        if (e instanceof TarCompareFormatError) throw new ReadDataError(`tar --compare's output for ${a.archive} cannot be read: ${e.message}`);
        throw e;
      });
      parser.end();
      exitCode = r.exitCode;
      stderr = r.stderr;
    } finally {
      // The shell in the container removed it once tar had it open; not when it never ran.
      await a.conn.remove(namesFile).catch(() => undefined);
    }
    // The list beside the archive, or the archive, not there in the container.
    if ((stderr.startsWith(NAMES_UNOPENED) || /Cannot open: No such file/.test(stderr)) && parser.done === 0) {
      throw new ReadDataError(`the gluster container does not see ${a.archive} (its directory is not mounted into the container): --read-data compares in the container`);
    }
  }
  const sum = await a.checksum;

  const gone = (stderr.match(/Warning: Cannot stat: No such file or directory$/gm) ?? []).length;
  const missingFromTar = notFoundIn(stderr);
  if (missingFromTar) cautions.push(`tar did not find ${missingFromTar} member(s) of the index in the archive: those were not compared`);
  const trouble = archiveTroubleIn(stderr);
  const otherErrors = stderr
    .split('\n')
    .filter((l) => l.trim() && !/Warning: Cannot stat: No such file or directory$|: Not found in archive$|Exiting with failure status/.test(l) && l !== trouble && !l.endsWith(trouble ?? '\0'));
  if (exitCode > 1 && !trouble && !parser.problem && !missingFromTar) cautions.push(`tar --compare exited with status ${exitCode}: ${otherErrors.slice(0, 3).join('; ') || 'no message'}`);
  else if (otherErrors.length) cautions.push(`tar --compare reported ${otherErrors.length} problem(s) reading the live files (those were not compared): ${otherErrors.slice(0, 3).join('; ')}`);
  if (sum.state === 'absent' && parser.contentOnlyCount > 0) cautions.push('there is no checksum beside the archive, so a member whose data differs may be a damaged archive as well as a changed file');

  let damage: ReadDataResult['damage'];
  if (parser.problem) {
    damage = { message: parser.problem.message, offset: parser.problem.offset, ...(parser.problem.after !== undefined ? { member: pathFields(parser.problem.after) } : {}) };
  } else if (trouble) {
    const after = parser.contentOnly.length ? parser.contentOnly[0] : undefined;
    damage = { message: `tar: ${trouble}`, ...(after !== undefined ? { member: pathFields(after) } : {}) };
  } else if (sum.state === 'mismatch') {
    const first = parser.contentOnly[0];
    damage = first !== undefined
      ? { message: `${mismatchText(a.archive)}; the data of ${parser.contentOnlyCount === 1 ? 'member' : `${parser.contentOnlyCount} members, first`} ${pathFields(first).path} is not what the archive held`, member: pathFields(first) }
      : { message: `${mismatchText(a.archive)}; no member of ${a.subset !== undefined ? 'this slice' : 'the archive'} differs in its data, so the damage is ${a.subset !== undefined ? 'in another slice or ' : ''}in headers or padding` };
  }
  const verdict: ReadDataResult['verdict'] = damage ? 'damaged' : parser.contentOnlyCount > 0 ? 'differs' : 'ok';

  const result: ReadDataResult = {
    members: files.length,
    from: slice.from,
    to: slice.to,
    checked: parser.done,
    bytesChecked: cum[Math.min(parser.done, total.members)],
    verdict,
    contentDiffers: { count: parser.contentOnlyCount, items: parser.contentOnly.map(pathFields), omitted: parser.contentOnlyCount - parser.contentOnly.length },
    changedCount: parser.changedCount,
    goneCount: gone,
    ...(damage ? { damage } : {}),
    cautions,
    ms: 0,
  };
  if (a.subset !== undefined) {
    // Only a slice checked to its end moves the cycle on: a damaged or cut-short run is checked again.
    const complete = !damage && exitCode <= 1 && parser.done >= total.members;
    const sub: NonNullable<ReadDataResult['subset']> = { percent: a.subset / 100, run: slice.run, restarted: slice.restarted, cycleComplete: complete && slice.nextPosition === 0, stateFile, lockFile: a.lock!.path, saved: false };
    // A lock broken meanwhile (--break-lock) may have let another run read the same position:
    // only the lock's holder moves the cycle on, so the slice is counted once.
    const lost = complete ? await a.lock!.check() : undefined;
    if (lost) sub.saveError = `where this run stopped was not saved: ${lost}`;
    else if (complete) {
      try {
        const notKept = await writeBesideArchive(a.conn, a.archive, stateFile, serializeReadDataState(stateAfter(slice, a.archiveBytes, files.length, (a.now ?? (() => new Date()))())));
        if (notKept) sub.saveError = `where this run stopped could not be saved: ${notKept}`;
        else sub.saved = true;
      } catch (e) {
        sub.saveError = `where this run stopped could not be saved: ${(e as Error).message}`;
      }
    }
    result.subset = sub;
  }
  result.ms = Date.now() - t0;
  return result;
}

/** Exit contribution: 2 damaged, 1 data differs, 0 otherwise. */
export function exitOfReadData(r: ReadDataResult | undefined): number {
  return !r ? 0 : r.verdict === 'damaged' ? 2 : r.verdict === 'differs' ? 1 : 0;
}
