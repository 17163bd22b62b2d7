// Access to the real test bed that `testbed/testbed.sh` brings up: N data nodes in network
// namespaces, each with its own sshd, dockerd and a `gluster` container running GlusterFS.
// Tests fail (never skip) when it is not up.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseSettings, type Settings } from '../../../src/core/config';

export const REPO = path.resolve(__dirname, '../../../..');
export const TESTBED_DIR = process.env.TESTBED_DIR ?? path.join(REPO, '.testbed');
export const SCRIPT = path.join(REPO, 'testbed', 'testbed.sh');

export interface TestbedConfig {
  nodes: { name: string; host: string; port: number; user: string; identityFile: string }[];
  knownHostsFile: string;
  [k: string]: unknown;
}

export function rawConfig(): TestbedConfig {
  const f = path.join(TESTBED_DIR, 'config.json');
  if (!fs.existsSync(f)) {
    throw new Error(`the test bed is not up: ${f} is missing. Run: bash testbed/testbed.sh up`);
  }
  return JSON.parse(fs.readFileSync(f, 'utf8')) as TestbedConfig;
}

/** Settings for the test bed, with short timeouts so fault tests finish quickly. */
export function testbedSettings(overrides: Record<string, unknown> = {}): Settings {
  const raw = { ...rawConfig(), timeouts: { connectMs: 3000, dockerMs: 5000, glusterMs: 15000, keepaliveMs: 1000 }, ...overrides };
  const { settings, problems } = parseSettings(raw);
  if (problems.length) throw new Error(`test bed config has problems: ${JSON.stringify(problems)}`);
  return settings;
}

/** One word for sh, whatever its bytes: in single quotes, each ' closed, escaped and reopened. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Runs a testbed.sh subcommand (cut-link, restore-link, kill-sshd, ...). */
export function testbed(...args: string[]): string {
  return testbedWithin({ timeoutMs: 300_000 }, ...args);
}

/** The same with its own time limit, for the slow ones (`million`: minutes); `log` shows its log lines. */
export function testbedWithin(o: { timeoutMs: number; log?: boolean }, ...args: string[]): string {
  return execFileSync('bash', [SCRIPT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', o.log ? 'inherit' : 'pipe'], timeout: o.timeoutMs });
}

/** bash's arguments that run argv on a node's host (onNode), for a caller that spawns it itself. */
export const onNodeArgs = (node: string, argv: string[]): string[] => [SCRIPT, 'exec', node, '--', ...argv];

/** The same inside the gluster container of the node (inGluster), without stdin. */
export const inGlusterArgs = (node: string, argv: string[]): string[] => onNodeArgs(node, ['docker', 'exec', 'gluster', ...argv]);

/** Runs a command on a node's host (its own network and mount namespace, its own dockerd). */
export function onNode(node: string, argv: string[], opts: { allowFail?: boolean; input?: string; timeoutMs?: number } = {}) {
  const r = spawnSync('bash', onNodeArgs(node, argv), { encoding: 'utf8', input: opts.input, timeout: opts.timeoutMs ?? 300_000 });
  if (r.error) throw new Error(`on ${node}: ${argv.join(' ')}: ${r.error.message}`);
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`on ${node}: ${argv.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
  }
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs a command inside the gluster container of a node. */
export function inGluster(node: string, argv: string[], opts: { allowFail?: boolean; input?: string; timeoutMs?: number } = {}) {
  return onNode(node, ['docker', 'exec', ...(opts.input !== undefined ? ['-i'] : []), 'gluster', ...argv], opts);
}

/**
 * Puts `script` first in the gluster container's PATH as `tool` (/usr/local/sbin, where the
 * image keeps none of its own: asserted), for the job's shell and every exec alike; returns
 * what removes it.
 */
export function shimInGluster(node: string, tool: string, script: string): () => void {
  const at = `/usr/local/sbin/${tool}`;
  const there = inGluster(node, ['sh', '-c', 'ls "$1" 2>/dev/null || true', 'ls', at]).stdout;
  if (there !== '') throw new Error(`${node}: ${at} is there already: the image's own, or a shim a test left`);
  inGluster(node, ['sh', '-c', 'cat > "$1.gb-shim" && chmod 755 "$1.gb-shim" && mv -f "$1.gb-shim" "$1"', 'shim', at], { input: script });
  return () => void inGluster(node, ['rm', '-f', at]);
}

export async function waitFor<T>(what: string, ms: number, fn: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/**
 * Until `testbed.sh status` says healthy: every brick online and every mount connected to
 * every brick. A restarted brick comes back on a new port and the other nodes' mounts find it
 * a few seconds later; until then whole-volume operations fail with ENOTCONN.
 */
export async function waitHealthy(ms = 120_000): Promise<void> {
  await waitFor('the test bed to be healthy (testbed.sh status)', ms, () => {
    const r = spawnSync('bash', [SCRIPT, 'status'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return true;
    throw new Error(r.stdout.split('\n').filter((l) => l.includes('FAIL')).join('; ') || r.stderr);
  });
}

/**
 * Lifts a `docker update --cpus` limit on a node's gluster container. `--cpus 0` does not: the
 * test bed's docker (20.10) takes a zero as "unchanged", and once left every later test ran
 * throttled. All the host's CPUs is no limit (the nodes share this machine's CPUs).
 */
export function unthrottle(node: string): void {
  onNode(node, ['docker', 'update', '--cpus', String(os.cpus().length), 'gluster']);
}
