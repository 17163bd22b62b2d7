// What a restore would do, decided before anything is written: the archive's members (its
// header walk) against a listing of the target directory in the gluster filesystem. The dry
// run prints it; the restore refuses by it. Pure: both sides arrive as data.
import type { Refusal } from './refusal';
import { Smallest, type Section } from '../archive/compare';
import { EntryTable, findKey, lastCopies, lowerBound, pathFields, type EntryMeta, type EntryType, type FsEntrySink } from '../archive/entryTable';
import { canonicalKey, keyOf } from '../archive/paths';
import type { TarIndexResult, TarProblem } from '../archive/tarIndex';

/** What to do where an entry the restore would write already exists in the target. */
export type ExistingPolicy = 'refuse' | 'skip' | 'overwrite';
export const EXISTING_POLICIES: readonly ExistingPolicy[] = ['refuse', 'skip', 'overwrite'];

/**
 * write: not in the target; merge: a directory that exists (merged into, never replaced);
 * skip / overwrite: exists, by the policy; conflict: exists and the policy is refuse, or a
 * type clash (a directory on one side, not on the other), which no policy resolves.
 */
export type PlanAction = 'write' | 'merge' | 'skip' | 'overwrite' | 'conflict';

export interface PlanEntry {
  path: string;
  pathBase64?: string;
  type: EntryType;
  /** Bytes the member writes (0 but for regular files). */
  size: number;
  action: PlanAction;
  /** The type of what is in the target at that path, when something is. */
  existing?: EntryType;
}

export interface ConflictItem {
  path: string;
  pathBase64?: string;
  archive: EntryType;
  target: EntryType;
  /** A directory on one side and not on the other: no policy can resolve it. */
  typeClash: boolean;
}

export interface RestorePlan {
  policy: ExistingPolicy;
  /** The include paths as given (relative to the filesystem root), empty for everything. */
  include: string[];
  /** rootEntries: members naming the archive's root (`./`); dotSlashNames: names stored as `./…`. */
  archive: { entries: number; bytes: number; duplicates: number; problem?: TarProblem; bytesRead: number; archiveSize?: number; compressed: boolean; rootEntries: number; dotSlashNames: number };
  /** The members this restore takes (all, or those under the include paths). */
  selected: { entries: number; files: number; dirs: number; symlinks: number; hardlinks: number; other: number; bytes: number };
  write: { count: number; bytes: number };
  overwrite: { count: number; bytes: number };
  skip: { count: number; bytes: number };
  /** Directories that exist and are merged into. */
  merge: number;
  /** Existing entries in the way (listed up to `maxListed`, all counted). */
  conflicts: Section<ConflictItem> & { typeClashes: number };
  /** Bytes of regular files the restore writes: the space it needs. */
  bytesToWrite: number;
  /** Entries in the target that are not in the archive: never touched, told as information. */
  targetOnly: number;
  /** Things the restore would get wrong or that the operator should know. */
  warnings: string[];
  /** Why the restore cannot go ahead as asked; empty when it can. */
  refusals: Refusal[];
  /**
   * Policy skip after an interrupted restore of this archive into this target: the member that
   * restore was writing when it stopped, and whether it is rewritten (it is in the target and
   * differs from the archive: cut short) or kept (it had been finished); `redo`, when there are
   * any, counts the other entries the interrupted restores left unfinished (see redoes), which
   * are overwritten too.
   */
  resume?: { from: string; path: string; pathBase64?: string; rewrite: boolean; redo?: number };
}

export interface PlanOptions {
  policy?: ExistingPolicy;
  include?: string[];
  /** Conflicts listed by name (default 20); all are counted. */
  maxListed?: number;
  /** The last member an interrupted restore started on (policy skip resumes it). */
  resume?: ResumePoint;
}

/**
 * Where an interrupted restore stopped: its id, the last member tar started on, and when tar
 * started on it (the members file's last write, seconds, the node's clock). tar names a member
 * before it decides to skip it, so that member may be a file the restore never touched.
 */
