// The one typed place where settings are read and checked. The extension feeds it the
// `glusterBackup.*` section, the CLI a JSON file with the same keys; both get the same
// defaults and the same problems, and a bad value never throws.
import { isRecord } from './guards';
import * as os from 'os';
import * as path from 'path';
import { parseProxyJump } from './ssh/proxyJump';

export interface NodeConfig {
  name: string;
  /** Absent: the local docker socket (the data node itself, e.g. in a Remote-SSH window). */
  host?: string;
  port?: number;
  user?: string;
  identityFile?: string;
  /** Docker socket path on the node (default /var/run/docker.sock). */
  dockerSocket?: string;
  /** Jump hosts, as ssh's ProxyJump: `[user@]host[:port]`, comma-separated; `none`: no jump. */
  proxyJump?: string;
}

export interface Timeouts {
  /** SSH handshake deadline. */
  connectMs: number;
  /** Deadline of one docker API call. */
  dockerMs: number;
  /** Deadline of one gluster CLI call (gluster's own --timeout is set below it). */
  glusterMs: number;
  /** SSH keepalive interval; a link that misses 3 is declared cut. */
  keepaliveMs: number;
}

export interface Settings {
  nodes: NodeConfig[];
  containerName: string;
  /** The gluster filesystem as the container sees it (the FUSE mount). */
  glusterPath: string;
  /** Where archives are written, on the node's host. */
  backupDir: string;
  /** known_hosts used to verify nodes and their jump hosts (default ~/.ssh/known_hosts). */
  knownHostsFile: string;
  /** The ssh config applied to every connection (default ~/.ssh/config). */
  sshConfigFile: string;
  timeouts: Timeouts;
  /** Slow poll while the explorer is visible; 0 turns it off. */
  pollSeconds: number;
  /** Accept `ssh-rsa` (SHA-1) host key signatures, off as in OpenSSH since 8.8. */
  allowSshRsa: boolean;
  /** Mode of a backup's archive, partial archive, log and checksum file. */
  archiveMode: ArchiveMode;
  /** A node whose last good backup (completed, validated clean) is older than this is warned about. */
  maxBackupAgeHours: number;
}

/** Owner only (the default), or readable by the group, or by everyone on the node. */
export const ARCHIVE_MODES = ['0600', '0640', '0644'] as const;
export type ArchiveMode = (typeof ARCHIVE_MODES)[number];

export interface SettingsProblem {
  /** Setting key, e.g. `nodes[1].name`. */
  key: string;
  message: string;
}

export const DEFAULTS: Omit<Settings, 'nodes' | 'knownHostsFile' | 'sshConfigFile'> = {
  containerName: 'gluster',
  glusterPath: '/mnt/gluster',
  backupDir: '/opt/datarobot/data/backups/gluster',
  timeouts: { connectMs: 8000, dockerMs: 10000, glusterMs: 20000, keepaliveMs: 1000 },
  pollSeconds: 30,
  allowSshRsa: false,
  archiveMode: '0600',
  maxBackupAgeHours: 26,
};

/** The node shown when none is configured: this machine's docker socket. */
export const LOCAL_NODE: NodeConfig = { name: 'local' };

const TOP_KEYS = new Set([
  'nodes',
  'containerName',
  'glusterPath',
  'backupDir',
  'knownHostsFile',
  'sshConfigFile',
  'timeouts',
  'pollSeconds',
  'allowSshRsa',
  'archiveMode',
  'maxBackupAgeHours',
]);
const NODE_KEYS = new Set(['name', 'host', 'port', 'user', 'identityFile', 'dockerSocket', 'proxyJump']);
const TIMEOUT_KEYS = new Set(['connectMs', 'dockerMs', 'glusterMs', 'keepaliveMs']);
// Container names as docker accepts them.
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2));
  return p;
}

/** Settings that were read once and are no longer: named, so the user knows to remove them. */
const RETIRED_KEYS: Record<string, string> = {
  dataDir: 'dataDir is not used (nothing read it; the archive and the volume are what a backup is measured by): remove it',
};

/** The poll interval below which every node would be asked for its state all the time. */
export const MIN_POLL_SECONDS = 5;

/** The bounds of maxBackupAgeHours: under an hour every backup would be late; over a year none. */
export const MIN_BACKUP_AGE_HOURS = 1;
export const MAX_BACKUP_AGE_HOURS = 8760;

/**
 * Why an absolute path setting cannot be used as given: `..` and `.` segments make "is this
 * path inside that directory" checks (the job files, the restore's target) say what the path
 * does not mean, and `~user/` is a shell's expansion, not the node's.
 */
function pathProblem(key: string, v: string, home: boolean): string | undefined {
  if (home && /^~[^/]/.test(v)) return `${key} "${v}": ~user/ is not expanded; give the absolute path (or ~/ for your own home)`;
  if (!v.startsWith('/') && !(home && (v === '~' || v.startsWith('~/')))) return `${key} must be an absolute path (got "${v}")`;
  if (v.split('/').some((seg) => seg === '..' || seg === '.')) return `${key} "${v}": give it without "." or ".." segments`;
  return undefined;
}


