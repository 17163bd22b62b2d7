// A real, throwaway OpenSSH server for transport tests: 127.0.0.1 on a free port, its own host
// keys, key-only auth for the current user, streamlocal forwarding allowed. It is stopped,
// paused and restarted by its own PID and those of its descendants (per-connection sshd
// processes call setsid(), so a process-group kill would miss them). Missing sshd throws:
// a transport test that silently skips proves nothing.
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export const SSHD = '/usr/sbin/sshd';

export interface PubKey {
  type: string;
  b64: string;
  blob: Buffer;
  pubFile: string;
}

export interface Sshd {
  dir: string;
  port: number;
  user: string;
  /** Host keys the server offers, by ssh-keygen type (ed25519, ecdsa, rsa). */
  hostKeys: Record<string, PubKey>;
  /** A client key in authorized_keys (unencrypted). */
  clientKey: string;
  /** Everything sshd wrote to stderr (-e), for diagnostics. */
  log(): string;
  pid(): number;
  /** Kills sshd and its per-connection children (cuts existing connections). */
  stop(): Promise<void>;
  /** stop() then start again on the same port with the same keys. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT sshd and its children: a link that goes silent without closing. */
  pause(): void;
  resume(): void;
  /** stop() and remove the temp dir. */
  dispose(): Promise<void>;
}

export function makeKey(file: string, type: string, passphrase = ''): PubKey {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', passphrase, '-C', path.basename(file), '-f', file]);
  const [t, b64] = fs.readFileSync(file + '.pub', 'utf8').trim().split(/\s+/);
  return { type: t, b64, blob: Buffer.from(b64, 'base64'), pubFile: file + '.pub' };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** PIDs whose parent chain leads to `root` (from /proc), deepest last. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      // Field 4 (ppid) follows the ")" that ends the command name.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(e), ppid);
    } catch {
      // the process exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent) {
      if (pp !== p) continue;
      out.push(c);
      walk(c);
    }
  };
  walk(root);
  return out;
}

function signalTree(root: number, sig: NodeJS.Signals): void {
  for (const p of [root, ...descendants(root)]) {
    try {
      process.kill(p, sig);
    } catch {
      // already gone
    }
  }
}

export async function startSshd(opts: { hostKeyTypes?: string[]; extraConfig?: string[] } = {}): Promise<Sshd> {
  if (!fs.existsSync(SSHD)) throw new Error(`${SSHD} is missing: apt-get install openssh-server`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gb-sshd-'));
  const port = await freePort();
  const user = os.userInfo().username;
  const hostKeys: Record<string, PubKey> = {};
  for (const t of opts.hostKeyTypes ?? ['ed25519']) hostKeys[t] = makeKey(path.join(dir, `host_${t}`), t);
  const clientKey = path.join(dir, 'client_key');
  const client = makeKey(clientKey, 'ed25519');
  fs.writeFileSync(path.join(dir, 'authorized_keys'), `${client.type} ${client.b64}\n`, { mode: 0o600 });
  const config = [
    `ListenAddress 127.0.0.1:${port}`,
    ...Object.keys(hostKeys).map((t) => `HostKey ${path.join(dir, `host_${t}`)}`),
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    'PidFile none',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    // The temp dir lives under the world-writable /tmp, which StrictModes rejects.
    'StrictModes no',
    'AllowStreamLocalForwarding yes',
    // OpenSSH 9.2 refuses streamlocal too when this is "no" (seen with the test bed's sshd).
    'AllowTcpForwarding local',
    'X11Forwarding no',
    'PrintMotd no',
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
    ...(opts.extraConfig ?? []),
  ].join('\n');
  const cfgFile = path.join(dir, 'sshd_config');
  fs.writeFileSync(cfgFile, config + '\n', { mode: 0o600 });
  // sshd refuses to start without its privilege separation directory (normally made by systemd).
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  let proc: ChildProcess | undefined;
  let log = '';
  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(SSHD, ['-D', '-e', '-f', cfgFile], { stdio: ['ignore', 'ignore', 'pipe'] });
      proc = p;
      const timer = setTimeout(() => reject(new Error(`sshd did not start within 5 s:\n${log}`)), 5000);
      p.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) {
          clearTimeout(timer);
          resolve();
        }
      });
      p.once('exit', (code, sig) => {
        clearTimeout(timer);
        reject(new Error(`sshd exited (${code ?? sig}) before listening:\n${log}`));
      });
    });
  await launch();

  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    signalTree(p.pid!, 'SIGCONT'); // a paused process would not act on SIGTERM
    signalTree(p.pid!, 'SIGKILL');
    await exited;
  };

  return {
    dir,
    port,
    user,
    hostKeys,
    clientKey,
    log: () => log,
    pid: () => proc!.pid!,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    pause: () => signalTree(proc!.pid!, 'SIGSTOP'),
    resume: () => signalTree(proc!.pid!, 'SIGCONT'),
    dispose: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