export interface ResumePoint {
  from: string;
  key: string;
  since: number;
  /**
   * When that restore ended (its job record's endedAt, seconds), when the record has it: a file
   * changed after that was changed by someone else (an application), not cut short by tar.
   */
  until?: number;
  /**
   * The last members of the interrupted restores it resumed in turn (newest first), when they
   * ended interrupted too: their directories may still wait for their attributes.
   */
  earlier?: string[];
  /**
   * When the first of those interrupted restores started (seconds): an entry changed before it
   * was in the target before any of them, the operator's. Without it nothing is taken for the
   * restores' own (the listing cannot tell their directories from the operator's).
   */
  start?: number;
}

/**
 * Seconds a file tar was writing may seem older than the line naming it, or newer than the
 * restore's end: the members file's time comes in whole seconds, and a brick on another node
 * stamps with its own clock.
 */
export const RESUME_CLOCK_SLACK_S = 2;

export class RestorePlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RestorePlanError';
  }
}

/**
 * The canonical byte key of an include path, or a RestorePlanError: a path that could name
 * something outside the filesystem root, or nothing, is refused.
 */
export function includeKey(path: string): string {
  const key = relativeKey(path);
  if (key === '') throw new RestorePlanError(`--include "${path}" names the whole filesystem: leave --include out to restore everything`);
  if (hasDotSegment(key)) throw new RestorePlanError(`--include "${path}": give a path relative to the filesystem root, without "." or ".." segments or doubled slashes`);
  if (key.includes('\0')) throw new RestorePlanError(`--include "${path}" holds a NUL byte`);
  return key;
}

/** A path the operator gives, relative to the filesystem's root, as a canonical byte key ('' is the root). */
export function relativeKey(path: string): string {
  return canonicalKey(keyOf(Buffer.from(path, 'utf8')));
}

/** A "." or ".." segment, or an empty one (a doubled slash): the key could name something other than it seems. */
export function hasDotSegment(key: string): boolean {
  return key.split('/').some((seg) => seg === '..' || seg === '.' || seg === '');
}

/**
 * A member name with a "." or ".." segment or a doubled slash inside (a canonical key has none at
 * its ends): tar writes it at another path than it reads (`a/./b` is `a/b`) or refuses it (`..`),
 * so what the plan compared is not what tar would write. Our backups never store one.
 */
export function oddMemberName(key: string): boolean {
  return key === '.' || key === '..' || key.startsWith('../') || key.endsWith('/.') || key.endsWith('/..') || key.includes('/./') || key.includes('/../') || key.includes('//');
}

/** `key` is one of `keys` or lies under one of them: what --include selects. */
export function isUnderAny(key: string, keys: readonly string[]): boolean {
  return keys.some((i) => key === i || (key.startsWith(i) && key.charCodeAt(i.length) === 0x2f));
}

const isDir = (t: EntryType) => t === 'dir';
const NOT_SELECTED = 255;
const selected = (code: number) => code !== NOT_SELECTED;

/**
 * Fed the target's listing one entry at a time (an FsEntrySink: an FsListParser can feed it from
 * find's output), it holds only the archive side and one byte per member.
 */
export class RestorePlanner implements FsEntrySink {
  private readonly A: EntryTable;
  /** Every copy of every member in byte order of the keys, a path's copies in archive order. */
  private readonly all: Uint32Array;
  /** The last copy of each path (the one tar leaves), in the same order: what the plan compares. */
  private readonly rows: Uint32Array;
  private readonly duplicates: number;
  /** Per sorted member: NOT_SELECTED, or 0 until the target shows something there, then its type code + 1. */
  private readonly there: Uint8Array;
  private readonly policy: ExistingPolicy;
  private readonly includes: { path: string; key: string }[];
  private readonly max: number;
  private targetOnly = 0;
  /** Target entries that are not directories with selected members under them, and a few of them. */
  private above = 0;
  private readonly aboveItems: string[] = [];
  /**
   * Every copy of a selected hard link (one per path and link target), sorted by the key of its
   * link target: tar links it to whatever that path is when it comes to it, through every
   * symlink on the way, so where that path lies is checked like a member's own.
   */
  private readonly links: Uint32Array;
  /** Selected hard links whose link target lies under a non-directory of the target. */
  private readonly linksAbove = new Named();
  private readonly resume: ResumePoint | undefined;
  /** Sorted position of the resumed member when the target has it cut short, else -1. */
  private rewrite = -1;
  /** The selected directories above where each interrupted restore stopped (see resumeDirs). */
  private readonly waiting = new Set<string>();
  /** Those of them the target holds as tar makes a directory before it sets its attributes. */
  private readonly unset = new Set<string>();
  /** Sorted positions of the other entries the interrupted restores left unfinished (redoes). */
  private readonly redo = new Set<number>();