/**
 * Checks raw settings and returns usable ones plus every problem found. An invalid value
 * falls back to its default (an invalid node is dropped) so that one typo never hides
 * the other nodes.
 */
export function parseSettings(raw: unknown): { settings: Settings; problems: SettingsProblem[] } {
  const problems: SettingsProblem[] = [];
  const r = isRecord(raw) ? raw : {};
  if (raw !== undefined && raw !== null && !isRecord(raw)) {
    problems.push({ key: '', message: 'settings must be a JSON object' });
  }
  for (const k of Object.keys(r)) {
    if (RETIRED_KEYS[k] !== undefined) problems.push({ key: k, message: RETIRED_KEYS[k] });
    else if (!TOP_KEYS.has(k)) problems.push({ key: k, message: `unknown setting "${k}"` });
  }

  const str = (key: string, def: string, check?: (v: string) => string | undefined): string => {
    const v = r[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string' || v.trim() === '') {
      problems.push({ key, message: `${key} must be a non-empty string` });
      return def;
    }
    const why = check?.(v);
    if (why) {
      problems.push({ key, message: why });
      return def;
    }
    return v;
  };
  const absolute = (key: string) => (v: string) => pathProblem(key, v, false);

  const containerName = str('containerName', DEFAULTS.containerName, (v) =>
    CONTAINER_NAME.test(v) ? undefined : `containerName "${v}" is not a valid docker container name`,
  );
  const glusterPath = str('glusterPath', DEFAULTS.glusterPath, absolute('glusterPath'));
  const backupDir = tidyDir(str('backupDir', DEFAULTS.backupDir, absolute('backupDir')));
  const knownHostsFile = expandHome(
    str('knownHostsFile', '~/.ssh/known_hosts', (v) => pathProblem('knownHostsFile', v, true)),
  );
  const sshConfigFile = expandHome(str('sshConfigFile', '~/.ssh/config', (v) => pathProblem('sshConfigFile', v, true)));

  const timeouts: Timeouts = { ...DEFAULTS.timeouts };
  if (r.timeouts !== undefined) {
    if (!isRecord(r.timeouts)) {
      problems.push({ key: 'timeouts', message: 'timeouts must be an object' });
    } else {
      for (const [k, v] of Object.entries(r.timeouts)) {
        if (!TIMEOUT_KEYS.has(k)) {
          problems.push({ key: `timeouts.${k}`, message: `unknown setting "timeouts.${k}"` });
        } else if (typeof v !== 'number' || !Number.isFinite(v) || v < 100 || v > 3_600_000) {
          problems.push({ key: `timeouts.${k}`, message: `timeouts.${k} must be a number of milliseconds between 100 and 3600000` });
        } else {
          timeouts[k as keyof Timeouts] = Math.round(v);
        }
      }
    }
  }

  let pollSeconds = DEFAULTS.pollSeconds;
  if (r.pollSeconds !== undefined) {
    const v = r.pollSeconds;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 86400) {
      problems.push({ key: 'pollSeconds', message: 'pollSeconds must be a number of seconds between 0 and 86400' });
    } else if (v > 0 && v < MIN_POLL_SECONDS) {
      problems.push({ key: 'pollSeconds', message: `pollSeconds ${v} would ask every node for its state all the time: ${MIN_POLL_SECONDS} s is the shortest poll (0 turns it off); using ${MIN_POLL_SECONDS}` });
      pollSeconds = MIN_POLL_SECONDS;
    } else pollSeconds = v;
  }

  let allowSshRsa = DEFAULTS.allowSshRsa;
  if (r.allowSshRsa !== undefined) {
    if (typeof r.allowSshRsa !== 'boolean') problems.push({ key: 'allowSshRsa', message: 'allowSshRsa must be true or false' });
    else allowSshRsa = r.allowSshRsa;
  }

  let archiveMode = DEFAULTS.archiveMode;
  if (r.archiveMode !== undefined) {
    if (!ARCHIVE_MODES.includes(r.archiveMode as ArchiveMode)) problems.push({ key: 'archiveMode', message: `archiveMode must be one of ${ARCHIVE_MODES.join(', ')} (the archive holds every file of the platform); using ${DEFAULTS.archiveMode}` });
    else archiveMode = r.archiveMode as ArchiveMode;
  }

  let maxBackupAgeHours = DEFAULTS.maxBackupAgeHours;
  if (r.maxBackupAgeHours !== undefined) {
    const v = r.maxBackupAgeHours;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < MIN_BACKUP_AGE_HOURS || v > MAX_BACKUP_AGE_HOURS) {
      problems.push({ key: 'maxBackupAgeHours', message: `maxBackupAgeHours must be a number of hours between ${MIN_BACKUP_AGE_HOURS} and ${MAX_BACKUP_AGE_HOURS}; using ${DEFAULTS.maxBackupAgeHours}` });
    } else maxBackupAgeHours = v;
  }

  const nodes: NodeConfig[] = [];
  if (r.nodes !== undefined && !Array.isArray(r.nodes)) {
    problems.push({ key: 'nodes', message: 'nodes must be a list of {name, host?, port?, user?, identityFile?, dockerSocket?, proxyJump?}' });
  }
  const seen = new Set<string>();
  (Array.isArray(r.nodes) ? r.nodes : []).forEach((n, i) => {
    const key = `nodes[${i}]`;
    const node = parseNode(n, key, problems);
    if (!node) return;
    if (seen.has(node.name)) {
      problems.push({ key: `${key}.name`, message: `duplicate node name "${node.name}"` });
      return;
    }
    seen.add(node.name);
    nodes.push(node);
  });

  return {
    settings: { nodes, containerName, glusterPath, backupDir, knownHostsFile, sshConfigFile, timeouts, pollSeconds, allowSshRsa, archiveMode, maxBackupAgeHours },
    problems,
  };
}

