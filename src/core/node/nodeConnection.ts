// What the core needs from a node, whether it is this machine or one behind SSH: a docker
// client and a way to read the host's directories. Remote nodes keep one SSH connection that
// carries both (docker API over a stream-local forward, directory listings over SFTP).
import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { NodeConfig, Settings } from '../config';
import { fileReader, type RandomAccessReader } from '../archive/reader';
import { dockerode } from '../lazyDeps';
import { DirectoryTooLargeError, MAX_DIR_ENTRIES } from './dirBound';

export interface DirEntry {
  name: string;
  size: number;
  mtimeMs: number;
  isFile: boolean;
}

/** What a stat says; `isFile` is false for a directory, a device or anything not a regular file. */
export interface FileStat {
  size: number;
  mtimeMs: number;
  isFile: boolean;
}

export interface NodeConnection {
  readonly node: NodeConfig;
  docker(): Promise<Docker>;
  /** Entries of a directory on the node's host; rejects with ENOENT-like errors as fs does. */
  listDir(dir: string): Promise<DirEntry[]>;
  /** Size and mtime of a file on the node's host; undefined when it does not exist. */
  stat(file: string): Promise<FileStat | undefined>;
  /** `length` bytes from `start` (fewer at the end of the file). */
  read(file: string, start: number, length: number): Promise<Buffer>;
  /** Writes a whole small file atomically (temporary name, then rename). */
  writeAtomic(file: string, data: string | Buffer): Promise<void>;
  /**
   * Writes a whole small file atomically, only where no file of that name exists: false when
   * one does (then nothing was written). Two clients claiming one name: exactly one gets it.
   */
  createExclusive(file: string, data: string | Buffer): Promise<boolean>;
  /** Removes a file; a file that is already gone is not an error. */
  remove(file: string): Promise<void>;
  /** The home directory of the user this client is on the node's host (the SSH user, or this process's user). */
  homeDir(): Promise<string>;
  /** Creates a directory and its parents, private to that user; an existing one is fine. */
  makeDir(dir: string): Promise<void>;
  /** Bytes available to an unprivileged writer on the filesystem holding `dir`. */
  freeBytes(dir: string): Promise<number>;
  /** Positioned reads of one file through one open handle (the archive index's walk). */
  openReader(file: string): Promise<RandomAccessReader>;
  close(): void;
}

export function isNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  // fs: ENOENT; ssh2 SFTP: status code 2 (NO_SUCH_FILE).
  return code === 'ENOENT' || code === 2;
}

/**
 * An error of that one file (no permission, an I/O error), as opposed to the connection's: the
 * other files of the directory can still be read.
 */
export function isFileError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  // fs: EACCES, EPERM, EIO, EISDIR; ssh2 SFTP: status codes 3 (PERMISSION_DENIED), 4 (FAILURE).
  return code === 'EACCES' || code === 'EPERM' || code === 'EIO' || code === 'EISDIR' || code === 3 || code === 4;
}

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * The temporary name an atomic write renames into place. Unique per write: two writers of one
 * file in this process (a cancel and a follower finalising one job) must not rename each
 * other's temporary file away.
 */
export function atomicTempName(file: string): string {
  return `${file}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
}

export class LocalConnection implements NodeConnection {
  private client?: Docker;
  constructor(readonly node: NodeConfig) {}

  async docker(): Promise<Docker> {
    this.client ??= new (dockerode())({ socketPath: this.node.dockerSocket ?? DEFAULT_DOCKER_SOCKET });
    return this.client;
  }

  async listDir(dir: string): Promise<DirEntry[]> {
    // Read as a stream, bounded as over SFTP: readdir of a path would hold every name at once.
    const names: string[] = [];
    for await (const d of await fsp.opendir(dir)) {
      names.push(d.name);
      if (names.length > MAX_DIR_ENTRIES) throw new DirectoryTooLargeError(dir);
    }
    // In name order, as readdir of a path gave them (a stream gives the directory's own order).
    names.sort();
    const out: DirEntry[] = [];
    for (const name of names) {
      try {
        const st = await fsp.lstat(path.join(dir, name));
        out.push({ name, size: st.size, mtimeMs: st.mtimeMs, isFile: st.isFile() });
      } catch {
        // Vanished between readdir and stat (a partial archive being renamed): skip it.
      }
    }
    return out;
  }

  async stat(file: string): Promise<FileStat | undefined> {
    try {
      const st = await fsp.stat(file);
      return { size: st.size, mtimeMs: st.mtimeMs, isFile: st.isFile() };
    } catch (e) {
      // A path through a file is not there either, as the SFTP server says of it over SSH: a
      // stat error of one path (a job pointer's) otherwise failed every job listing of the node.
      if (isNotFound(e) || (e as { code?: unknown })?.code === 'ENOTDIR') return undefined;
      throw e;
    }
  }

  async read(file: string, start: number, length: number): Promise<Buffer> {
    const fh = await fsp.open(file, 'r');
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, start);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  async writeAtomic(file: string, data: string | Buffer): Promise<void> {
    const tmp = atomicTempName(file);
    try {
      // What is written beside archives (job records, reports naming the platform's files) is private.
      await fsp.writeFile(tmp, data, { mode: 0o600 });
      await fsp.rename(tmp, file);
    } catch (e) {
      // Each failed write left its own temporary file: a full backups directory, written to at
      // every look, gathered one per look. The write's error is the one that counts.
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      throw e;
    }
  }

  async createExclusive(file: string, data: string | Buffer): Promise<boolean> {
    const tmp = atomicTempName(file);
    try {
      // A write cut short (a full directory) leaves its temporary file too: the finally takes it.
      await fsp.writeFile(tmp, data, { mode: 0o600 });
      // link(2) fails on an existing name, and the file appears whole or not at all.
      await fsp.link(tmp, file);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    } finally {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  async remove(file: string): Promise<void> {
    await fsp.rm(file, { force: true });
  }

  async homeDir(): Promise<string> {
    return os.homedir();
  }

  async makeDir(dir: string): Promise<void> {
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  }

  async freeBytes(dir: string): Promise<number> {
    const st = await fsp.statfs(dir);
    return st.bavail * st.bsize;
  }

  async openReader(file: string): Promise<RandomAccessReader> {
    const r = fileReader(file);
    // Opens now, so that a missing file fails here as it does over SFTP.
    await r.size();
    return r;
  }

  close(): void {
    this.client = undefined;
  }
}

export type ConnectionFactory = (node: NodeConfig, settings: Settings) => NodeConnection;