  constructor(
    private readonly index: TarIndexResult,
    opts: PlanOptions = {},
  ) {
    this.policy = opts.policy ?? 'refuse';
    this.max = opts.maxListed ?? 20;
    this.resume = this.policy === 'skip' ? opts.resume : undefined;
    this.includes = (opts.include ?? []).map((p) => ({ path: p, key: includeKey(p) }));
    this.A = index.entries;
    this.all = this.A.sortedOrder();
    const { rows, duplicates } = lastCopies(this.A, this.all);
    this.rows = rows;
    this.duplicates = duplicates;
    this.there = new Uint8Array(rows.length);
    if (this.includes.length) {
      const keys = this.includes.map((i) => i.key);
      for (let p = 0; p < rows.length; p++) if (!isUnderAny(this.A.key(rows[p]), keys)) this.there[p] = NOT_SELECTED;
    }
    this.links = this.selectedLinks();
    const r = this.resume;
    for (const key of r ? [r.key, ...(r.earlier ?? [])] : []) {
      for (let i = key.indexOf('/'); i > 0; i = key.indexOf('/', i + 1)) this.waiting.add(key.slice(0, i));
    }
  }

  /** See `links`. A path's copies of the same link target are one: tar makes the same link again. */
  private selectedLinks(): Uint32Array {
    const { A, all } = this;
    const out: number[] = [];
    for (let i = 0; i < all.length; i++) {
      const r = all[i];
      if (A.type(r) !== 'hardlink') continue;
      const key = A.key(r);
      if (!selected(this.there[findKey(A, this.rows, key)])) continue;
      const to = A.linkKey(r);
      let again = false;
      for (let j = i - 1; j >= 0 && !again && A.keyIs(all[j], key); j--) again = A.type(all[j]) === 'hardlink' && A.linkKey(all[j]) === to;
      if (!again) out.push(r);
    }
    const to = (r: number) => A.linkKey(r) ?? '';
    out.sort((a, b) => {
      const x = to(a);
      const y = to(b);
      return x < y ? -1 : x > y ? 1 : a - b;
    });
    return Uint32Array.from(out);
  }

