// One persistent SSH connection per node. Docker API calls, SFTP and anything else for the node
// go over it as channels, so a refresh costs a channel open (a few ms), not a handshake (~250 ms).
// The connection is made on first use and re-made on the next use after it closed; the 'closed'
// event (with the reason) lets the caller mark the node unreachable at once.
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Duplex } from 'stream';
import type { AnyAuthMethod, AuthHandlerMiddleware, Client, ConnectConfig, SFTPWrapper } from 'ssh2';
import type { NodeConfig, Timeouts } from '../config';
import { ssh2 } from '../lazyDeps';
import type { NodeError } from '../model';
import { classifySshError, NodeErrorException } from './errors';
import { checkHostKey, fingerprintSha256, keyTypeOfBlob, knownHostsName, knownKeyTypes } from './knownHosts';
import { readSshConfigFile } from './sshConfigFile';
import { identityName, loadIdentities, noneAccepted, nothingToOffer, type Identities, type KeyCache } from './sshIdentities';
import { resolveRoute, type SshEndpoint, type SshRoute } from './sshRoute';

export interface SshSessionOptions {
  /** The node; `host` is required (a node without host is the local docker socket). */
  node: NodeConfig;
  knownHostsFile: string;
  /** ssh config applied to the node and its jump hosts (User, Port, HostName, IdentityFile, IdentityAgent, ProxyJump); absent: none. */
  sshConfigFile?: string;
  timeouts: Pick<Timeouts, 'connectMs' | 'keepaliveMs'>;
  /** Asked for an encrypted identity file; undefined = the operator gave none (the key is then skipped). */
  passphrase?: (file: string) => Promise<string | undefined>;
  /** ssh-agent socket. Default: $SSH_AUTH_SOCK; `false`: never use an agent. */
  agent?: string | false;
  /** Accept `ssh-rsa` (SHA-1) host key signatures; default off, as in OpenSSH since 8.8. */
  allowSshRsa?: boolean;
  /** Identity files tried when no identityFile is set (as ssh does). */
  defaultIdentityFiles?: string[];
  /** One line per connect, close and failure. */
  debug?: (msg: string) => void;
  /** A key left out (missing, encrypted without its passphrase): the others are still tried. */
  warn?: (msg: string) => void;
  /** ssh2's own protocol trace (a line per packet: only for troubleshooting). */
  ssh2Debug?: (msg: string) => void;
}

export interface SshSessionEvents {
  ready: [];
  /** The connection is gone; `error` is why (undefined after our own close()). */
  closed: [error: NodeError | undefined];
}

// ssh2's default server host key algorithms (Node 20 has ed25519). Reordered per node so that the
// server presents a key type known_hosts already holds, as OpenSSH does. `ssh-rsa` (an RSA key
// signing with SHA-1) is off unless allowed, as in OpenSSH since 8.8; RSA keys still work with
// rsa-sha2-256/512.
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

/** The host key algorithms offered to a server, those of the key types known_hosts holds for it first. */
export function hostKeyAlgorithms(knownTypes: readonly string[], allowSshRsa: boolean): string[] {
  const usable = HOST_KEY_ALGOS.filter((a) => allowSshRsa || a !== 'ssh-rsa');
  const first = knownTypes.flatMap((t) => ALGOS_OF_KEY_TYPE[t] ?? [t]).filter((a) => usable.includes(a));
  return [...new Set([...first, ...usable])];
}

export class SshSession extends EventEmitter<SshSessionEvents> {
  /** `host:port` of the node (its HostName once ~/.ssh/config was read), used in every message. */
  where: string;
  /** Why the last connection attempt failed or the last connection closed. */
  lastError?: NodeError;

  private client?: Client; // set only while the connection is ready
  /** The jump hosts the current connection (or attempt) goes through, first hop first. */
  private hopClients: Client[] = [];
  private connecting?: Promise<Client>;
  private pendingClient?: Client;
  private sftpPromise?: Promise<SFTPWrapper>;
  /** Clients ended by close(): their end is not an error. */
  private readonly closedByUs = new WeakSet<Client>();
  private readonly keys: KeyCache = new Map(); // a decrypted-once key is not asked for again
  private shut = false;

