// The files of one backups directory, grouped by the archive they belong to, from its names
// alone. Pure. A name is ours only when it is exactly an archive name or exactly one of the
// sidecar names an archive implies; anything else (notes.txt, other.tar, a name like ours with
// one character more) belongs to no archive, and so is never listed for removal.
import { JOB_SUFFIX, RESTORE_ID } from '../backup/jobFile';
import { partialFilesOf } from '../backup/jobScript';
export { pruneMarkerOf } from '../backup/jobFile';
import type { DirEntry } from '../node/nodeConnection';
import { jobStem } from '../backup/naming';
import { archiveOfReadDataNames } from '../validate/readDataNames';

/** Strictly the names our backups write: the seed's date form, an optional -N, .tar or .tar.gz. */
export const OUR_ARCHIVE = /^datarobot-gluster-backup-\d{4}-\d{2}-\d{2}(?:-[1-9]\d{0,5})?\.tar(?:\.gz)?$/;

/** The endings of a restore's files after `<archive>.restore-<time>` (see restorePaths). */
const RESTORE_FILE = /^(.+\.tar(?:\.gz)?\.restore-\d{8}T\d{6}Z)(\.job\.json|\.log|\.status|\.cancel|\.json|\.members|\.dirs|\.redo)$/;
/** A leftover of an atomic write (atomicTempName) of one of these files. */
const TEMP_TAIL = /\.tmp-\d{1,10}-[0-9a-f]{8}$/;

/** What one of our names is, and the archive (or, for a backup job's files, the stem) it belongs to. */
export type FileRole =
  | { role: 'archive'; archive: string }
  | { role: OwnRole; archive: string }
  | { role: 'readDataNames'; archive: string }
  | { role: 'job' | 'log' | 'status' | 'cancel'; stem: string }
  | { role: 'restore'; archive: string; restoreId: string };

export interface ArchiveFiles {
  /** The archive's own name. */
  name: string;
  size: number;
  mtimeMs: number;
  /** Its own sidecars present: checksum, validation report, where --read-data-subset stopped and the lock of the run doing it, partial leftover, member list (compressed), its job's list beside the partial, prune's marker. */
  own: Partial<Record<OwnRole, string>>;
  /** Member lists of --read-data runs (`<archive>.read-data-<8 hex>.names`): one per run, several when several were killed. */
  readDataNames: string[];
  /** The stem's backup job files present (`<stem>.job.json`, `.log`, `.status`, `.cancel`). */
  job: { job?: string; log?: string; status?: string; cancel?: string };
  /** Restore id -> names of that restore's files present. */
  restores: Map<string, string[]>;
  /** Leftovers of atomic writes of any of its files. */
  temps: string[];
  /**
   * Another archive has the same stem (x.tar beside x.tar.gz): the stem's job files are then
   * its own only when its job record names it.
   */
  stemShared: boolean;
}

export interface DirGroups {
  archives: ArchiveFiles[];
  /** Entries that are neither an archive of ours nor one of an archive's files: never touched. */
  foreign: string[];
}

/** Groups a directory listing. Only regular files count: a directory or link with one of our names is foreign. */
export function groupDir(entries: readonly DirEntry[]): DirGroups {
  const archives = new Map<string, ArchiveFiles>();
  const byStem = new Map<string, ArchiveFiles[]>();
  for (const e of entries) {
    if (!e.isFile || !OUR_ARCHIVE.test(e.name)) continue;
    const a: ArchiveFiles = { name: e.name, size: e.size, mtimeMs: e.mtimeMs, own: {}, readDataNames: [], job: {}, restores: new Map(), temps: [], stemShared: false };
    archives.set(e.name, a);
    byStem.set(jobStem(e.name), [...(byStem.get(jobStem(e.name)) ?? []), a]);
  }
  for (const same of byStem.values()) for (const a of same) a.stemShared = same.length > 1;
  const foreign: string[] = [];
  for (const e of entries) {
    if (e.isFile && archives.has(e.name)) continue;
    const r = e.isFile ? roleOf(e.name) : undefined;
    const owners = !r ? [] : 'stem' in r.role ? byStem.get(r.role.stem) ?? [] : [archives.get(r.role.archive)].filter((x): x is ArchiveFiles => x !== undefined);
    if (!r || owners.length === 0) {
      foreign.push(e.name);
      continue;
    }
    const role = r.role;
    for (const a of owners) {
      if (r.temp) a.temps.push(e.name);
      else if (role.role === 'restore') a.restores.set(role.restoreId, [...(a.restores.get(role.restoreId) ?? []), e.name].sort());
      else if (role.role === 'readDataNames') a.readDataNames.push(e.name);
      else if (isOwnRole(role.role)) a.own[role.role] = e.name;
      else if (role.role !== 'archive') a.job[role.role] = e.name;
    }
  }
  for (const a of archives.values()) {
    a.temps.sort();
    a.readDataNames.sort();
  }
  return { archives: [...archives.values()].sort((x, y) => (x.name < y.name ? -1 : 1)), foreign: foreign.sort() };
}

