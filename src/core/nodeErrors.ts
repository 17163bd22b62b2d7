// Turns whatever a failed call threw into the NodeError the explorer shows, so the operator
// reads one consistent sentence per cause and gets the matching fix action.
import { DeadlineError } from './deadline';
import type { NodeError } from './model';

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

export function toNodeError(e: unknown, where: string): NodeError {
  if (hasNodeError(e)) return e.nodeError;
  if (e instanceof DeadlineError) return { kind: 'timeout', message: `${where}: ${e.message}` };
  const err = e as NodeJS.ErrnoException & { statusCode?: number };
  const code = err?.code;
  const msg = err?.message ?? String(e);
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') {
    if (/docker\.sock|\.sock/.test(msg) || /socket/i.test(msg) || code === 'ENOENT') {
      return { kind: 'dockerUnavailable', message: `${where}: the docker socket does not answer (${msg})` };
    }
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'ETIMEDOUT' || code === 'ECONNRESET') {
    return { kind: 'unreachable', message: `${where}: ${msg}` };
  }
  return { kind: 'other', message: `${where}: ${msg}` };
}
