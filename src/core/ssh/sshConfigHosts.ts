// Offers the hosts of the operator's ~/.ssh/config as candidate nodes, with the values ssh itself
// would use for them (ssh-config's compute applies `Host *` defaults, first value wins, etc.).
import * as os from 'os';
import SSHConfig from 'ssh-config';
import { expandTilde, expandTokens, firstOf as first, safeUserName, valuesOf as values, type ParsedSshConfig } from './sshConfigFile';

export interface SshConfigHost {
  /** The `Host` name as written (what `ssh ALIAS` takes). */
  alias: string;
  /** HostName, or the alias when none is set. */
  hostName: string;
  port?: number;
  user?: string;
  /** First IdentityFile, with ~ and %d/%u/%h/%r/%n/%% expanded. */
  identityFile?: string;
}

/**
 * Candidate nodes from ssh config text. Hosts with patterns (`*`, `?`, `!`) are skipped: they
 * configure other hosts rather than name one. `Match exec` is never run: the text is data.
 * `Include` is followed when the config was read with readSshConfigFile (text given as is is taken as is).
 */
export function parseSshConfigHosts(source: string | ParsedSshConfig, opts: { home?: string; localUser?: string } = {}): SshConfigHost[] {
  const home = opts.home ?? os.homedir();
  const localUser = opts.localUser ?? safeUserName();
  // Text (the tests), or what readSshConfigFile read with its bound.
  const config = typeof source === 'string' ? SSHConfig.parse(source) : source.config;
  const aliases: string[] = [];
  for (const line of config) {
    if (line.type !== SSHConfig.DIRECTIVE || line.param.toLowerCase() !== 'host') continue;
    for (const a of values(line.value)) {
      if (/[*?!]/.test(a) || aliases.includes(a)) continue;
      aliases.push(a);
    }
  }

  return aliases.map((alias) => {
    const c = config.compute(alias, { ignoreCase: true, matchExec: false });
    const user = first(c.user);
    const hostName = expandTokens(first(c.hostname) ?? alias, { h: alias, n: alias });
    const out: SshConfigHost = { alias, hostName };
    const port = Number(first(c.port));
    if (Number.isInteger(port) && port >= 1 && port <= 65535) out.port = port;
    if (user) out.user = user;
    const idf = first(c.identityfile);
    if (idf) {
      const tokens = { d: home, u: localUser, h: hostName, n: alias, r: user ?? localUser };
      out.identityFile = expandTilde(expandTokens(idf.replace(/^"(.*)"$/, '$1'), tokens), home);
    }
    return out;
  });
}
