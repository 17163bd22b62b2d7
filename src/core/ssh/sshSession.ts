// One persistent SSH connection per node. Docker API calls, SFTP and anything else for the node
// go over it as channels, so a refresh costs a channel open (a few ms), not a handshake (~250 ms).
// The connection is made on first use and re-made on the next use after it closed; the 'closed'
// event (with the reason) lets the caller mark the node unreachable at once.
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Duplex } from 'stream';
import type { Client, ConnectConfig, SFTPWrapper } from 'ssh2';
import type { NodeConfig, Timeouts } from '../config';
import { ssh2 } from '../lazyDeps';
import type { NodeError } from '../model';
import { classifySshError, NodeErrorException } from './errors';
import { checkHostKey, fingerprintSha256, keyTypeOfBlob, knownKeyTypes } from './knownHosts';

export interface SshSessionOptions {
  /** The node; `host` is required (a node without host is the local docker socket). */
  node: NodeConfig;
  knownHostsFile: string;
  timeouts: Pick<Timeouts, 'connectMs' | 'keepaliveMs'>;
  /** Asked when the identity file is encrypted; undefined = the operator gave none. */
  passphrase?: () => Promise<string | undefined>;
  /** ssh-agent socket. Default: $SSH_AUTH_SOCK; `false`: never use an agent. */
  agent?: string | false;
  /** Identity files tried when neither identityFile nor an agent is set (as ssh does). */
  defaultIdentityFiles?: string[];
  /** One line per connect, close and failure. */
  debug?: (msg: string) => void;
  /** ssh2's own protocol trace (a line per packet: only for troubleshooting). */
  ssh2Debug?: (msg: string) => void;
}

export interface SshSessionEvents {
  ready: [];
  /** The connection is gone; `error` is why (undefined after our own close()). */
  closed: [error: NodeError | undefined];
}

