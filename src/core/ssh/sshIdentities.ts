// The credentials one SSH connection offers, in OpenSSH's order: the agent when there is one,
// then every identity file in turn (the node's own setting first, then each IdentityFile of
// ~/.ssh/config), else the default keys. A key that cannot be used (missing, not a key, encrypted
// without its passphrase) is left out with the reason, so the others are still tried; the reasons
// come back in the error when nothing was accepted.
import * as fs from 'fs';
import { ssh2 } from '../lazyDeps';
import type { NodeError } from '../model';

export type Identity = { kind: 'agent'; agent: string } | { kind: 'key'; file: string; data: Buffer; passphrase?: string };

export interface SkippedKey {
  file: string;
  why: string;
  /** Encrypted and without the right passphrase: giving one is the fix. */
  passphrase: boolean;
}

export interface Identities {
  offered: Identity[];
  skipped: SkippedKey[];
}

/** Decrypted keys of this session, by file: a passphrase is asked once, not on every reconnect. */
export type KeyCache = Map<string, { data: Buffer; passphrase?: string }>;

export interface IdentityOptions {
  /** Asked for an encrypted key; undefined or '' = none given. */
  passphrase?: (file: string) => Promise<string | undefined>;
  cache: KeyCache;
}

/**
 * `files` are the configured ones (a missing one is reported); `defaults` are tried, as ssh does,
 * only when none is configured, and a missing default is passed over in silence.
 */
export async function loadIdentities(agent: string | undefined, files: readonly string[], defaults: readonly string[], opts: IdentityOptions): Promise<Identities> {
  const out: Identities = { offered: agent ? [{ kind: 'agent', agent }] : [], skipped: [] };
  const configured = files.length > 0;
  for (const file of [...new Set(configured ? files : defaults)]) {
    const r = await loadKey(file, opts);
    if ('why' in r) {
      if (configured || !r.missing) out.skipped.push({ file, why: r.why, passphrase: r.passphrase });
    } else out.offered.push({ kind: 'key', file, ...r });
  }
  return out;
}

type Loaded = { data: Buffer; passphrase?: string } | { why: string; passphrase: boolean; missing: boolean };

async function loadKey(file: string, opts: IdentityOptions): Promise<Loaded> {
  let data: Buffer;
  try {
    data = await fs.promises.readFile(file);
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return { why: missing ? 'does not exist' : `cannot be read (${(e as Error).message})`, passphrase: false, missing };
  }
  const cached = opts.cache.get(file);
  if (cached && cached.data.equals(data)) return cached;
  const plain = ssh2().utils.parseKey(data);
  if (!(plain instanceof Error)) {
    opts.cache.set(file, { data });
    return { data };
  }
  if (!/encrypted|passphrase/i.test(plain.message)) return { why: `is not a usable private key (${plain.message})`, passphrase: false, missing: false };
  const pass = await opts.passphrase?.(file);
  if (pass === undefined || pass === '') return { why: 'is encrypted and no passphrase was given', passphrase: true, missing: false };
  const parsed = ssh2().utils.parseKey(data, pass);
  if (parsed instanceof Error) return { why: `wrong passphrase (${parsed.message})`, passphrase: true, missing: false };
  const key = { data, passphrase: pass };
  opts.cache.set(file, key);
  return key;
}

export function identityName(i: Identity): string {
  return i.kind === 'agent' ? `the ssh-agent at ${i.agent}` : i.file;
}

function skippedText(s: readonly SkippedKey[]): string {
  return s.map((k) => `${k.file} ${k.why}`).join('; ');
}

/** The first key left out for want of a passphrase: the one to ask for. */
function passphraseKey(s: readonly SkippedKey[]): SkippedKey | undefined {
  return s.find((k) => k.passphrase);
}

/** Why a connection cannot even be tried: nothing to offer. */
export function nothingToOffer(where: string, ids: Identities): NodeError {
  const p = passphraseKey(ids.skipped);
  if (p) return { kind: 'passphrase', message: `no usable SSH key for ${where}: ${skippedText(ids.skipped)}`, keyFile: p.file };
  if (ids.skipped.length > 0) return { kind: 'config', message: `no usable SSH key for ${where}: ${skippedText(ids.skipped)}` };
  return {
    kind: 'auth',
    message: `no SSH credentials for ${where}: set the node's identityFile (or IdentityFile in the ssh config) or run an ssh-agent (SSH_AUTH_SOCK)`,
  };
}

/** The server refused every credential offered: each is named, and those left out say why. */
export function noneAccepted(user: string, where: string, ids: Identities): NodeError {
  const tried = ids.offered.map(identityName).join(', ');
  const left = ids.skipped.length ? `; not offered: ${skippedText(ids.skipped)}` : '';
  const p = passphraseKey(ids.skipped);
  const message = `SSH authentication as ${user} to ${where} failed: none of these was accepted: ${tried}${left}`;
  // A key still locked may be the one the server wants: asking for it is the fix to offer.
  return p ? { kind: 'passphrase', message, keyFile: p.file } : { kind: 'auth', message };
}
