// What the validate and restore benchmarks share: the archives they read, made by the product's
// own backup on node1, the tree of many small files that makes listings cost, and timing.
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { REPO, TESTBED_DIR, inGluster, onNode } from '../test/integration/helpers/testbed';

const CLI = path.join(REPO, 'dist', 'cli.js');

/** 20,000 empty files in four directories, removed at the end so the backup bench keeps its data. */
export const MANY = String.raw`
set -e; d=/mnt/gluster/bench-many; mkdir -p $d; cd $d
for i in 0 1 2 3; do mkdir -p d$i; (cd d$i && seq -f "f%05g" 1 5000 | xargs -P 4 -n 500 touch); done
`;

/**
 * validate-backup's shell reference, run in the gluster container with the archive and the
 * root as $1 and $2: the names of the filesystem missing from the archive, counted.
 */
export const SHELL_VALIDATE = String.raw`
set -e
cd "$2"
tar -tf "$1" | sed -e 's,^\./,,' -e 's,/$,,' | grep -v '^\.\?$' | LC_ALL=C sort > /tmp/bench-a
find . -mindepth 1 | sed 's,^\./,,' | LC_ALL=C sort > /tmp/bench-f
LC_ALL=C comm -23 /tmp/bench-f /tmp/bench-a | wc -l
rm -f /tmp/bench-a /tmp/bench-f
`;

export function timed<T>(fn: () => T): { ms: number; value: T } {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

/**
 * A command run without blocking this process: a benchmark that holds a Cluster keeps its SSH
 * connection and docker channels serviced (keepalives, idle timers) while the other side runs,
 * as the product's own process would. A spawnSync of a minute and a half stalled them; the next
 * request then met a pooled channel that had died meanwhile ("socket hang up").
 */
export function spawnAsync(cmd: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-65536)));
    c.on('error', reject);
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export async function timedAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

export function backup(gzip: boolean): string {
  const r = spawnSync(process.execPath, [CLI, '--config', path.join(TESTBED_DIR, 'config.json'), '--json', 'backup', '--node', 'node1', ...(gzip ? ['-z'] : []), '--override', 'activity:benchmark'], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`backup failed: ${r.stderr}`);
  return JSON.parse(r.stdout).archive as string;
}


const DIR = '/opt/datarobot/data/backups/gluster';

/**
 * The volume both benchmarks read: the 1.1 GB file and, beside it, many small files (the
 * listing, not the data, is what costs; with only the sample data both sides would measure
 * their fixed start-up cost). `run` gets a plain and a compressed archive of it in turn; the
 * archives and the small files are removed at the end.
 */
export async function withBenchArchives(run: (archive: string, gzip: boolean) => Promise<void>, kinds: readonly boolean[] = [false, true]): Promise<void> {
  onNode('node1', ['sh', '-c', `rm -f ${DIR}/datarobot-gluster-backup-*`]);
  inGluster('node1', ['sh', '-c', 'mkdir -p /mnt/gluster/big && [ -s /mnt/gluster/big/big.bin ] || dd if=/dev/zero of=/mnt/gluster/big/big.bin bs=1M count=1100 status=none']);
  inGluster('node1', ['sh', '-c', MANY]);
  try {
    for (const gzip of kinds) await run(backup(gzip), gzip);
  } finally {
    onNode('node1', ['sh', '-c', `rm -f ${DIR}/datarobot-gluster-backup-*`]);
    inGluster('node1', ['rm', '-rf', '/mnt/gluster/bench-many']);
  }
}

/** The rows as the README's table shows them, against the shell way. */
export function printRows(rows: string[][]): void {
  const w = [44, 12, 12, 8];
  console.log(['measure', 'gluster-backup', 'tar|sort+find|sort+comm', 'ratio', 'note'].map((c, i) => c.padEnd(w[i] ?? 0)).join(' | '));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i] ?? 0)).join(' | '));
}
