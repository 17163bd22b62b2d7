// A node behind SSH: one SshSession carries the docker API (stream-local forward to the node's
// docker socket) and SFTP for reading the backups directory of the node's host.
import type Docker from 'dockerode';
import type { NodeConfig, Settings } from '../config';
import { atomicTempName, isNotFound, type DirEntry, type FileStat, type NodeConnection } from './nodeConnection';
import { SshSession } from '../ssh/sshSession';
import { dockerOverSsh } from '../ssh/dockerAgent';
import { addKnownHost, parseKnownHostsName } from '../ssh/knownHosts';
import type { RandomAccessReader } from '../archive/reader';
import { availableBytes } from '../ssh/statvfs';
import { dirEntryOf, fileStatOf } from '../ssh/sftpAttrs';
import { DirectoryTooLargeError, MAX_DIR_ENTRIES } from './dirBound';

/** SFTP's SSH_FX_EOF: readdir's answer once a directory has no more entries. */
const SFTP_EOF = 1;

/** Credentials the caller can supply (the extension from SecretStorage/prompts, the CLI from env). */
export interface CredentialProvider {
  /** For the encrypted key `file` (one of those the node's connection offers). */
  passphrase?(node: NodeConfig, file: string): Promise<string | undefined>;
}

class RemoteConnection implements NodeConnection {
  private readonly session: SshSession;
  private readonly client: Docker;

  constructor(
    readonly node: NodeConfig,
    settings: Settings,
    creds: CredentialProvider,
    log: (level: 'debug' | 'warn', m: string) => void,
  ) {
    this.session = new SshSession({
      node,
      knownHostsFile: settings.knownHostsFile,
      sshConfigFile: settings.sshConfigFile,
      timeouts: settings.timeouts,
      allowSshRsa: settings.allowSshRsa,
      passphrase: creds.passphrase ? (file) => creds.passphrase!(node, file) : undefined,
      debug: (m) => log('debug', m),
      warn: (m) => log('warn', m),
    });
    this.client = dockerOverSsh(this.session, { socketPath: node.dockerSocket }).docker;
  }

  async docker(): Promise<Docker> {
    // Connect first so that SSH failures (host key, auth, unreachable) surface as themselves
    // rather than as an HTTP error of the first docker request.
    await this.session.connect();
    return this.client;
  }

  async listDir(dir: string): Promise<DirEntry[]> {
    const sftp = await this.session.sftp();
    // Batch by batch on one handle (ssh2's readdir of a path gathers every entry the server
    // sends, without end): the entries are checked as they come and the listing stops past the bound.
    const handle = await new Promise<Buffer>((resolve, reject) => sftp.opendir(dir, (err, h) => (err ? reject(err) : resolve(h))));
    const out: DirEntry[] = [];
    try {
      for (;;) {
        const batch = await new Promise<import('ssh2').FileEntryWithStats[] | undefined>((resolve, reject) =>
          sftp.readdir(handle, (err, l) => (err ? ((err as { code?: unknown }).code === SFTP_EOF ? resolve(undefined) : reject(err)) : resolve(l))),
        );
        if (!batch) return out;
        for (const e of batch) out.push(dirEntryOf(e, dir));
        if (out.length > MAX_DIR_ENTRIES) throw new DirectoryTooLargeError(dir);
      }
    } finally {
      sftp.close(handle, () => undefined);
    }
  }

  async stat(file: string): Promise<FileStat | undefined> {
    const sftp = await this.session.sftp();
    return new Promise((resolve, reject) =>
      sftp.stat(file, (err, st) => {
        if (err) return isNotFound(err) ? resolve(undefined) : reject(err);
        try {
          resolve(fileStatOf(st, file));
        } catch (e) {
          reject(e);
        }
      }),
    );
  }

  async read(file: string, start: number, length: number): Promise<Buffer> {
    const r = await this.openReader(file);
    try {
      return await r.read(start, length);
    } finally {
      await r.close?.();
    }
  }

  async writeAtomic(file: string, data: string | Buffer): Promise<void> {
    const sftp = await this.session.sftp();
    const tmp = atomicTempName(file);
    try {
      // What is written beside archives (job records, reports naming the platform's files) is private.
      await new Promise<void>((resolve, reject) => sftp.writeFile(tmp, data, { mode: 0o600 }, (err) => (err ? reject(err) : resolve())));
      // posix-rename@openssh.com replaces atomically; plain SFTP rename refuses an existing target.
      await new Promise<void>((resolve, reject) => sftp.ext_openssh_rename(tmp, file, (err) => (err ? reject(err) : resolve())));
    } catch (e) {
      // Each failed write left its own temporary file: a full backups directory, written to at
      // every look, gathered one per look. The write's error is the one that counts.
      await new Promise<void>((resolve) => sftp.unlink(tmp, () => resolve()));
      throw e;
    }
  }

