// Every failure of the SSH transport leaves this module as a NodeErrorException, so callers
// can put `err.nodeError` straight into a NodeStatus without guessing from message text.
import type { NodeError, NodeErrorKind } from '../model';

/** An Error that carries the NodeError the explorer shows (kind drives the fix action). */
export class NodeErrorException extends Error {
  readonly kind: NodeErrorKind;
  readonly fingerprint?: string;
  readonly presentedKey?: string;
  readonly keyHost?: string;
  readonly hop?: string;
  readonly keyFile?: string;
  /** `cause`: the ssh2/socket error this was classified from, kept for the log. */
  constructor(e: NodeError, cause?: unknown) {
    super(e.message, cause === undefined ? undefined : { cause });
    this.name = 'NodeErrorException';
    this.kind = e.kind;
    if (e.fingerprint !== undefined) this.fingerprint = e.fingerprint;
    if (e.presentedKey !== undefined) this.presentedKey = e.presentedKey;
    if (e.keyHost !== undefined) this.keyHost = e.keyHost;
    if (e.hop !== undefined) this.hop = e.hop;
    if (e.keyFile !== undefined) this.keyFile = e.keyFile;
  }

  get nodeError(): NodeError {
    const e: NodeError = { kind: this.kind, message: this.message };
    if (this.fingerprint !== undefined) e.fingerprint = this.fingerprint;
    if (this.presentedKey !== undefined) e.presentedKey = this.presentedKey;
    if (this.keyHost !== undefined) e.keyHost = this.keyHost;
    if (this.hop !== undefined) e.hop = this.hop;
    if (this.keyFile !== undefined) e.keyFile = this.keyFile;
    return e;
  }
}

/** The NodeError of anything thrown by this transport (unknown errors become kind 'other'). */
export function toNodeError(err: unknown): NodeError {
  if (err instanceof NodeErrorException) return err.nodeError;
  const msg = err instanceof Error ? err.message : String(err);
  return { kind: 'other', message: msg };
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

/**
 * Maps an ssh2 Client error (or socket error) to a NodeError. `where` is `host:port`, put into
 * every unreachable message because "connect ECONNREFUSED" alone does not say which node.
 */
export function classifySshError(err: unknown, where: string): NodeErrorException {
  if (err instanceof NodeErrorException) return err;
  const e = (err ?? {}) as { code?: string; level?: string; message?: string };
  const msg = e.message ?? String(err);
  const code = e.code ?? '';
  if (UNREACHABLE_CODES.has(code)) {
    const what: Record<string, string> = {
      ECONNREFUSED: 'connection refused (is sshd running and listening on that port?)',
      EHOSTUNREACH: 'host unreachable',
      ENETUNREACH: 'network unreachable',
      ETIMEDOUT: 'connection timed out',
      ECONNRESET: 'connection reset by peer',
      EPIPE: 'connection lost',
      ENOTFOUND: 'host name not found',
      EAI_AGAIN: 'host name lookup failed (DNS)',
      EADDRNOTAVAIL: 'address not available',
    };
    return new NodeErrorException({ kind: 'unreachable', message: `cannot reach ${where}: ${what[code]}` }, err);
  }
  if (/Keepalive timeout/i.test(msg)) {
    return new NodeErrorException(
      { kind: 'unreachable', message: `link to ${where} went silent (no answer to SSH keepalives)` },
      err,
    );
  }
  if (/Timed out while waiting for handshake/i.test(msg)) {
    return new NodeErrorException({ kind: 'unreachable', message: `cannot reach ${where}: SSH handshake timed out` }, err);
  }
  if (/Connection lost before handshake|No response from server|Not connected/i.test(msg)) {
    return new NodeErrorException({ kind: 'unreachable', message: `connection to ${where} lost: ${msg}` }, err);
  }
  if (e.level === 'client-authentication' || /authentication methods failed/i.test(msg)) {
    return new NodeErrorException(
      { kind: 'auth', message: `SSH authentication to ${where} failed (key not accepted; check user, identityFile or ssh-agent)` },
      err,
    );
  }
  if (e.level === 'agent') {
    return new NodeErrorException({ kind: 'auth', message: `ssh-agent failed while authenticating to ${where}: ${msg}` }, err);
  }
  if (/Channel open failure/i.test(msg)) {
    return new NodeErrorException({ kind: 'dockerUnavailable', message: `${where}: ${msg}` }, err);
  }
  return new NodeErrorException({ kind: 'other', message: `SSH to ${where}: ${msg}` }, err);
}
