// Turns whatever a failed call threw into the NodeError the explorer shows, so the operator
// reads one consistent sentence per cause and gets the matching fix action.
//
// Who names the node: whoever reports a failure as one node's, once. What is read on its own (a
// node's status or look, a job's reason) is named here, by toNodeError with the node as `where`
// ("node1: ..."; the SSH layer's errors name the host they could not reach instead, and pass as
// they are). What travels beside its node (an action's result, the errors of the job list: a
// `node` field of its own) holds the cause alone, toNodeError without `where`, and the line that
// prints it puts "<node>: " in front. Nothing thrown inside a node's work names the node.
import { DeadlineError } from './deadline';
import type { NodeError } from '../model';

/** An error that already knows how to present itself (thrown by the SSH layer, for one). */
export interface HasNodeError {
  nodeError: NodeError;
}

export function hasNodeError(e: unknown): e is HasNodeError {
  return typeof e === 'object' && e !== null && 'nodeError' in e && typeof (e as HasNodeError).nodeError === 'object';
}

export class NodeFailure extends Error implements HasNodeError {
  constructor(readonly nodeError: NodeError) {
    super(nodeError.message);
    this.name = 'NodeFailure';
  }
}

/** What a user outside the docker group is told, instead of "docker is not answering". */
export function deniedText(socket: string): string {
  return `permission denied on the docker socket ${socket}: this user may not use docker (add it to the docker group, then log in again)`;
}

/**
 * The NodeError of a failure. `where`, the node (and what was done there), goes in front of the
 * message; without it the message is the cause alone, for a result that carries its node.
 */
export function toNodeError(e: unknown, where?: string): NodeError {
  if (hasNodeError(e)) return e.nodeError;
  const at = where === undefined ? '' : `${where}: `;
  if (e instanceof DeadlineError) return { kind: 'timeout', message: `${at}${e.message}` };
  const err = e as NodeJS.ErrnoException & { statusCode?: number };
  const code = err?.code;
  const msg = err?.message ?? String(e);
  if (code === 'EACCES' && /\.sock|socket/i.test(msg)) {
    const socket = /(\/\S+\.sock)\b/.exec(msg)?.[1] ?? 'of this machine';
    return { kind: 'dockerUnavailable', message: `${at}${deniedText(socket)}` };
  }
  if (code === 'ENOENT' || code === 'ECONNREFUSED') {
    if (/docker\.sock|\.sock/.test(msg) || /socket/i.test(msg) || code === 'ENOENT') {
      return { kind: 'dockerUnavailable', message: `${at}the docker socket does not answer (${msg})` };
    }
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT' || code === 'ECONNRESET') {
    return { kind: 'unreachable', message: `${at}${msg}` };
  }
  return { kind: 'other', message: `${at}${msg}` };
}

// A reconnect through a cut link fails one of these ways, decided by a race between the
// kernel's ARP retries and the SSH ready timeout (measured on the test bed: mostly the
// handshake timeout, now and then "host unreachable", back and forth). For the operator it is
// one reason: nothing answers at that address.
const NO_ANSWER = /^cannot reach (.+?): (host unreachable|network unreachable|connection timed out|SSH handshake timed out)$/;

/**
 * What the log compares to decide whether a node's reason changed: the message, except that
 * every "nothing answers" variant of a failed connect counts as the same reason. A refused
 * connection, a host key or a lost link stay reasons of their own.
 */
export function loggedReason(e: NodeError): string {
  const m = e.kind === 'unreachable' ? NO_ANSWER.exec(e.message) : null;
  return m ? `no answer from ${m[1]}` : e.message;
}
