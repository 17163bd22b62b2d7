// A node behind SSH: one SshSession carries the docker API (stream-local forward to the node's
// docker socket) and SFTP for reading the backups directory of the node's host.
import type Docker from 'dockerode';
import type { NodeConfig, Settings } from './config';
import type { CredentialProvider } from './cluster';
import type { DirEntry, NodeConnection } from './nodeConnection';
import { SshSession } from './ssh/sshSession';
import { dockerOverSsh } from './ssh/dockerAgent';
import { addKnownHost } from './ssh/knownHosts';

class RemoteConnection implements NodeConnection {
  private readonly session: SshSession;
  private readonly client: Docker;

  constructor(
    readonly node: NodeConfig,
    settings: Settings,
    creds: CredentialProvider,
    debug: (m: string) => void,
  ) {
    this.session = new SshSession({
      node,
      knownHostsFile: settings.knownHostsFile,
      timeouts: settings.timeouts,
      passphrase: creds.passphrase ? () => creds.passphrase!(node) : undefined,
      debug,
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
    const list = await new Promise<import('ssh2').FileEntryWithStats[]>((resolve, reject) =>
      sftp.readdir(dir, (err, l) => (err ? reject(err) : resolve(l))),
    );
    return list.map((e) => ({
      name: e.filename,
      size: e.attrs.size,
      mtimeMs: e.attrs.mtime * 1000,
      // S_IFREG
      isFile: (e.attrs.mode & 0o170000) === 0o100000,
    }));
  }

  close(): void {
    this.session.close();
  }
}

export function createRemoteConnection(
  node: NodeConfig,
  settings: Settings,
  creds: CredentialProvider,
  debug: (m: string) => void,
): NodeConnection {
  return new RemoteConnection(node, settings, creds, debug);
}

/** `presentedKey` is `type base64`, as the hostKeyUnknown error carries it. */
export async function trustPresentedKey(knownHostsFile: string, node: NodeConfig, presentedKey: string): Promise<void> {
  const [type, b64] = presentedKey.split(' ');
  if (!node.host || !type || !b64) throw new Error(`cannot trust a key for ${node.name}: ${presentedKey}`);
  await addKnownHost(knownHostsFile, node.host, node.port ?? 22, type, b64);
}