  async createExclusive(file: string, data: string | Buffer): Promise<boolean> {
    const sftp = await this.session.sftp();
    const tmp = atomicTempName(file);
    try {
      await new Promise<void>((resolve, reject) => sftp.writeFile(tmp, data, { mode: 0o600 }, (err) => (err ? reject(err) : resolve())));
    } catch (e) {
      // A write cut short (a full directory) leaves its temporary file: it goes, the error stays.
      await new Promise<void>((resolve) => sftp.unlink(tmp, () => resolve()));
      throw e;
    }
    try {
      // Plain SFTP rename is OpenSSH's link(2) then unlink: it refuses an existing name, and the
      // file appears whole or not at all. Its refusal is a bare failure: the name is looked at.
      await new Promise<void>((resolve, reject) => sftp.rename(tmp, file, (err) => (err ? reject(err) : resolve())));
      return true;
    } catch (e) {
      // The rename moved nothing: the temporary file is still there to remove.
      await new Promise<void>((resolve) => sftp.unlink(tmp, () => resolve()));
      const there = await new Promise<boolean>((resolve) => sftp.stat(file, (err) => resolve(!err)));
      if (there) return false;
      throw e;
    }
  }

  async remove(file: string): Promise<void> {
    const sftp = await this.session.sftp();
    await new Promise<void>((resolve, reject) =>
      sftp.unlink(file, (err) => (err && !isNotFound(err) ? reject(err) : resolve())),
    );
  }

  async homeDir(): Promise<string> {
    const sftp = await this.session.sftp();
    // OpenSSH's sftp-server starts in the login user's home: '.' resolves to it.
    return new Promise((resolve, reject) => sftp.realpath('.', (err, p) => (err ? reject(err) : resolve(p))));
  }

  async makeDir(dir: string): Promise<void> {
    const sftp = await this.session.sftp();
    const parts = dir.split('/').filter(Boolean);
    let at = dir.startsWith('/') ? '' : '.';
    for (const part of parts) {
      at = `${at}/${part}`;
      const exists = await new Promise<boolean>((resolve, reject) =>
        sftp.stat(at, (err) => (err ? (isNotFound(err) ? resolve(false) : reject(err)) : resolve(true))),
      );
      if (exists) continue;
      await new Promise<void>((resolve, reject) =>
        sftp.mkdir(at, { mode: 0o700 }, (err) => {
          // Another client may have made it between our stat and mkdir.
          if (!err) return resolve();
          sftp.stat(at, (e2) => (e2 ? reject(err) : resolve()));
        }),
      );
    }
  }

  async freeBytes(dir: string): Promise<number> {
    const sftp = await this.session.sftp();
    // statvfs@openssh.com: every OpenSSH sftp-server has it.
    return new Promise((resolve, reject) =>
      sftp.ext_openssh_statvfs(dir, (err, st) => {
        if (err) return reject(err);
        try {
          resolve(availableBytes(st));
        } catch (e) {
          reject(e);
        }
      }),
    );
  }

  async openReader(file: string): Promise<RandomAccessReader> {
    const sftp = await this.session.sftp();
    // One handle for the whole walk: an open per read would triple the round trips.
    const handle = await new Promise<Buffer>((resolve, reject) => sftp.open(file, 'r', (err, h) => (err ? reject(err) : resolve(h))));
    const st = await new Promise<FileStat>((resolve, reject) =>
      sftp.fstat(handle, (err, a) => {
        if (err) return reject(err);
        try {
          resolve(fileStatOf(a, file));
        } catch (e) {
          reject(e);
        }
      }),
    );
    return {
      size: async () => st.size,
      read: async (pos, len) => {
        const out: Buffer[] = [];
        let got = 0;
        // SFTP servers cap one read (OpenSSH: 256 KiB); loop until done or end of file.
        while (got < len) {
          const want = Math.min(len - got, 256 * 1024);
          const buf = Buffer.alloc(want);
          const n = await new Promise<number>((resolve, reject) =>
            sftp.read(handle, buf, 0, want, pos + got, (err, bytes) => {
              // ssh2 reports end of file as an error with code 1 (EOF).
              if (err) return (err as { code?: number }).code === 1 ? resolve(0) : reject(err);
              resolve(bytes);
            }),
          );
          if (n === 0) break;
          out.push(buf.subarray(0, n));
          got += n;
        }
        return out.length === 1 ? out[0] : Buffer.concat(out);
      },
      close: () => new Promise<void>((resolve) => sftp.close(handle, () => resolve())),
    };
  }

  close(): void {
    // For good: the cluster drops a closed connection and makes a new one when it needs one.
    this.session.shutdown();
  }
}

export function createRemoteConnection(
  node: NodeConfig,
  settings: Settings,
  creds: CredentialProvider,
  log: (level: 'debug' | 'warn', m: string) => void,
): NodeConnection {
  return new RemoteConnection(node, settings, creds, log);
}

/**
 * `presentedKey` is `type base64`, as the hostKeyUnknown error carries it; `keyHost` is the
 * known_hosts name the error says the key belongs to (a jump host, or the HostName of the ssh
 * config), the node's host when the error does not say.
 */
export async function trustPresentedKey(knownHostsFile: string, node: NodeConfig, presentedKey: string, keyHost?: string): Promise<void> {
  const [type, b64] = presentedKey.split(' ');
  if (!node.host || !type || !b64) throw new Error(`cannot trust a key for ${node.name}: ${presentedKey}`);
  // A hop's key comes with the name it was checked under; a node's is the node's own host.
  const { host, port } = keyHost ? parseKnownHostsName(keyHost) : { host: node.host, port: node.port ?? 22 };
  await addKnownHost(knownHostsFile, host, port, type, b64);
}

