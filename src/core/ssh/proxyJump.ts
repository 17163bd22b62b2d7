// ProxyJump values, read as OpenSSH reads them (`ssh -J`): comma-separated hops, each
// `[user@]host[:port]` or `ssh://[user@]host[:port]`, IPv6 addresses in brackets, and `none`
// alone to say "no jump" (so a node's setting can switch off a jump its ~/.ssh/config sets).
// The value comes from settings or a config file: it is bounded and every refusal says why.

export interface JumpSpec {
  /** As written in the value: the name ~/.ssh/config is looked up with. */
  host: string;
  user?: string;
  port?: number;
}

/** Beyond this a value is a mistake (or a loop written out), not a network. */
export const MAX_HOPS = 8;
const MAX_LENGTH = 2048;
const HOST = /^[A-Za-z0-9._%-]+$/;
const IPV6 = /^[0-9A-Fa-f:.%]+$/;
const USER = /^[A-Za-z0-9._][A-Za-z0-9._-]*$/;

/** The hops of a ProxyJump value ([] for `none`); throws an Error whose message says what is wrong. */
export function parseProxyJump(value: string): JumpSpec[] {
  const v = value.trim();
  if (v === '') throw new Error('ProxyJump is empty (give [user@]host[:port], several separated by commas, or none)');
  if (v.length > MAX_LENGTH) throw new Error(`ProxyJump is longer than ${MAX_LENGTH} characters`);
  if (v.toLowerCase() === 'none') return [];
  const parts = v.split(',').map((p) => p.trim());
  if (parts.length > MAX_HOPS) throw new Error(`ProxyJump has ${parts.length} hops; at most ${MAX_HOPS} are followed`);
  return parts.map((p, i) => parseHop(p, i + 1, parts.length));
}

function parseHop(raw: string, n: number, of: number): JumpSpec {
  const where = of > 1 ? `hop ${n} of ${of} ("${raw}")` : `"${raw}"`;
  if (raw === '') throw new Error(`ProxyJump hop ${n} of ${of} is empty (two commas, or a comma at an end)`);
  if (raw.toLowerCase() === 'none') throw new Error('ProxyJump none cannot be one of several hops');
  let rest = raw.startsWith('ssh://') ? raw.slice(6).replace(/\/$/, '') : raw;
  const spec: JumpSpec = { host: '' };
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const user = rest.slice(0, at);
    if (!USER.test(user)) throw new Error(`ProxyJump ${where}: "${user}" is not a user name`);
    spec.user = user;
    rest = rest.slice(at + 1);
  }
  let port: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new Error(`ProxyJump ${where}: an IPv6 address opened with [ is not closed`);
    spec.host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw new Error(`ProxyJump ${where}: expected :port after ]`);
    if (after !== '') port = after.slice(1);
    if (!IPV6.test(spec.host)) throw new Error(`ProxyJump ${where}: "${spec.host}" is not an IPv6 address`);
  } else {
    const colon = rest.indexOf(':');
    if (colon >= 0) {
      if (rest.indexOf(':', colon + 1) >= 0) throw new Error(`ProxyJump ${where}: write an IPv6 address in brackets, as [addr]:port`);
      port = rest.slice(colon + 1);
      rest = rest.slice(0, colon);
    }
    spec.host = rest;
    if (!HOST.test(spec.host)) throw new Error(`ProxyJump ${where}: "${spec.host}" is not a host name or address`);
  }
  if (port !== undefined) {
    const p = /^[0-9]{1,5}$/.test(port) ? Number(port) : NaN;
    if (!(p >= 1 && p <= 65535)) throw new Error(`ProxyJump ${where}: port "${port}" is not a port number 1-65535`);
    spec.port = p;
  }
  return spec;
}
