// ~/.ssh/config as ssh applies it to one host: the `ssh-config` library matches the Host
// (and Match host) patterns and keeps the first value of each keyword, as ssh does. `Match exec`
// is never run (the text is data). `Include` is followed as ssh follows it (relative names
// from the config's directory, `*` and `?` in the last part, up to 16 levels), by putting the
// included text in its place; the files together are read with one bound. A value we cannot
// use is refused with the file, the host and the keyword.
import { promises as fsp } from 'fs';
import * as os from 'os';
import * as path from 'path';
import SSHConfig from 'ssh-config';

/** An ssh config far beyond any hand-written one is not read (it is not a config). */
export const MAX_SSH_CONFIG_BYTES = 1024 * 1024;

export interface ParsedSshConfig {
  /** Where it came from, for messages. */
  file: string;
  config: SSHConfig;
}

/** What the config says for one host; absent = the config does not set it. */
export interface SshHostConfig {
  hostName?: string;
  port?: number;
  user?: string;
  /** Every IdentityFile, in order, with ~ and tokens expanded. */
  identityFiles: string[];
  /** IdentityAgent: a socket path, false for `none`, absent for the default ($SSH_AUTH_SOCK). */
  identityAgent?: string | false;
  proxyJump?: string;
}

export interface LookupOptions {
  home?: string;
  localUser?: string;
  env?: NodeJS.ProcessEnv;
}

export function parseSshConfigText(text: string, file: string): ParsedSshConfig {
  if (Buffer.byteLength(text) > MAX_SSH_CONFIG_BYTES) throw new Error(`${file} is larger than ${MAX_SSH_CONFIG_BYTES} bytes: not read`);
  try {
    return { file, config: SSHConfig.parse(text) };
  } catch (e) {
    throw new Error(`${file} cannot be parsed: ${(e as Error).message}`);
  }
}

/** ssh's own limit on nested Include. */
const MAX_INCLUDE_DEPTH = 16;
/** Files one Include pattern may bring in: a directory of configs, not a whole disk. */
const MAX_INCLUDED_FILES = 256;

interface FileStamp {
  file: string;
  /** -1: the file did not exist (its appearing is a change too). */
  mtimeMs: number;
  size: number;
}

/** The last read of each config file, with what it was made of: reused while none changed. */
const cache = new Map<string, { stamps: FileStamp[]; parsed: ParsedSshConfig | undefined }>();

async function stampOf(file: string): Promise<FileStamp> {
  const st = await fsp.stat(file).catch(() => undefined);
  return st ? { file, mtimeMs: st.mtimeMs, size: st.size } : { file, mtimeMs: -1, size: -1 };
}

/**
 * The config in `file`, with what it includes; undefined when there is none (as ssh, a missing
 * file is no config). Every connection asks for it: a read whose files (and their stat) are
 * unchanged since the last read is answered from memory.
 */
export async function readSshConfigFile(file: string): Promise<ParsedSshConfig | undefined> {
  const had = cache.get(file);
  if (had) {
    const now = await Promise.all(had.stamps.map((x) => stampOf(x.file)));
    if (now.every((x, i) => x.mtimeMs === had.stamps[i].mtimeMs && x.size === had.stamps[i].size)) return had.parsed;
  }
  const walk: IncludeWalk = { bytes: 0, files: 0, stamps: [] };
  const text = await readWithIncludes(file, path.dirname(file), 0, walk);
  const stamps = walk.stamps;
  const parsed = text === undefined ? undefined : parseSshConfigText(text, file);
  cache.set(file, { stamps, parsed });
  return parsed;
}

interface IncludeWalk {
  /** Bytes and files read so far, all together: a file including itself ends here. */
  bytes: number;
  files: number;
  /** Every file read and directory listed, for the cache to check. */
  stamps: FileStamp[];
}

async function readWithIncludes(file: string, base: string, depth: number, walk: IncludeWalk): Promise<string | undefined> {
  const text = await readBounded(file, walk);
  if (text === undefined) return undefined;
  if (!/^\s*include\b/im.test(text)) return text;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*include(?:\s*=\s*|\s+)(.+?)\s*$/i.exec(line);
    if (!m) {
      out.push(line);
      continue;
    }
    if (depth + 1 > MAX_INCLUDE_DEPTH) throw new Error(`${file}: Include nested more than ${MAX_INCLUDE_DEPTH} deep`);
    for (const pattern of includePatterns(m[1])) {
      for (const f of await expandInclude(pattern, base, file, walk)) {
        const inner = await readWithIncludes(f, base, depth + 1, walk);
        if (inner !== undefined) out.push(`# included from ${f}`, inner);
      }
    }
  }
  return out.join('\n');
}

/** One Include line's names, split as ssh splits them (quotes keep spaces). */
function includePatterns(v: string): string[] {
  return [...v.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]).filter(Boolean);
}

