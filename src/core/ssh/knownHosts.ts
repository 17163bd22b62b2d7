// known_hosts, read the way OpenSSH reads it, because the operator's file is shared with their
// `ssh` and must mean the same thing to both: plain and comma-listed host patterns (with * ? and
// !negation), `[host]:port` for ports other than 22, hashed `|1|salt|hmac` names, `@revoked`
// keys. `@cert-authority` lines are ignored (we do not verify host certificates) and lines we
// cannot read are skipped, as ssh skips them, instead of making the whole file unusable.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export type HostKeyVerdict =
  | { verdict: 'known' }
  | { verdict: 'unknown' }
  /** The host is known, but with other keys: refuse (possible man-in-the-middle). */
  | { verdict: 'changed'; knownTypes: string[] }
  | { verdict: 'revoked' };

interface Entry {
  marker?: '@revoked' | '@cert-authority';
  hosts: string;
  keyType: string;
  blob: Buffer;
}

/** The key type a public key blob names in its first field (e.g. `ssh-ed25519`). */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return undefined;
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:<base64 without padding>`, exactly what `ssh-keygen -lf` and ssh's prompt print. */
export function fingerprintSha256(keyBlob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '');
}

/** The fingerprint of a key written as `type base64`; undefined when it is not one. */
export function keyFingerprint(key: string): string | undefined {
  const [type, b64, more] = key.split(' ');
  if (!type || !b64 || more !== undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  const blob = Buffer.from(b64, 'base64');
  return keyTypeOfBlob(blob) === type ? fingerprintSha256(blob) : undefined;
}

/** knownHostsName read back: `[host]:port`, or a bare host on port 22. */
export function parseKnownHostsName(name: string): { host: string; port: number } {
  const m = /^\[(.+)\]:([0-9]+)$/.exec(name);
  return m ? { host: m[1], port: Number(m[2]) } : { host: name, port: 22 };
}

/** The name known_hosts uses for a host: the bare name on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port = 22): string {
  const h = host.toLowerCase();
  return port === 22 ? h : `[${h}]:${port}`;
}

function parseLine(line: string): Entry | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  const f = t.split(/\s+/);
  let marker: Entry['marker'];
  if (f[0].startsWith('@')) {
    if (f[0] !== '@revoked' && f[0] !== '@cert-authority') return undefined; // unknown marker: ssh skips it too
    marker = f.shift() as Entry['marker'];
  }
  if (f.length < 3) return undefined;
  const [hosts, keyType, b64] = f;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  const blob = Buffer.from(b64, 'base64');
  // A blob whose embedded type differs from the type field is corrupt: skip it like ssh does.
  if (keyTypeOfBlob(blob) !== keyType) return undefined;
  return { marker, hosts, keyType, blob };
}

/** Glob match with `*` and `?`, as OpenSSH's match_pattern (case already folded by the caller). */
function globMatch(s: string, pattern: string): boolean {
  const re = '^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$';
  return new RegExp(re, 's').test(s);
}

function hashedMatch(name: string, field: string): boolean {
  // |1|base64(salt)|base64(HMAC-SHA1(salt, name))
  const parts = field.split('|');
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2], 'base64');
  const want = Buffer.from(parts[3], 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/** OpenSSH match_hostname: any positive pattern matches and no negated one does. */
function hostsMatch(name: string, hosts: string): boolean {
  if (hosts.startsWith('|')) return hashedMatch(name, hosts);
  let matched = false;
  for (const raw of hosts.toLowerCase().split(',')) {
    const neg = raw.startsWith('!');
    const pat = neg ? raw.slice(1) : raw;
    if (pat === '' || !globMatch(name, pat)) continue;
    if (neg) return false;
    matched = true;
  }
  return matched;
}

function readEntries(file: string): Entry[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e; // unreadable (EACCES...): the caller must not treat that as "unknown host"
  }
  const out: Entry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const e = parseLine(line);
    if (e) out.push(e);
  }
  return out;
}

/**
 * What known_hosts says about the key `host:port` presented. A revoked key is refused whatever
 * host pattern its `@revoked` line carries: a key known to be compromised is never trusted.
 */
export function checkHostKey(file: string, host: string, port: number, keyType: string, keyBlob: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port);
  const entries = readEntries(file);
  if (entries.some((e) => e.marker === '@revoked' && e.blob.equals(keyBlob))) return { verdict: 'revoked' };
  const forHost = entries.filter((e) => e.marker === undefined && hostsMatch(name, e.hosts));
  if (forHost.some((e) => e.keyType === keyType && e.blob.equals(keyBlob))) return { verdict: 'known' };
  if (forHost.length === 0) return { verdict: 'unknown' };
  return { verdict: 'changed', knownTypes: [...new Set(forHost.map((e) => e.keyType))] };
}

/** Key types known_hosts holds for `host:port`, so the client can ask the server for those first. */
export function knownKeyTypes(file: string, host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  const types = readEntries(file)
    .filter((e) => e.marker === undefined && hostsMatch(name, e.hosts))
    .map((e) => e.keyType);
  return [...new Set(types)];
}

/**
 * Appends `host keyType key` (or `[host]:port ...`) to known_hosts, creating the file (0600) and
 * its directory (0700) if needed. Existing lines are never rewritten: the file is the operator's.
 * `hash` writes the name hashed, as `HashKnownHosts yes` does. Returns the line written.
 */
export async function addKnownHost(
  file: string,
  host: string,
  port: number,
  keyType: string,
  keyBase64: string,
  opts: { hash?: boolean } = {},
): Promise<string> {
  // Everything below ends up in a file ssh trusts: refuse anything that could add a second line.
  if (!/^[A-Za-z0-9._:%-]+$/.test(host)) throw new Error(`invalid host name "${host}"`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid port ${port}`);
  if (!/^[A-Za-z0-9@._+-]+$/.test(keyType)) throw new Error(`invalid key type "${keyType}"`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64)) throw new Error('invalid key (not base64)');
  if (keyTypeOfBlob(Buffer.from(keyBase64, 'base64')) !== keyType) throw new Error(`key is not of type ${keyType}`);

  let name = knownHostsName(host, port);
  if (opts.hash) {
    const salt = randomBytes(20);
    name = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  const line = `${name} ${keyType} ${keyBase64}`;

  await fs.promises.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const fh = await fs.promises.open(file, 'a+', 0o600);
  try {
    // If the last line has no newline, start ours on a fresh line instead of gluing onto it.
    const { size } = await fh.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await fh.appendFile(prefix + line + '\n');
  } finally {
    await fh.close();
  }
  return line;
}