  constructor(private readonly opts: SshSessionOptions) {
    super();
    if (!opts.node.host) throw new NodeErrorException({ kind: 'config', message: `node ${opts.node.name} has no host` });
    this.where = `${opts.node.host}:${opts.node.port ?? 22}`;
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
    const hops = this.hopClients;
    this.hopClients = [];
    const c = this.client ?? this.pendingClient;
    // The node's own client is ended below, as ours: only the hops before it end here.
    this.endHops(hops.filter((h) => h !== c));
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
    let route: SshRoute;
    try {
      route = await this.resolveRoute();
    } catch (e) {
      const ne = e instanceof NodeErrorException ? e : new NodeErrorException({ kind: 'config', message: (e as Error).message });
      this.lastError = ne.nodeError;
      throw ne;
    }
    this.where = route.target.label;
    const hops: Client[] = [];
    this.hopClients = hops;
    // The first failure of a hop after the node's connection is up: the node's reason.
    let hopLost: NodeErrorException | undefined;
    const lostVia = () => hopLost;
    try {
      let sock: Duplex | undefined;
      for (let i = 0; i < route.hops.length; i++) {
        const ep = route.hops[i];
        if (i > 0) sock = await this.forward(hops[i - 1], route.hops[i - 1], ep);
        const hop = await this.connectOne(ep, sock, { hop: true, lostVia });
        hops.push(hop);
        hop.on('error', (err) => {
          hopLost ??= classifySshError(err, ep.label);
        });
        hop.on('close', () => {
          hopLost ??= new NodeErrorException({ kind: 'unreachable', message: `connection to ${ep.label} closed` });
          // The channels through it are gone with it; the node's connection must say so now.
          if (this.client && !this.closedByUs.has(this.client) && this.hopClients === hops) this.client.destroy();
        });
      }
      if (hops.length > 0) {
        const last = route.hops[route.hops.length - 1];
        sock = await this.forward(hops[hops.length - 1], last, route.target);
      }
      return await this.connectOne(route.target, sock, { hop: false, lostVia });
    } catch (e) {
      this.endHops(hops);
      throw e;
    }
  }

  /** The route of the next connection: settings, then the ssh config file, then defaults. */
  private async resolveRoute(): Promise<SshRoute> {
    const file = this.opts.sshConfigFile;
    const cfg = file ? await readSshConfigFile(file) : undefined;
    return resolveRoute(this.opts.node, cfg, { exists: (f) => fs.existsSync(f) });
  }

  /** A channel from `via` to `to`'s sshd: the socket of the next connection. */
  private forward(via: Client, viaEp: SshEndpoint, to: SshEndpoint): Promise<Duplex> {
    return new Promise<Duplex>((resolve, reject) => {
      // The jump host's sshd connects for us and may wait a long time on a silent address.
      const timer = setTimeout(
        () => reject(new NodeErrorException({ kind: 'unreachable', message: `cannot reach ${to.label} through ${viaEp.label}: no answer within ${this.opts.timeouts.connectMs} ms` })),
        this.opts.timeouts.connectMs,
      );
      via.forwardOut('127.0.0.1', 0, to.host, to.port, (err, channel) => {
        clearTimeout(timer);
        if (err) {
          reject(new NodeErrorException({ kind: 'unreachable', message: `cannot reach ${to.label} through ${viaEp.label}: ${err.message}` }, err));
          return;
        }
        resolve(channel);
      });
    });
  }

  private endHops(hops: Client[]): void {
    for (const h of [...hops].reverse()) {
      this.closedByUs.add(h);
      h.end();
      setTimeout(() => h.destroy(), 1000).unref();
    }
  }

  /** One SSH connection, over `sock` when given (a channel of the hop before it). */
  private async connectOne(ep: SshEndpoint, sock: Duplex | undefined, role: { hop: boolean; lostVia: () => NodeErrorException | undefined }): Promise<Client> {
    let ids: Identities;
    try {
      ids = await this.identities(ep);
    } catch (e) {
      const ne = e instanceof NodeErrorException ? e : classifySshError(e, ep.label);
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
        const ne =
          hostKeyError ??
          (this.opts.allowSshRsa ? undefined : sshRsaOnly(err, ep.label)) ??
          ((err as { level?: string }).level === 'client-authentication' ? new NodeErrorException(noneAccepted(ep.user, ep.label, ids), err) : classifySshError(err, ep.label));
        this.opts.debug?.(`ssh ${ep.label}: ${err.message}`);
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
        this.opts.debug?.(`ssh ${role.hop ? ep.label : `${ep.user}@${ep.label}`}: connected`);
        if (role.hop) {
          resolve(client);
          return;
        }
        this.client = client;
        this.lastError = undefined;
        resolve(client);
        this.emit('ready');
      });
      client.on('close', () => {
        if (!settled) {
          fail(
            this.closedByUs.has(client)
              ? new NodeErrorException({ kind: 'other', message: `connection to ${this.where} closed by request` })
              : (role.lostVia() ?? classifySshError(new Error('Connection lost before handshake'), ep.label)),
          );
          return;
        }
        if (role.hop || this.client !== client) return;
        this.client = undefined;
        this.sftpPromise = undefined;
        const hops = this.hopClients;
        this.hopClients = [];
        this.endHops(hops);
        // Not closed by us: the caller should treat the node as unreachable until a reconnect works.
        const why = role.lostVia()?.nodeError ?? closeError?.nodeError ?? { kind: 'unreachable', message: `connection to ${this.where} closed by the server` };
        this.lastError = why;
        this.opts.debug?.(`ssh ${this.where}: connection closed (${why.message})`);
        this.emit('closed', why);
      });

      let known: string[] = [];
      try {
        known = knownKeyTypes(this.opts.knownHostsFile, ep.host, ep.port);
      } catch {
        // Unreadable known_hosts: the host verifier reports it as the connection's error.
      }
      const serverHostKey = hostKeyAlgorithms(known, this.opts.allowSshRsa ?? false);