async function expandInclude(pattern: string, base: string, from: string, walk: IncludeWalk): Promise<string[]> {
  const home = os.homedir();
  const abs = pattern.startsWith('~') ? expandTilde(pattern, home) : path.isAbsolute(pattern) ? pattern : path.join(base, pattern);
  const dir = path.dirname(abs);
  const leaf = path.basename(abs);
  if (/[*?[]/.test(dir)) throw new Error(`${from}: Include "${pattern}" has a wildcard before its last part, which is not followed`);
  if (!/[*?]/.test(leaf)) return [abs];
  const re = new RegExp(`^${leaf.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  // A file added to the directory changes its mtime: the cache sees it.
  walk.stamps.push(await stampOf(dir));
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  // As glob(3): sorted, and no hidden files unless the pattern starts with a dot.
  const hits = names.filter((n) => re.test(n) && (leaf.startsWith('.') || !n.startsWith('.'))).sort();
  if (hits.length > MAX_INCLUDED_FILES) throw new Error(`${from}: Include "${pattern}" matches ${hits.length} files (more than ${MAX_INCLUDED_FILES}): not read`);
  return hits.map((n) => path.join(dir, n));
}

async function readBounded(file: string, walk: IncludeWalk): Promise<string | undefined> {
  if (++walk.files > MAX_INCLUDED_FILES) throw new Error(`${file}: the ssh config includes more than ${MAX_INCLUDED_FILES} files: not read`);
  let fh;
  try {
    fh = await fsp.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${file}: ${(e as Error).message}`);
    // Its appearing later is a change too.
    walk.stamps.push({ file, mtimeMs: -1, size: -1 });
    return undefined;
  }
  try {
    // The stamp from the file that is read, not from a stat before opening it.
    const st = await fh.stat();
    walk.stamps.push({ file, mtimeMs: st.mtimeMs, size: st.size });
    if (!st.isFile()) throw new Error(`${file} is not a file`);
    walk.bytes += st.size;
    if (walk.bytes > MAX_SSH_CONFIG_BYTES) {
      throw new Error(walk.files === 1 ? `${file} is larger than ${MAX_SSH_CONFIG_BYTES} bytes: not read` : `${file}: the ssh config with what it includes is larger than ${MAX_SSH_CONFIG_BYTES} bytes: not read`);
    }
    return await fh.readFile('utf8');
  } finally {
    await fh.close();
  }
}

export function valuesOf(v: unknown): string[] {
  if (typeof v === 'string') return v.split(/\s+/).filter(Boolean);
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : String((x as { val: string }).val)));
  return [];
}

export function firstOf(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** OpenSSH percent tokens that make sense without a connection (others stay as written). */
export function expandTokens(s: string, t: Record<string, string>): string {
  return s.replace(/%([%dhnru])/g, (_, c: string) => (c === '%' ? '%' : (t[c] ?? `%${c}`)));
}

export function expandTilde(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return path.join(home, p.slice(2));
  return p;
}

export function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? '';
  }
}

const unquote = (s: string) => s.replace(/^"(.*)"$/, '$1');

/** What `cfg` says for `alias` (the name as given to ssh). Throws on a value that cannot be used. */
export function lookupSshHost(cfg: ParsedSshConfig, alias: string, opts: LookupOptions = {}): SshHostConfig {
  const home = opts.home ?? os.homedir();
  const localUser = opts.localUser ?? safeUserName();
  const env = opts.env ?? process.env;
  const c = cfg.config.compute(alias, { ignoreCase: true, matchExec: false });
  const bad = (keyword: string, value: string, why: string) =>
    new Error(`${cfg.file}: ${keyword} "${value}" for host ${alias} ${why}`);
  const out: SshHostConfig = { identityFiles: [] };

  const hostName = firstOf(c.hostname);
  if (hostName !== undefined) {
    const h = expandTokens(unquote(hostName), { h: alias, n: alias, '%': '%' });
    if (!/^[A-Za-z0-9._:%-]+$/.test(h)) throw bad('HostName', hostName, 'is not a host name or address');
    out.hostName = h;
  }
  const port = firstOf(c.port);
  if (port !== undefined) {
    const p = /^[0-9]{1,5}$/.test(port) ? Number(port) : NaN;
    if (!(p >= 1 && p <= 65535)) throw bad('Port', port, 'is not a port number 1-65535');
    out.port = p;
  }
  const user = firstOf(c.user);
  if (user !== undefined) {
    const u = unquote(user);
    if (!/^[A-Za-z0-9._][A-Za-z0-9._-]*$/.test(u)) throw bad('User', user, 'is not a user name');
    out.user = u;
  }
  const host = out.hostName ?? alias;
  const tokens = { d: home, u: localUser, h: host, n: alias, r: out.user ?? localUser };
  const ids = c.identityfile === undefined ? [] : Array.isArray(c.identityfile) ? c.identityfile : [c.identityfile];
  for (const f of ids) {
    if (f.toLowerCase() === 'none') continue;
    out.identityFiles.push(expandTilde(expandTokens(unquote(f), tokens), home));
  }
  const agent = firstOf(c.identityagent);
  if (agent !== undefined) {
    const a = unquote(agent);
    if (a.toLowerCase() === 'none') out.identityAgent = false;
    else if (a === 'SSH_AUTH_SOCK') {
      // ssh's default: the environment's agent.
    } else if (a.startsWith('$')) {
      const fromEnv = env[a.slice(1)];
      if (!fromEnv) throw bad('IdentityAgent', agent, `names ${a}, which is not set`);
      out.identityAgent = fromEnv;
    } else {
      const p = expandTilde(expandTokens(a, tokens), home);
      if (!p.startsWith('/')) throw bad('IdentityAgent', agent, 'is not an absolute socket path, none or SSH_AUTH_SOCK');
      out.identityAgent = p;
    }
  }
  const jump = firstOf(c.proxyjump);
  if (jump !== undefined) out.proxyJump = unquote(jump);
  return out;
}