// ssh2's default server host key algorithms (Node 20 has ed25519). Reordered per node so that the
// server presents a key type known_hosts already holds, as OpenSSH does.
const HOST_KEY_ALGOS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];
const ALGOS_OF_KEY_TYPE: Record<string, string[]> = { 'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] };

export class SshSession extends EventEmitter<SshSessionEvents> {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** `host:port`, used in every message. */
  readonly where: string;
  /** Why the last connection attempt failed or the last connection closed. */
  lastError?: NodeError;

  private client?: Client; // set only while the connection is ready
  private connecting?: Promise<Client>;
  private pendingClient?: Client;
  private sftpPromise?: Promise<SFTPWrapper>;
  /** Clients ended by close(): their end is not an error. */
  private readonly closedByUs = new WeakSet<Client>();
  private key?: { data: Buffer; passphrase?: string }; // a decrypted-once key is not asked for again
  private shut = false;

  constructor(private readonly opts: SshSessionOptions) {
    super();
    if (!opts.node.host) throw new NodeErrorException({ kind: 'config', message: `node ${opts.node.name} has no host` });
    this.host = opts.node.host;
    this.port = opts.node.port ?? 22;
    this.user = opts.node.user ?? 'root';
    this.where = `${this.host}:${this.port}`;
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Connects if not connected; concurrent callers share one attempt. Rejects with NodeErrorException. */
  async connect(): Promise<void> {
    await this.ready();
  }

  /**
   * A byte stream to a unix socket on the node (OpenSSH streamlocal forwarding). A refused channel
   * means nothing listens there: for the docker socket that is "dockerd is not running".
   */
  async openUnixSocket(socketPath: string): Promise<Duplex> {
    const client = await this.ready();
    return new Promise<Duplex>((resolve, reject) => {
      client.openssh_forwardOutStreamLocal(socketPath, (err, channel) => {
        if (err) {
          const ne = classifySshError(err, this.where);
          if (ne.kind === 'dockerUnavailable') {
            reject(
              new NodeErrorException(
                { kind: 'dockerUnavailable', message: `${this.where}: cannot open ${socketPath} (${err.message}); is dockerd running?` },
                err,
              ),
            );
          } else reject(ne);
          return;
        }
        resolve(channel);
      });
    });
  }

  /** The SFTP subsystem, opened once per connection and shared. */
  async sftp(): Promise<SFTPWrapper> {
    const client = await this.ready();
    if (!this.sftpPromise) {
      const p = new Promise<SFTPWrapper>((resolve, reject) => {
        client.sftp((err, sftp) => {
          if (err) {
            const ne = classifySshError(err, this.where);
            // A refused channel here is the SFTP subsystem, not docker.
            if (ne.kind !== 'dockerUnavailable') return reject(ne);
            return reject(new NodeErrorException({ kind: 'other', message: `${this.where}: SFTP unavailable (${err.message})` }, err));
          }
          // A closed subsystem must not be handed out again.
          sftp.on('close', () => {
            if (this.sftpPromise === p) this.sftpPromise = undefined;
          });
          resolve(sftp);
        });
      });
      this.sftpPromise = p;
      p.catch(() => {
        if (this.sftpPromise === p) this.sftpPromise = undefined;
      });
    }
    return this.sftpPromise;
  }

  /** Ends the connection (or the attempt in progress). A later call connects again. */
  close(): void {
    const c = this.client ?? this.pendingClient;
    if (!c) return;
    this.closedByUs.add(c);
    if (c === this.client) {
      // Forget it now, so that a call right after close() connects anew instead of using it.
      this.client = undefined;
      this.sftpPromise = undefined;
      this.lastError = undefined;
      this.emit('closed', undefined);
    }
    c.end();
    // end() waits for the server; a silent link would keep the socket forever.
    setTimeout(() => c.destroy(), 1000).unref();
  }

  /**
   * Ends the connection for good: later calls fail instead of connecting again. For an owner
   * that is done with the session while work it started may still be running (a deadline
   * gave up on a probe): that work must not open a connection nobody will close.
   */
  shutdown(): void {
    this.shut = true;
    this.close();
  }

  private ready(): Promise<Client> {
    if (this.shut) return Promise.reject(new NodeErrorException({ kind: 'other', message: `connection to ${this.where} closed by request` }));
    if (this.client) return Promise.resolve(this.client);
    if (!this.connecting) {
      this.connecting = this.doConnect().finally(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  private async doConnect(): Promise<Client> {
    let auth: Partial<ConnectConfig>;
    try {
      auth = await this.authConfig();
    } catch (e) {
      const ne = e instanceof NodeErrorException ? e : classifySshError(e, this.where);
      this.lastError = ne.nodeError;
      throw ne;
    }
    const client = new (ssh2().Client)();
    this.pendingClient = client;
    // Set by the host verifier: the ssh2 error that follows only says "verification failed".
    let hostKeyError: NodeErrorException | undefined;
    let closeError: NodeErrorException | undefined;
    let settled = false;

    return new Promise<Client>((resolve, reject) => {
      const fail = (e: NodeErrorException) => {
        if (settled) return;
        settled = true;
        if (this.pendingClient === client) this.pendingClient = undefined;
        this.lastError = e.nodeError;
        reject(e);
        client.destroy();
      };
      // Permanent: an ssh2 Client that emits 'error' with no listener kills the process.
      client.on('error', (err) => {
        const ne = hostKeyError ?? classifySshError(err, this.where);
        this.opts.debug?.(`ssh ${this.where}: ${err.message}`);
        if (!settled) fail(ne);
        else closeError ??= ne;
      });
      client.on('ready', () => {
        if (settled) return;
        settled = true;
        this.pendingClient = undefined;
        if (this.closedByUs.has(client)) {
          // close() was called while connecting.
          reject(new NodeErrorException({ kind: 'other', message: `connection to ${this.where} closed by request` }));
          return;
        }
        this.client = client;
        this.lastError = undefined;
        this.opts.debug?.(`ssh ${this.user}@${this.where}: connected`);
        resolve(client);
        this.emit('ready');
      });
      client.on('close', () => {
        if (!settled) {
          fail(
            this.closedByUs.has(client)
              ? new NodeErrorException({ kind: 'other', message: `connection to ${this.where} closed by request` })
              : classifySshError(new Error('Connection lost before handshake'), this.where),
          );
          return;
        }
        if (this.client !== client) return;
        this.client = undefined;
        this.sftpPromise = undefined;
        // Not closed by us: the caller should treat the node as unreachable until a reconnect works.
        const why = closeError?.nodeError ?? { kind: 'unreachable', message: `connection to ${this.where} closed by the server` };
        this.lastError = why;
        this.opts.debug?.(`ssh ${this.where}: connection closed (${why.message})`);
        this.emit('closed', why);
      });

      let known: string[] = [];
      try {
        known = knownKeyTypes(this.opts.knownHostsFile, this.host, this.port);
      } catch {
        // Unreadable known_hosts: the host verifier reports it as the connection's error.
      }
      const first = known.flatMap((t) => ALGOS_OF_KEY_TYPE[t] ?? [t]).filter((a) => HOST_KEY_ALGOS.includes(a));
      const serverHostKey = [...new Set([...first, ...HOST_KEY_ALGOS])];

      try {
        client.connect({
          host: this.host,
          port: this.port,
          username: this.user,
          readyTimeout: this.opts.timeouts.connectMs,
          keepaliveInterval: this.opts.timeouts.keepaliveMs,
          keepaliveCountMax: 3,
          algorithms: { serverHostKey: serverHostKey as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
          hostVerifier: (key: Buffer): boolean => {
            hostKeyError = this.verifyHostKey(key);
            return hostKeyError === undefined;
          },
          debug: this.opts.ssh2Debug,
          ...auth,
        });
        // Without ssh2's optional native crypto helper (the bundle ships without it), each
        // packet leaves in several writes, and Nagle holds the last one until the server's
        // delayed ACK: measured 175 ms per SFTP or docker round trip instead of 1-2 ms.
        client.setNoDelay(true);
      } catch (e) {
        fail(classifySshError(e, this.where));
      }
    });
  }

  /** undefined when the key may be used; otherwise the error that refuses it. */
  private verifyHostKey(key: Buffer): NodeErrorException | undefined {
    const type = keyTypeOfBlob(key) ?? 'unknown';
    const fingerprint = fingerprintSha256(key);
    const file = this.opts.knownHostsFile;
    let v;
    try {
      v = checkHostKey(file, this.host, this.port, type, key);
    } catch (e) {
      return new NodeErrorException({ kind: 'config', message: `cannot read known_hosts ${file}: ${(e as Error).message}` });
    }
    switch (v.verdict) {
      case 'known':
        return undefined;
      case 'unknown':
        return new NodeErrorException({
          kind: 'hostKeyUnknown',
          message: `host key of ${this.where} is not in ${file}: ${type} ${fingerprint}. Verify the fingerprint before trusting it.`,
          fingerprint,
          presentedKey: `${type} ${key.toString('base64')}`,
        });
      case 'changed':
        return new NodeErrorException({
          kind: 'hostKeyChanged',
          message:
            `WARNING: the host key of ${this.where} has CHANGED (${file} has ${v.knownTypes.join(', ')}; ` +
            `the server presented ${type} ${fingerprint}). This may be a man-in-the-middle attack. ` +
            `Connection refused; if the change is legitimate, remove the old key from ${file}.`,
          fingerprint,
        });
      case 'revoked':
        return new NodeErrorException({
          kind: 'hostKeyChanged',
          message: `the host key ${type} ${fingerprint} of ${this.where} is marked @revoked in ${file}. Connection refused.`,
          fingerprint,
        });
    }
  }

  /** Agent and/or private key for ssh2; throws 'passphrase' / 'auth' / 'config' NodeErrorExceptions. */
  private async authConfig(): Promise<Partial<ConnectConfig>> {
    const cfg: Partial<ConnectConfig> = {};
    const agent = this.opts.agent === undefined ? process.env.SSH_AUTH_SOCK : this.opts.agent || undefined;
    if (agent) cfg.agent = agent;
    let keyFile = this.opts.node.identityFile;
    if (!keyFile && !agent) {
      const home = os.homedir();
      const defaults = this.opts.defaultIdentityFiles ?? ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(home, '.ssh', f));
      keyFile = defaults.find((f) => fs.existsSync(f));
    }
    if (keyFile) {
      const key = await this.loadKey(keyFile);
      cfg.privateKey = key.data;
      if (key.passphrase !== undefined) cfg.passphrase = key.passphrase;
    }
    if (!cfg.agent && !cfg.privateKey) {
      throw new NodeErrorException({
        kind: 'auth',
        message: `no SSH credentials for ${this.where}: set the node's identityFile or run an ssh-agent (SSH_AUTH_SOCK)`,
      });
    }
    return cfg;
  }

  private async loadKey(file: string): Promise<{ data: Buffer; passphrase?: string }> {
    let data: Buffer;
    try {
      data = await fs.promises.readFile(file);
    } catch (e) {
      throw new NodeErrorException({ kind: 'config', message: `cannot read identity file ${file}: ${(e as Error).message}` });
    }
    if (this.key && this.key.data.equals(data)) return this.key;
    const plain = ssh2().utils.parseKey(data);
    if (!(plain instanceof Error)) return (this.key = { data });
    if (!/encrypted|passphrase/i.test(plain.message)) {
      throw new NodeErrorException({ kind: 'config', message: `identity file ${file} is not a usable private key: ${plain.message}` });
    }
    const pass = await this.opts.passphrase?.();
    if (pass === undefined || pass === '') {
      throw new NodeErrorException({ kind: 'passphrase', message: `identity file ${file} is encrypted: a passphrase is needed` });
    }
    const parsed = ssh2().utils.parseKey(data, pass);
    if (parsed instanceof Error) {
      throw new NodeErrorException({ kind: 'passphrase', message: `wrong passphrase for identity file ${file} (${parsed.message})` });
    }
    return (this.key = { data, passphrase: pass });
  }
}