  /** The first position in `links` whose link target is not below `key`. */
  private linksFrom(key: string): number {
    let lo = 0;
    let hi = this.links.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.A.linkKey(this.links[mid]) ?? '') < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }


  socket(): void {
    this.targetOnly++;
  }

  entry(key: string, type: EntryType, size?: number, mtime?: number, _link?: string, meta?: EntryMeta): void {
    const p = findKey(this.A, this.rows, key);
    // A directory of the archive there is a type clash already; else tar would follow a
    // symlink there (out of the paths restored, perhaps out of the volume) or fail on a file,
    // for the members under it and for the hard links to a path under it alike.
    if (type !== 'dir' && !(p >= 0 && selected(this.there[p]) && isDir(this.A.type(this.rows[p])))) {
      this.checkAbove(key, type);
      this.checkLinksAbove(key, type);
    }
    if (p < 0 || !selected(this.there[p])) {
      this.targetOnly++;
      return;
    }
    this.there[p] = TYPES.indexOf(type) + 1;
    if (this.resume?.key === key && type === 'file') {
      const r = this.rows[p];
      // tar sets a file's mtime once its data is written: a cut one has the wrong size or time.
      const differs = size !== this.A.size(r) || mtime === undefined || Math.abs(mtime - this.A.mtime(r)) >= 1;
      // tar names a file it skips as well: one older than that line was there before, the
      // operator's to keep, and is not the restore's to replace; one newer than the restore's
      // end was written since by someone else, and is not the restore's to replace either.
      const { since, until } = this.resume;
      const written = mtime !== undefined && mtime >= since - RESUME_CLOCK_SLACK_S && (until === undefined || mtime <= until + RESUME_CLOCK_SLACK_S);
      if (this.A.type(r) === 'file' && differs && written) this.rewrite = p;
    }
    if (type === 'dir' && this.waiting.has(key) && this.madeByTar(this.rows[p], meta)) this.unset.add(key);
    if (this.resume && p !== this.rewrite && this.redoes(this.rows[p], type, size, mtime, meta)) this.redo.add(p);
  }

  /** `t` (seconds) lies within the interrupted restores, from the first one's start to the last one's end. */
  private duringRestores(t: number | undefined): boolean {
    const r = this.resume;
    if (r?.start === undefined || t === undefined) return false;
    return t >= r.start - RESUME_CLOCK_SLACK_S && (r.until === undefined || t <= r.until + RESUME_CLOCK_SLACK_S);
  }

  /**
   * An entry an interrupted restore left unfinished, which skip would keep: a file whose write
   * failed (a full volume: tar still gives it the archived mtime, then goes on to the next
   * member, so there can be many), told by its size, that mtime and a ctime within the
   * restores; or the empty mode-0 file tar puts where a symlink whose target is absolute or
   * holds ".." goes, replaced by the symlink only at tar's end. An operator's file is neither:
   * one of theirs changed within the restores does not carry the archived mtime, and they make
   * no mode-0 empty file where the archive has a symlink.
   */
  private redoes(r: number, type: EntryType, size: number | undefined, mtime: number | undefined, meta: EntryMeta | undefined): boolean {
    if (type !== 'file' || !this.duringRestores(meta?.ctime)) return false;
    const at = this.A.type(r);
    if (at === 'file') return size !== this.A.size(r) && mtime !== undefined && Math.abs(mtime - this.A.mtime(r)) < 1;
    return at === 'symlink' && size === 0 && meta?.mode === 0 && this.duringRestores(mtime);
  }

  /**
   * A directory as tar run as root leaves one it made and has not left yet: owned by root, with
   * the archived owner bits only (it adds the rest once it leaves it), changed since the first
   * interrupted restore began. Under skip tar never touches a directory that was there, so one
   * in another state is the operator's (or was set since), and a resume leaves it as it is.
   */
  private madeByTar(r: number, meta: EntryMeta | undefined): boolean {
    const start = this.resume?.start;
    const archived = this.A.meta(r)?.mode;
    if (start === undefined || archived === undefined || meta?.mode === undefined || meta.ctime === undefined) return false;
    return meta.mode === (archived & 0o700) && meta.uid === 0 && meta.ctime >= start - RESUME_CLOCK_SLACK_S;
  }

  /** Counts `key` when a selected member lies under it (members under `key/` sort together). */
  private checkAbove(key: string, type: EntryType): void {
    const prefix = key + '/';
    for (let q = lowerBound(this.A, this.rows, prefix); q < this.rows.length; q++) {
      if (!this.A.key(this.rows[q]).startsWith(prefix)) return;
      if (!selected(this.there[q])) continue;
      this.above++;
      if (this.aboveItems.length < 5) this.aboveItems.push(`${pathFields(key).path} (${type})`);
      return;
    }
  }

  /**
   * Counts the selected hard links whose link target lies under `key` (link targets under
   * `key/` sort together). find does not go down a symlink, so nothing under it is listed:
   * tar would link through it to a file out of the paths restored (anywhere in the volume).
   */
  private checkLinksAbove(key: string, type: EntryType): void {
    const prefix = key + '/';
    for (let q = this.linksFrom(prefix); q < this.links.length; q++) {
      const r = this.links[q];
      const to = this.A.linkKey(r) ?? '';
      if (!to.startsWith(prefix)) return;
      this.linksAbove.add(() => `${pathFields(this.A.key(r)).path} -> ${pathFields(to).path} under ${pathFields(key).path} (${type})`);
    }
  }

  /**
   * The outermost path above `key` that the archive stores, in any copy, as a non-directory,
   * with the types of its copies in archive order; undefined when there is none.
   */
  private nonDirAbove(key: string): { key: string; types: string } | undefined {
    const { A, all } = this;
    for (let i = key.indexOf('/'); i > 0; i = key.indexOf('/', i + 1)) {
      const prefix = key.slice(0, i);
      const types: EntryType[] = [];
      for (let q = lowerBound(A, all, prefix); q < all.length && A.keyIs(all[q], prefix); q++) {
        const t = A.type(all[q]);
        if (!types.includes(t)) types.push(t);
      }
      if (types.some((t) => !isDir(t))) return { key: prefix, types: types.join(', then ') };
    }
    return undefined;
  }

  /**
   * The selected hard links whose link target lies under a path the archive stores as a
   * non-directory: tar makes that symlink (or file) first, then links through it. In order of
   * their link targets.
   */
  private linksUnderArchive(): Named {
    const under = new Named();
    for (const r of this.links) {
      const to = this.A.linkKey(r) ?? '';
      const over = this.nonDirAbove(to);
      if (over) under.add(() => `${pathFields(this.A.key(r)).path} -> ${pathFields(to).path} under ${pathFields(over.key).path} (${over.types})`);
    }
    return under;
  }

  /**
   * The selected hard links whose link target is not a member this restore takes before them:
   * tar links to whatever that path is when it comes to the link, in the target (an operator's
   * file) when the restore has not written it, and fails (exit 2) when nothing is there.
   * `unstored`: the archive has no copy of that path before the link (none at all, or only
   * after it; tar never writes such an archive); `untaken`: it has, outside the included paths.
   */
  private linksNotTaken(): { unstored: Named; untaken: Named } {
    const { A, all, rows } = this;
    const unstored = new Named();
    const untaken = new Named();
    const item = (r: number, to: string) => () => `${pathFields(A.key(r)).path} -> ${pathFields(to).path}`;
    for (const r of this.links) {
      const to = A.linkKey(r) ?? '';
      // A path's copies are in archive order in `all`: the first is the earliest.
      const q = lowerBound(A, all, to);
      if (q >= all.length || !A.keyIs(all[q], to) || all[q] >= r) unstored.add(item(r, to));
      else if (!selected(this.there[findKey(A, rows, to)])) untaken.add(item(r, to));
    }
    return { unstored, untaken };
  }

  private actionOf(p: number): { action: PlanAction; existing?: EntryType; clash: boolean } {
    const code = this.there[p];
    if (code === 0) return { action: 'write', clash: false };
    const existing = TYPES[code - 1];
    const at = this.A.type(this.rows[p]);
    const clash = isDir(at) !== isDir(existing);
    if (clash) return { action: 'conflict', existing, clash };
    if (isDir(at)) return { action: 'merge', existing, clash };
    if (p === this.rewrite || this.redo.has(p)) return { action: 'overwrite', existing, clash };
    return { action: this.policy === 'refuse' ? 'conflict' : this.policy, existing, clash };
  }

  /**
   * What a resume sets again once tar is done, parents first: the selected directories above the
   * member each interrupted restore was on that the target holds as tar made them (madeByTar).
   * tar sets a directory's mode, owner and time once it moves past it, so only those still have
   * the ones it made them with; every other directory is as tar or the operator left it (one
   * that was there before is one tar under skip never touched), and a skip leaves it so.
   */
  resumeDirs(): string[] {
    if (!this.resume) return [];
    const out: string[] = [];
    for (const k of [...this.unset].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
      const p = findKey(this.A, this.rows, k);
      if (p >= 0 && selected(this.there[p]) && isDir(this.A.type(this.rows[p]))) out.push(k);
    }
    return out;
  }

  /** What a resume removes before tar writes it whole, beside the resumed member: see redoes. */
  resumeRedo(): string[] {
    return [...this.redo].sort((a, b) => a - b).map((p) => this.A.key(this.rows[p]));
  }

  /**
   * What the archive does to itself, seen across every copy of every member (the plan compares
   * only the last): the selected members under a path it stores, in any copy, as a non-directory,
   * the selected paths stored as different types, and those stored more than once as one type.
   * tar makes a symlink member whose target
   * is relative and has no ".." at once (no placeholder), so a later member under it is written
   * through it, wherever it leads; and of a path stored as a symlink and then as a directory,
   * --keep-old-files and --skip-old-files keep the symlink and write through it all the same.
   */
  private archiveShape(): { under: Named; mixed: Named; repeated: Named } {
    const { A, all } = this;
    const under = new Named();
    const mixed = new Named();
    const repeated = new Named();
    // The keys stored as non-directories that are byte prefixes of the current key, outermost
    // first. Every key that sorts between `k` and a key under `k/` starts with `k`, so a key
    // that is not a prefix of the current one is a prefix of no later one either.
    const above: { key: string; types: string }[] = [];
    // i walks every copy; p the paths, as lastCopies keeps one row per path in the same order.
    for (let i = 0, p = 0; i < all.length; p++) {
      const first = all[i];
      const key = A.key(first);
      const types: EntryType[] = [];
      const start = i;
      for (; i < all.length && (all[i] === first || A.compareRows(all[i], first) === 0); i++) {
        const t = A.type(all[i]);
        if (!types.includes(t)) types.push(t);
      }
      while (above.length && !key.startsWith(above[above.length - 1].key)) above.pop();
      // Only a path named in a refusal or kept on the stack needs its types spelled out: built
      // per member, the words were millions of strings thrown away on a large archive.
      const kinds = () => types.join(', then ');
      if (selected(this.there[p])) {
        const over = above.find((s) => key.charCodeAt(s.key.length) === 0x2f);
        if (over) under.add(() => `${pathFields(key).path} under ${pathFields(over.key).path} (${over.types})`);
        if (types.length > 1) mixed.add(() => `${pathFields(key).path} (${kinds()})`);
        else if (i - start > 1) repeated.add(() => `${pathFields(key).path} (${i - start} copies)`);
      }
      if (types.some((t) => !isDir(t))) above.push({ key, types: kinds() });
    }
    return { under, mixed, repeated };
  }

  /** Every selected member with its action, in byte order of the paths. */
  *entries(): Generator<PlanEntry> {
    for (let p = 0; p < this.rows.length; p++) {
      if (!selected(this.there[p])) continue;
      const r = this.rows[p];
      const t = this.A.type(r);
      const a = this.actionOf(p);
      yield { ...pathFields(this.A.key(r)), type: t, size: t === 'file' ? this.A.size(r) : 0, action: a.action, ...(a.existing ? { existing: a.existing } : {}) };
    }
  }

  finish(): RestorePlan {
    const { A, rows, index } = this;
    const sel = { entries: 0, files: 0, dirs: 0, symlinks: 0, hardlinks: 0, other: 0, bytes: 0 };
    const tally = { write: { count: 0, bytes: 0 }, overwrite: { count: 0, bytes: 0 }, skip: { count: 0, bytes: 0 } };
    let merge = 0;
    let archiveBytes = 0;
    let typeClashes = 0;
    const conflicts = new Smallest<ConflictItem>(this.max);
    const odd: string[] = [];
    let oddCount = 0;
    const overwritten: number[] = [];
    for (let p = 0; p < rows.length; p++) {
      const r = rows[p];
      const t = A.type(r);
      if (t === 'file') archiveBytes += A.size(r);
      if (!selected(this.there[p])) continue;
      const k = A.key(r);
      if (oddMemberName(k)) {
        oddCount++;
        if (odd.length < 5) odd.push(pathFields(k).path);
      }
      const size = t === 'file' ? A.size(r) : 0;
      sel.entries++;
      if (t === 'file') (sel.files++, (sel.bytes += size));
      else if (t === 'dir') sel.dirs++;
      else if (t === 'symlink') sel.symlinks++;
      else if (t === 'hardlink') sel.hardlinks++;
      else sel.other++;
      const a = this.actionOf(p);
      if (a.action === 'merge') merge++;
      else if (a.action === 'conflict') {
        if (a.clash) typeClashes++;
        const key = A.key(r);
        conflicts.add(key, size, () => ({ ...pathFields(key), archive: t, target: a.existing!, typeClash: a.clash }));
      } else {
        tally[a.action].count++;
        tally[a.action].bytes += size;
        if (a.action === 'overwrite') overwritten.push(keyHash(k));
      }
    }
    const { unstored, untaken } = this.linksNotTaken();
    const conflictSection = conflicts.section();
    const refusals: Refusal[] = [];
    const warnings: string[] = [];
    if (index.problem) {
      // A truncated archive, or a gzip stream that fails, ends tar where the walk stopped: tar
      // writes what the plan saw. Past a corrupt tar header tar looks for the next one and goes on.
      const goesOn = index.problem.kind === 'corrupt' && index.problem.compressedOffset === undefined;
      refusals.push({ check: goesOn ? 'corrupt' : 'archive', message: `the archive is ${index.problem.kind} at offset ${index.problem.offset}: ${index.problem.message}` });
    }
    for (const i of this.includes) {
      // Members under a directory sort right after `dir/`: one lookup each.
      const under = lowerBound(A, rows, i.key + '/');
      const any = findKey(A, rows, i.key) >= 0 || (under < rows.length && A.key(rows[under]).startsWith(i.key + '/'));
      if (!any) refusals.push({ check: 'include', message: `--include ${i.path}: not in the archive` });
    }
    if (typeClashes) {
      refusals.push({
        check: 'type-clash',
        message: `${typeClashes} ${typeClashes === 1 ? 'entry is' : 'entries are'} a directory on one side and not on the other (archive and target): no policy replaces them; move them aside or restore under --target`,
      });
    }
    if (oddCount) {
      refusals.push({
        check: 'names',
        message: `${oddCount} archive ${oddCount === 1 ? 'member has a name' : 'members have names'} with a "." or ".." segment or a doubled slash (${odd.join('; ')}${oddCount > odd.length ? '; …' : ''}): tar would write ${oddCount === 1 ? 'it' : 'them'} elsewhere than the plan compared, or refuse ${oddCount === 1 ? 'it' : 'them'}; our backups never store such names`,
      });
    }
    // No reason lifts these: what tar would write, and where, is not what the plan compared.
    const shape = this.archiveShape();
    if (shape.under.count) {
      const n = shape.under.count;
      refusals.push({
        check: 'archive-types',
        message: `${n} archive ${n === 1 ? 'member lies' : 'members lie'} under a path the archive itself stores as a symlink, file or other non-directory (${shape.under.text()}): tar would make that path first and then write through it, out of the paths restored and perhaps out of the volume, or fail on it; extract this archive by hand`,
      });
    }
    if (shape.mixed.count) {
      const n = shape.mixed.count;
      refusals.push({
        check: 'archive-types',
        message: `${n} ${n === 1 ? 'path is' : 'paths are'} stored in the archive as different types (${shape.mixed.text()}): which copy tar leaves depends on --existing, and it can keep a symlink and write the members under it through it; extract this archive by hand`,
      });
    }
    const linksUnder = this.linksUnderArchive();
    if (linksUnder.count) {
      const n = linksUnder.count;
      refusals.push({
        check: 'archive-types',
        message: `${n} hard ${n === 1 ? 'link' : 'links'} of the archive ${n === 1 ? 'points' : 'point'} under a path the archive itself stores as a symlink, file or other non-directory (${linksUnder.text()}): tar would make that path first and then link through it, giving a file out of the paths restored, anywhere in the volume, a second name (a write to one is a write to the other), or fail on it; extract this archive by hand`,
      });
    }
    if (unstored.count) {
      const n = unstored.count;
      refusals.push({
        check: 'archive-types',
        message: `${n} hard ${n === 1 ? 'link' : 'links'} of the archive ${n === 1 ? 'points' : 'point'} at a path the archive does not store before ${n === 1 ? 'it' : 'them'} (${unstored.text()}): tar would link ${n === 1 ? 'it' : 'them'} to whatever the target holds at that path, an entry the restore neither writes nor compares, or fail on ${n === 1 ? 'it' : 'them'}; extract this archive by hand`,
      });
    }
    // tar extracts every copy in turn: --keep-old-files fails at the second ("File exists", exit
    // 2) with part of the tree written, --skip-old-files keeps the first (a directory's mode and
    // time too) while the verification compares the last. Overwrite leaves the last, as planned.
    if (shape.repeated.count && this.policy !== 'overwrite') {
      const n = shape.repeated.count;
      const what = this.policy === 'refuse' ? 'with --existing refuse tar fails at the second copy, having written part of the tree' : 'with --existing skip tar keeps the first copy and the verification expects the last';
      refusals.push({
        check: 'duplicates',
        message: `${n} ${n === 1 ? 'path is' : 'paths are'} stored more than once in the archive (${shape.repeated.text()}): ${what}; choose --existing overwrite (the last copy is restored, as the verification expects)`,
      });
    }
    if (this.above) {
      refusals.push({
        check: 'type-clash',
        message: `${this.above} ${this.above === 1 ? 'entry' : 'entries'} of the target ${this.above === 1 ? 'is not a directory' : 'are not directories'} where the archive has members under ${this.above === 1 ? 'it' : 'them'} (${this.aboveItems.join('; ')}${this.above > this.aboveItems.length ? '; …' : ''}): tar would write through a symlink, out of the paths restored, or fail on a file; move them aside or restore under --target`,
      });
    }
    if (this.linksAbove.count) {
      const n = this.linksAbove.count;
      refusals.push({
        check: 'type-clash',
        message: `${n} hard ${n === 1 ? 'link' : 'links'} of the archive ${n === 1 ? 'points' : 'point'} under an entry of the target that is not a directory (${this.linksAbove.text()}): tar would link through a symlink, giving a file out of the paths restored, anywhere in the volume, a second name (a write to one is a write to the other), or fail on a file; move them aside or restore under --target`,
      });
    }
    const plain = conflictSection.count - typeClashes;
    if (this.policy === 'refuse' && plain > 0) {
      refusals.push({
        check: 'in-the-way',
        message: `${plain} ${plain === 1 ? 'file or link' : 'files or links'} the restore would write already exist in the target: choose --existing skip (keep them) or --existing overwrite (replace them), or restore under --target`,
      });
    }
    if (untaken.count) {
      const n = untaken.count;
      refusals.push({
        check: 'include',
        message: `${n} hard ${n === 1 ? 'link points at a file' : 'links point at files'} outside the included paths (${untaken.text()}): tar would link ${n === 1 ? 'it' : 'them'} to whatever the target holds at that path, an entry the restore neither writes nor compares, or fail on ${n === 1 ? 'it' : 'them'}; add those files with --include`,
      });
    }
    if (this.duplicates && !refusals.some((x) => x.check === 'duplicates')) warnings.push(`${this.duplicates} paths are stored more than once in the archive: the last copy is the one restored`);
    const plan: RestorePlan = {
      policy: this.policy,
      include: this.includes.map((i) => i.path),
      archive: {
        entries: rows.length,
        bytes: archiveBytes,
        duplicates: this.duplicates,
        ...(index.problem ? { problem: index.problem } : {}),
        bytesRead: index.bytesRead,
        ...(index.archiveSize !== undefined ? { archiveSize: index.archiveSize } : {}),
        compressed: index.compressed,
        rootEntries: index.rootEntries,
        dotSlashNames: index.dotSlashNames ?? index.rootEntries,
      },
      selected: sel,
      ...tally,
      merge,
      conflicts: { ...conflictSection, typeClashes },
      bytesToWrite: tally.write.bytes + tally.overwrite.bytes,
      targetOnly: this.targetOnly,
      warnings,
      refusals,
      ...(this.resume ? { resume: { from: this.resume.from, ...pathFields(this.resume.key), rewrite: this.rewrite >= 0, ...(this.redo.size ? { redo: this.redo.size } : {}) } } : {}),
    };
    OVERWRITE_SETS.set(plan, Float64Array.from(overwritten).sort());
    return plan;
  }
}

