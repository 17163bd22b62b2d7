// dockerode over the node's one SSH connection: each HTTP connection the agent needs is a
// streamlocal channel to the node's docker socket. Not docker-modem's own `protocol: 'ssh'`,
// which makes a new SSH connection plus `docker system dial-stdio` per request (~250 ms),
// swallows errors and crashes on its timeout option (all three seen on the test bed).
import * as http from 'http';
import { inspect } from 'util';
import type { Duplex } from 'stream';
import type Docker from 'dockerode';
import { dockerode } from '../lazyDeps';
import type { NodeError } from '../model';
import { NodeErrorException } from './errors';
import type { SshSession } from './sshSession';

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * Node's http client and Agent call net.Socket methods that an ssh2 channel lacks
 * (setTimeout, setKeepAlive, setNoDelay, ref, unref). Adds them: setTimeout is a real idle
 * timer (request timeouts depend on it), the others mean nothing on a channel.
 */
function asSocket(ch: Duplex): Duplex {
  const s = ch as Duplex & Record<string, unknown>;
  let timer: NodeJS.Timeout | undefined;
  let ms = 0;
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = ms > 0 && !ch.destroyed ? setTimeout(() => ch.emit('timeout'), ms) : undefined;
  };
  s.setTimeout = (msecs: number, cb?: () => void) => {
    ms = msecs;
    s.timeout = msecs;
    if (cb) (msecs > 0 ? ch.once('timeout', cb) : ch.removeListener('timeout', cb));
    arm();
    return ch;
  };
  // Activity in either direction restarts the idle timer, as on a net.Socket. Incoming data is
  // seen at push(), not with a 'data' listener: that would switch the stream to flowing mode and
  // lose the first bytes of a hijacked (exec/attach) stream before its consumer subscribes.
  const push = ch.push;
  s.push = function (this: Duplex, ...args: unknown[]) {
    if (ms > 0) arm();
    return (push as (...a: unknown[]) => boolean).apply(this, args);
  };
  const write = ch.write;
  s.write = function (this: Duplex, ...args: unknown[]) {
    if (ms > 0) arm();
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  };
  ch.once('close', () => timer && clearTimeout(timer));
  // ssh2 channels allow half-open: when dockerd closes its side (EOF), ours would stay open and
  // sshd never sends CHANNEL_CLOSE, so a pooled channel looks alive forever and the next request
  // on it hangs. Close our side too, as a net.Socket with allowHalfOpen=false (http's) does.
  ch.once('end', () => ch.end());
  for (const m of ['setKeepAlive', 'setNoDelay', 'ref', 'unref']) s[m] = () => ch;
  return ch;
}

export interface SshDockerAgentOptions {
  /** Docker socket on the node (default /var/run/docker.sock). */
  socketPath?: string;
  /** Idle channels kept for reuse (default 4); 0 opens a channel per request. */
  maxFreeSockets?: number;
}

/** An http.Agent whose connections are channels to the node's docker socket. */
export class SshDockerAgent extends http.Agent {
  readonly socketPath: string;
  /** Every open channel, including hijacked ones the http Agent no longer tracks. */
  private readonly channels = new Set<Duplex>();

  constructor(
    private readonly session: SshSession,
    opts: SshDockerAgentOptions = {},
  ) {
    const maxFree = opts.maxFreeSockets ?? 4;
    super({ keepAlive: maxFree > 0, maxFreeSockets: Math.max(1, maxFree) });
    this.socketPath = opts.socketPath ?? DEFAULT_DOCKER_SOCKET;
    session.on('closed', (why) => this.connectionClosed(why));
  }

  override createConnection(
    _options: http.ClientRequestArgs,
    cb?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    // Async: Agent waits for cb. Errors are NodeErrorExceptions (unreachable, dockerUnavailable...).
    this.session.openUnixSocket(this.socketPath).then(
      (ch) => {
        this.channels.add(ch);
        ch.once('close', () => this.channels.delete(ch));
        cb?.(null, asSocket(ch));
      },
      (err: Error) => cb?.(err, undefined as unknown as Duplex),
    );
    return undefined;
  }

  /**
   * docker-modem builds `util.inspect(options, { showHidden: true, depth: null })` for its debug
   * log on every request, whether that log is on or not, and the options hold this agent. Without
   * a short form of its own, each docker call walked the pooled channels, the SSH client and its
   * buffers: most of the CLI's CPU in a cold `status` of 20 nodes (bench/nodes20.bench.ts).
   */
  [inspect.custom](): string {
    return `SshDockerAgent(${this.socketPath} over ${this.session.where})`;
  }

  override keepSocketAlive(socket: Duplex): boolean {
    // An idle pooled channel is read by no one. ssh2 emits a channel's 'close' only after its
    // 'end', and 'end' only once the stream is read to EOF: keep it flowing so that the server's
    // close surfaces and the agent drops the channel instead of handing out a dead one.
    socket.resume();
    // The base class honours a server's `Keep-Alive: timeout=N` hint (via the socket shims).
    return (super.keepSocketAlive as (s: Duplex) => boolean)(socket) !== false;
  }

  /**
   * The SSH connection is gone. Without this, ssh2 just ends the channels: a request in flight
   * fails with a bare "socket hang up" and a hijacked exec stream ends as if it had succeeded.
   * Give every user of a channel the real reason instead, and drop the pooled ones.
   */
  private connectionClosed(why: NodeError | undefined): void {
    const err = new NodeErrorException(why ?? { kind: 'other', message: `SSH connection to ${this.session.where} closed` });
    for (const list of Object.values(this.freeSockets)) for (const s of list ?? []) s.destroy();
    for (const ch of this.channels) {
      if (ch.listenerCount('error') > 0) ch.emit('error', err);
    }
    this.channels.clear();
  }
}

/**
 * A dockerode client for the node behind `session`. Every option is explicit so that
 * DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH in the environment cannot redirect it:
 * docker-modem merges those defaults under ours, and a `host` from DOCKER_HOST would otherwise
 * win over a socketPath. host/port only name the HTTP Host header; the agent ignores them.
 */
export function dockerOverSsh(
  session: SshSession,
  opts: SshDockerAgentOptions & { timeoutMs?: number } = {},
): { docker: Docker; agent: SshDockerAgent } {
  const agent = new SshDockerAgent(session, opts);
  // agent and pathPrefix are docker-modem options the typings lack (pathPrefix: so that
  // DOCKER_PATH_PREFIX cannot apply).
  const options: Docker.DockerOptions & { agent: http.Agent; pathPrefix: string } = {
    protocol: 'http',
    host: 'localhost',
    port: 2375,
    pathPrefix: '/',
    agent,
    ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
  };
  const docker = new (dockerode())(options);
  return { docker, agent };
}
