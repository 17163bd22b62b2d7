// Where an SSH connection to a node goes, hop by hop: the node's settings first, then what
// ~/.ssh/config says for its host (matched on Host patterns, as ssh matches them), then the
// defaults. Pure: the config is given parsed and file existence is asked through `exists`.
import type { NodeConfig } from '../config';
import { parseProxyJump } from './proxyJump';
import { lookupSshHost, safeUserName, type LookupOptions, type ParsedSshConfig, type SshHostConfig } from './sshConfigFile';

export interface SshEndpoint {
  /** The name as written (node host, or hop in ProxyJump): what ssh config was matched on. */
  name: string;
  /** The address connected to (HostName, else the name): known_hosts is checked for it. */
  host: string;
  port: number;
  user: string;
  /** Private key files, each tried in turn (as ssh does); empty: the agent, and the default keys. */
  identityFiles: string[];
  /** Agent socket from IdentityAgent; false: none; absent: $SSH_AUTH_SOCK. */
  agent?: string | false;
  /** How messages name it: `10.0.0.3:22`, or `bastion root@10.0.0.1:22 (hop 1 of 2 to node3)`. */
  label: string;
}

export interface SshRoute {
  /** The jump hosts, first connected first. */
  hops: SshEndpoint[];
  target: SshEndpoint;
}

export interface RouteOptions extends LookupOptions {
  /** Whether a key file exists (ssh skips IdentityFile entries that do not). */
  exists?: (file: string) => boolean;
}

/** Nodes run as root unless told otherwise (the tool's default since its first release). */
const NODE_DEFAULT_USER = 'root';

/**
 * The route to `node` (which must have a host). Throws an Error naming the setting or the
 * config file and host at fault when a value cannot be used.
 */
export function resolveRoute(node: NodeConfig, cfg: ParsedSshConfig | undefined, opts: RouteOptions = {}): SshRoute {
  if (!node.host) throw new Error(`node ${node.name} has no host`);
  const exists = opts.exists ?? (() => true);
  const look = (alias: string): SshHostConfig => (cfg ? lookupSshHost(cfg, alias, opts) : { identityFiles: [] });
  // ssh offers every IdentityFile that exists, in order; one that does not is named in the error
  // only if it was the node's own setting (a typo there is worth saying).
  const keysOf = (c: SshHostConfig) => c.identityFiles.filter(exists);

  const c = look(node.host);
  const target: SshEndpoint = {
    name: node.host,
    host: c.hostName ?? node.host,
    port: node.port ?? c.port ?? 22,
    user: node.user ?? c.user ?? NODE_DEFAULT_USER,
    // The node's setting first, as ssh puts -i before the config's.
    identityFiles: [...new Set([...(node.identityFile !== undefined ? [node.identityFile] : []), ...keysOf(c)])],
    label: '',
  };
  if (c.identityAgent !== undefined) target.agent = c.identityAgent;
  target.label = `${target.host}:${target.port}`;

  const jumpValue = node.proxyJump ?? c.proxyJump;
  let specs;
  try {
    specs = jumpValue === undefined ? [] : parseProxyJump(jumpValue);
  } catch (e) {
    const from = node.proxyJump !== undefined ? `node ${node.name}'s proxyJump` : `${cfg?.file}: for host ${node.host}`;
    throw new Error(`${from}: ${(e as Error).message}`);
  }
  const hops = specs.map((s, i): SshEndpoint => {
    const hc = look(s.host);
    // A hop's own ProxyJump is not followed: the node's value lists every hop.
    const hop: SshEndpoint = {
      name: s.host,
      host: hc.hostName ?? s.host,
      port: s.port ?? hc.port ?? 22,
      // As ssh: a jump host without a user is logged into as the local user.
      user: s.user ?? hc.user ?? opts.localUser ?? safeUserName(),
      // Without a key of its own, a hop is tried with the node's: one key for bastion and nodes
      // is the common case, and the node settings have no per-hop key.
      identityFiles: keysOf(hc).length ? keysOf(hc) : target.identityFiles,
      label: '',
    };
    const agent = hc.identityAgent ?? target.agent;
    if (agent !== undefined) hop.agent = agent;
    hop.label = `bastion ${hop.user}@${hop.host}:${hop.port} (hop ${i + 1} of ${specs.length} to ${node.name})`;
    return hop;
  });
  return { hops, target };
}
