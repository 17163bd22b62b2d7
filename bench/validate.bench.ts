// validate-backup against the shell way of answering the same question, on the same node, the
// same archive, in the same run: `tar -tf ARCHIVE | sort` + `find DIR | sort` + `comm`, inside
// the gluster container. Also the archive bytes the header walk reads against what a full
// tar-stream scan reads (every byte of the archive, streamed here over the same SFTP link).
import './shippedVendor';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { extract } from 'tar-stream';
import { Cluster } from '../src/core/cluster';
import { validateBackup } from '../src/core/validate/validateBackup';
import { REPO, TESTBED_DIR, inGluster, onNode, testbedSettings } from '../test/integration/helpers/testbed';
import { readerChunks } from '../src/core/archive/reader';
import { inTurns, median, ms } from './stats';

const CLI = path.join(REPO, 'dist', 'cli.js');
const DIR = '/opt/datarobot/data/backups/gluster';
const RUNS = 5;

const SHELL_WAY = String.raw`
set -e
cd "$2"
tar -tf "$1" | sed -e 's,^\./,,' -e 's,/$,,' | grep -v '^\.\?$' | LC_ALL=C sort > /tmp/bench-a
find . -mindepth 1 | sed 's,^\./,,' | LC_ALL=C sort > /tmp/bench-f
LC_ALL=C comm -23 /tmp/bench-f /tmp/bench-a | wc -l
rm -f /tmp/bench-a /tmp/bench-f
`;

/** 20,000 empty files in four directories, removed at the end so the backup bench keeps its data. */
const MANY = String.raw`
set -e; d=/mnt/gluster/bench-many; mkdir -p $d; cd $d
for i in 0 1 2 3; do mkdir -p d$i; (cd d$i && seq -f "f%05g" 1 5000 | xargs -P 4 -n 500 touch); done
`;

function timed<T>(fn: () => T): { ms: number; value: T } {
  const t0 = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value };
}

function backup(gzip: boolean): string {
  const r = spawnSync(process.execPath, [CLI, '--config', path.join(TESTBED_DIR, 'config.json'), '--json', 'backup', '--node', 'node1', ...(gzip ? ['-z'] : []), '--override', 'activity:benchmark'], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`backup failed: ${r.stderr}`);
  return JSON.parse(r.stdout).archive as string;
}

async function tarStreamBytes(cluster: Cluster, archive: string): Promise<number> {
  const reader = await cluster.connection('node1').openReader(archive);
  let bytes = 0;
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (_h, stream, next) => {
      stream.on('end', next);
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  for await (const chunk of readerChunks(reader)) {
    bytes += chunk.length;
    if (!ex.write(chunk)) await new Promise<void>((r) => ex.once('drain', () => r()));
  }
  (ex as unknown as { end(): void }).end();
  await done;
  await reader.close?.();
  return bytes;
}

async function main() {
  onNode('node1', ['sh', '-c', `rm -f ${DIR}/datarobot-gluster-backup-*`]);
  // A tree of many small files beside the big one: the listing, not the data, is what costs,
  // and with only the sample data both sides would measure their fixed start-up cost.
  inGluster('node1', ['sh', '-c', 'mkdir -p /mnt/gluster/big && [ -s /mnt/gluster/big/big.bin ] || dd if=/dev/zero of=/mnt/gluster/big/big.bin bs=1M count=1100 status=none']);
  inGluster('node1', ['sh', '-c', MANY]);
  const cluster = new Cluster(testbedSettings());
  const rows: string[][] = [];
  try {
    for (const gzip of [false, true]) {
      const archive = backup(gzip);
      const ours: number[] = [];
      const ref: number[] = [];
      let read = 0;
      let size = 0;
      let files = 0;
      let method = '';
      await inTurns(
        RUNS,
        async () => {
          const r = await timedAsync(() => validateBackup(cluster, { node: 'node1', archive, save: false }));
          ours.push(r.ms);
          read = r.value.report.archive.bytesRead ?? 0;
          size = r.value.archiveBytes;
          files = r.value.report.filesystem.entries;
          method = r.value.method;
        },
        () => ref.push(timed(() => inGluster('node1', ['sh', '-c', SHELL_WAY, 'shell', archive, '/mnt/gluster'])).ms),
      );
      let altRow: string[] | undefined;
      const full = gzip ? size : await tarStreamBytes(cluster, archive);
      if (!gzip) {
        // The other place to read a plain archive: GNU tar's listing inside the container.
        const alt: number[] = [];
        for (let i = 0; i < RUNS; i++) alt.push((await timedAsync(() => validateBackup(cluster, { node: 'node1', archive, save: false, via: 'container' }))).ms);
        altRow = ([`validate .tar read by tar in the container`, ms(median(alt)), ms(median(ref)), (median(alt) / median(ref)).toFixed(2), 'the alternative to the SFTP header walk for plain archives (the SFTP walk is chosen: it reads 1% of the archive)']);
      }
      rows.push([
        `validate ${gzip ? '.tar.gz' : '.tar'}, ${files} entries (median of ${RUNS})`,
        ms(median(ours)),
        ms(median(ref)),
        (median(ours) / median(ref)).toFixed(2),
        `target <= 1.5; ${method}; archive bytes read here ${read} vs tar-stream full scan ${full} (${((read / full) * 100).toFixed(3)}%)`,
      ]);
      if (altRow) rows.push(altRow);
    }
  } finally {
    cluster.dispose();
    onNode('node1', ['sh', '-c', `rm -f ${DIR}/datarobot-gluster-backup-*`]);
    inGluster('node1', ['rm', '-rf', '/mnt/gluster/bench-many']);
  }
  const w = [44, 12, 12, 8];
  console.log(['measure', 'gluster-backup', 'tar|sort+find|sort+comm', 'ratio', 'note'].map((c, i) => c.padEnd(w[i] ?? 0)).join(' | '));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(w[i] ?? 0)).join(' | '));
  setTimeout(() => process.exit(0), 50).unref();
}

void main();