      try {
        client.connect({
          ...(sock ? { sock } : { host: ep.host, port: ep.port }),
          username: ep.user,
          readyTimeout: this.opts.timeouts.connectMs,
          keepaliveInterval: this.opts.timeouts.keepaliveMs,
          keepaliveCountMax: 3,
          algorithms: { serverHostKey: serverHostKey as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
          hostVerifier: (key: Buffer): boolean => {
            hostKeyError = this.verifyHostKey(key, ep, role.hop);
            return hostKeyError === undefined;
          },
          debug: this.opts.ssh2Debug,
          authHandler: this.authHandler(ep, ids),
        });
        // Without ssh2's optional native crypto helper (the bundle ships without it), each
        // packet leaves in several writes, and Nagle holds the last one until the server's
        // delayed ACK: measured 175 ms per SFTP or docker round trip instead of 1-2 ms.
        client.setNoDelay(true);
      } catch (e) {
        fail(classifySshError(e, ep.label));
      }
    });
  }

  /** undefined when the key may be used; otherwise the error that refuses it. */
  private verifyHostKey(key: Buffer, ep: SshEndpoint, hop: boolean): NodeErrorException | undefined {
    const type = keyTypeOfBlob(key) ?? 'unknown';
    const fingerprint = fingerprintSha256(key);
    const file = this.opts.knownHostsFile;
    const keyHost = knownHostsName(ep.host, ep.port);
    const about = hop ? { keyHost, hop: ep.label } : { keyHost };
    let v;
    try {
      v = checkHostKey(file, ep.host, ep.port, type, key);
    } catch (e) {
      return new NodeErrorException({ kind: 'config', message: `cannot read known_hosts ${file}: ${(e as Error).message}` });
    }
    switch (v.verdict) {
      case 'known':
        return undefined;
      case 'unknown':
        return new NodeErrorException({
          kind: 'hostKeyUnknown',
          message: `host key of ${ep.label} is not in ${file}: ${type} ${fingerprint}. Verify the fingerprint before trusting it.`,
          fingerprint,
          presentedKey: `${type} ${key.toString('base64')}`,
          ...about,
        });
      case 'changed':
        return new NodeErrorException({
          kind: 'hostKeyChanged',
          message:
            `WARNING: the host key of ${ep.label} has CHANGED (${file} has ${v.knownTypes.join(', ')}; ` +
            `the server presented ${type} ${fingerprint}). This may be a man-in-the-middle attack. ` +
            `Connection refused; if the change is legitimate, remove the old key from ${file}.`,
          fingerprint,
          ...about,
        });
      case 'revoked':
        return new NodeErrorException({
          kind: 'hostKeyChanged',
          message: `the host key ${type} ${fingerprint} of ${ep.label} is marked @revoked in ${file}. Connection refused.`,
          fingerprint,
          ...about,
        });
    }
  }

  /** What `ep` is offered, in order; throws when nothing is ('passphrase' / 'config' / 'auth'). */
  private async identities(ep: SshEndpoint): Promise<Identities> {
    const fromEnv = this.opts.agent === undefined ? process.env.SSH_AUTH_SOCK : this.opts.agent || undefined;
    // IdentityAgent of ~/.ssh/config decides for this host, unless agents are off altogether.
    const agent = this.opts.agent === false ? undefined : ep.agent === false ? undefined : (ep.agent ?? fromEnv);
    const defaults = this.opts.defaultIdentityFiles ?? ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(os.homedir(), '.ssh', f));
    const ids = await loadIdentities(agent || undefined, ep.identityFiles, defaults, { cache: this.keys, ...(this.opts.passphrase ? { passphrase: this.opts.passphrase } : {}) });
    for (const k of ids.skipped) this.opts.warn?.(`ssh ${ep.label}: key ${k.file} ${k.why}: not offered`);
    if (ids.offered.length === 0) throw new NodeErrorException(nothingToOffer(ep.label, ids));
    return ids;
  }

  /** ssh2 offers each identity in turn; the log says which one is being tried. */
  private authHandler(ep: SshEndpoint, ids: Identities): AuthHandlerMiddleware {
    let next = 0;
    return (_left, _partial, cb) => {
      const i = ids.offered[next++];
      if (!i) return cb(false as unknown as AnyAuthMethod);
      this.opts.debug?.(`ssh ${ep.label}: offering ${identityName(i)}`);
      if (i.kind === 'agent') return cb({ type: 'agent', username: ep.user, agent: i.agent });
      return cb({ type: 'publickey', username: ep.user, key: i.data, ...(i.passphrase !== undefined ? { passphrase: i.passphrase } : {}) });
    };
  }
}

/** A server whose host key can only sign with SHA-1 says so, and how to allow it, instead of ssh2's bare words. */
function sshRsaOnly(err: Error, where: string): NodeErrorException | undefined {
  if (!/no matching host key format/.test(err.message)) return undefined;
  return new NodeErrorException(
    {
      kind: 'config',
      message: `${where} offers no host key algorithm this client accepts: probably only ssh-rsa (an RSA key signing with SHA-1), off by default as in OpenSSH since 8.8. Give the server an ed25519 key, or set allowSshRsa (glusterBackup.allowSshRsa) to accept it`,
    },
    err,
  );
}
