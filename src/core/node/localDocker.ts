// The machine the client runs on as a node of its own: in a Remote-SSH window on a data node,
// its docker socket is the node's. Which socket (DOCKER_HOST, as the docker CLI reads it, or the
// default), and whether anything answers there: without a node configured, only a docker that
// answers (or refuses this user, which the operator must hear about) makes a node worth showing.
import { DEFAULT_DOCKER_SOCKET } from './nodeConnection';
import { dockerode } from '../lazyDeps';
import { withDeadline } from './deadline';
import { deniedText } from './nodeErrors';

/** The local docker socket, or why DOCKER_HOST names none this client can use. */
export function localDockerSocket(env: NodeJS.ProcessEnv): { socket: string } | { problem: string } {
  const v = env.DOCKER_HOST?.trim();
  if (!v) return { socket: DEFAULT_DOCKER_SOCKET };
  const m = /^unix:\/\/(\/.*)$/.exec(v);
  if (!m) return { problem: `DOCKER_HOST=${v}: only a unix socket (unix:///path/docker.sock) can be this machine's docker; add the node over SSH instead` };
  const p = m[1];
  if (p.split('/').some((seg) => seg === '..' || seg === '.') || p.includes('\0')) return { problem: `DOCKER_HOST=${v}: give the socket's path without "." or ".." segments` };
  return { socket: p };
}

export type LocalDockerAnswer = { state: 'answers' } | { state: 'absent' | 'denied' | 'silent'; message: string };

/** One ping of the docker API on the socket. Never throws. */
export async function pingLocalDocker(socket: string, timeoutMs: number): Promise<LocalDockerAnswer> {
  try {
    const docker = new (dockerode())({ socketPath: socket });
    await withDeadline(`docker ping on ${socket}`, timeoutMs, () => docker.ping());
    return { state: 'answers' };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code === 'ENOENT') return { state: 'absent', message: `no docker socket at ${socket}` };
    if (code === 'EACCES' || code === 'EPERM') return { state: 'denied', message: deniedText(socket) };
    return { state: 'silent', message: `the docker socket ${socket} does not answer (${(e as Error)?.message ?? String(e)})` };
  }
}
