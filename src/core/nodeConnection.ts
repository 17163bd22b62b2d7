// What the core needs from a node, whether it is this machine or one behind SSH: a docker
// client and a way to read the host's directories. Remote nodes keep one SSH connection that
// carries both (docker API over a stream-local forward, directory listings over SFTP).
import Docker from 'dockerode';
import { promises as fsp } from 'fs';
import * as path from 'path';
import type { NodeConfig, Settings } from './config';

export interface DirEntry {
  name: string;
  size: number;
  mtimeMs: number;
  isFile: boolean;
}

export interface NodeConnection {
  readonly node: NodeConfig;
  docker(): Promise<Docker>;
  /** Entries of a directory on the node's host; rejects with ENOENT-like errors as fs does. */
  listDir(dir: string): Promise<DirEntry[]>;
  /** A short-lived docker client for streams that must not share the pooled connection. */
  close(): void;
}

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

export class LocalConnection implements NodeConnection {
  private client?: Docker;
  constructor(readonly node: NodeConfig) {}

  async docker(): Promise<Docker> {
    this.client ??= new Docker({ socketPath: this.node.dockerSocket ?? DEFAULT_DOCKER_SOCKET });
    return this.client;
  }

  async listDir(dir: string): Promise<DirEntry[]> {
    const names = await fsp.readdir(dir);
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

  close(): void {
    this.client = undefined;
  }
}

export type ConnectionFactory = (node: NodeConfig, settings: Settings) => NodeConnection;