/** What `name` is, or undefined when it is not one of our names; `temp`: a leftover of an atomic write of that file. */
export function roleOf(name: string): { role: FileRole; temp: boolean } | undefined {
  if (name.includes('/') || name.includes('\0')) return undefined;
  const t = TEMP_TAIL.exec(name);
  const base = t ? name.slice(0, t.index) : name;
  const role = baseRole(base);
  // Archives and partials (and what lies beside one) are written by tar's job, never through a temporary name.
  if (!role || (t && (role.role === 'archive' || ('archive' in role && partialFilesOf(role.archive).includes(base))))) return undefined;
  return { role, temp: t !== null };
}

/**
 * An archive's own sidecars by ending (`.read-data.json`: where --read-data-subset stopped;
 * `.read-data.lock`: a --read-data-subset run holds the archive, see readDataLock.ts;
 * `.members`: a compressed archive's member list; `.partial.members`: the list its backup job
 * writes beside the partial, renamed to `.members` when the archive is published, a leftover
 * only when the job died; `.prune`: a prune is removing it, see pruneMarkerOf).
 */
const OWN_ROLES = {
  sha256: 'checksum',
  'validation.json': 'validation',
  'read-data.json': 'readData',
  'read-data.lock': 'readDataLock',
  partial: 'partial',
  members: 'members',
  'partial.members': 'partialMembers',
  prune: 'pruning',
} as const;
type OwnRole = (typeof OWN_ROLES)[keyof typeof OWN_ROLES];
const OWN_ROLE_NAMES = new Set<string>(Object.values(OWN_ROLES));
const isOwnRole = (r: FileRole['role']): r is OwnRole => OWN_ROLE_NAMES.has(r);
/** `<archive>.<ending>` for each ending above; the shortest prefix, as `.partial.members` ends in `.members`. */
const OWN_NAME = new RegExp(`^(.+?)\\.(${Object.keys(OWN_ROLES).map((k) => k.replace(/\./g, '\\.')).join('|')})$`);

function baseRole(name: string): FileRole | undefined {
  if (OUR_ARCHIVE.test(name)) return { role: 'archive', archive: name };
  const own = OWN_NAME.exec(name);
  if (own && OUR_ARCHIVE.test(own[1])) return { role: OWN_ROLES[own[2] as keyof typeof OWN_ROLES], archive: own[1] };
  const names = archiveOfReadDataNames(name);
  if (names !== undefined && OUR_ARCHIVE.test(names)) return { role: 'readDataNames', archive: names };
  const r = RESTORE_FILE.exec(name);
  if (r) {
    const m = RESTORE_ID.exec(r[1]);
    return m && OUR_ARCHIVE.test(m[1]) ? { role: 'restore', archive: m[1], restoreId: r[1] } : undefined;
  }
  const j = /^(.+?)(\.job\.json|\.log|\.status|\.cancel)$/.exec(name);
  if (j && OUR_ARCHIVE.test(`${j[1]}.tar`)) return { role: j[2] === JOB_SUFFIX ? 'job' : (j[2].slice(1) as 'log' | 'status' | 'cancel'), stem: j[1] };
  return undefined;
}