function parseNode(n: unknown, key: string, problems: SettingsProblem[]): NodeConfig | undefined {
  if (!isRecord(n)) {
    problems.push({ key, message: `${key} must be an object with at least a name` });
    return undefined;
  }
  let ok = true;
  const bad = (k: string, message: string) => {
    problems.push({ key: `${key}.${k}`, message });
    ok = false;
  };
  for (const k of Object.keys(n)) if (!NODE_KEYS.has(k)) bad(k, `unknown node setting "${k}"`);
  const name = typeof n.name === 'string' ? n.name.trim() : '';
  if (!name) bad('name', `${key}.name must be a non-empty string`);
  const node: NodeConfig = { name };
  if (n.host !== undefined) {
    if (typeof n.host !== 'string' || !/^[A-Za-z0-9._:%-]+$/.test(n.host)) bad('host', `${key}.host must be a host name or address`);
    else node.host = n.host;
  }
  if (n.port !== undefined) {
    if (typeof n.port !== 'number' || !Number.isInteger(n.port) || n.port < 1 || n.port > 65535) bad('port', `${key}.port must be a port number 1-65535`);
    else node.port = n.port;
  }
  if (n.user !== undefined) {
    if (typeof n.user !== 'string' || !/^[A-Za-z0-9._][A-Za-z0-9._-]*$/.test(n.user)) bad('user', `${key}.user must be a user name`);
    else node.user = n.user;
  }
  if (n.identityFile !== undefined) {
    const why = typeof n.identityFile === 'string' ? pathProblem(`${key}.identityFile`, n.identityFile, true) : `${key}.identityFile must be an absolute path`;
    if (why) bad('identityFile', why);
    else node.identityFile = expandHome(n.identityFile as string);
  }
  if (n.dockerSocket !== undefined) {
    const why = typeof n.dockerSocket === 'string' ? pathProblem(`${key}.dockerSocket`, n.dockerSocket, false) : `${key}.dockerSocket must be an absolute path`;
    if (why) bad('dockerSocket', why);
    else node.dockerSocket = n.dockerSocket as string;
  }
  if (n.proxyJump !== undefined) {
    if (typeof n.proxyJump !== 'string') bad('proxyJump', `${key}.proxyJump must be a string: [user@]host[:port], several separated by commas, or none`);
    else {
      try {
        parseProxyJump(n.proxyJump);
        node.proxyJump = n.proxyJump.trim();
      } catch (e) {
        bad('proxyJump', `${key}.proxyJump: ${(e as Error).message}`);
      }
    }
  }
  if (!n.host && (n.port !== undefined || n.user !== undefined || n.identityFile !== undefined || n.proxyJump !== undefined)) {
    bad('host', `${key} has port/user/identityFile/proxyJump but no host`);
  }
  return ok ? node : undefined;
}

/**
 * The nodes to show: the configured ones, or, when none is configured, this machine (`local`,
 * by default the local node; null: none, as the extension decides when no docker answers here).
 */
export function effectiveNodes(s: Settings, local: NodeConfig | null = LOCAL_NODE): NodeConfig[] {
  return s.nodes.length > 0 ? s.nodes : local ? [local] : [];
}

export function describeTarget(n: NodeConfig): string {
  if (!n.host) return n.dockerSocket ? `local (${n.dockerSocket})` : 'local';
  const via = n.proxyJump && n.proxyJump.toLowerCase() !== 'none' ? ` via ${n.proxyJump}` : '';
  return `${n.user ?? 'root'}@${n.host}:${n.port ?? 22}${via}`;
}

/**
 * An absolute directory as the tool writes paths under it: no doubled or trailing slashes. Job
 * records and reports name archives this way; a directory spelled otherwise would match none.
 */
export function tidyDir(dir: string): string {
  return dir.replace(/\/{2,}/g, '/').replace(/\/+$/, '') || '/';
}