/** Counted, the first few named (made only when named: a million would be a million strings). */
class Named {
  count = 0;
  private readonly items: string[] = [];
  add(item: () => string): void {
    this.count++;
    if (this.items.length < 5) this.items.push(item());
  }
  text(): string {
    return this.items.join('; ') + (this.count > this.items.length ? '; …' : '');
  }
}

/** Each plan's overwritten entries, as sorted key hashes: kept beside it, out of its JSON. */
const OVERWRITE_SETS = new WeakMap<RestorePlan, Float64Array>();

/**
 * The entries a plan overwrites, as sorted 53-bit hashes of their keys: what a confirmation
 * agreed to replace, compared with the plan made right before tar (see confirmedPlan.ts).
 */
export function overwriteSetOf(plan: RestorePlan): Float64Array | undefined {
  return OVERWRITE_SETS.get(plan);
}

/** Two 32-bit FNV-1a style hashes (different seeds) of a key's bytes, as one safe integer. */
function keyHash(key: string): number {
  let a = 0x811c9dc5;
  let b = 0x5bd1e995;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return (a >>> 0) * 2 ** 21 + ((b >>> 0) & 0x1fffff);
}

const TYPES: readonly EntryType[] = ['file', 'dir', 'symlink', 'hardlink', 'other'];
