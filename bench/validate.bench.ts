// validate-backup against the shell way of answering the same question, on the same node, the
// same archive, in the same run: `tar -tf ARCHIVE | sort` + `find DIR | sort` + `comm`, inside
// the gluster container. Also the archive bytes the header walk reads against what a full
// tar-stream scan reads (every byte of the archive, streamed here over the same SFTP link).
import './shippedVendor';
import './traceRequests';
import { extract } from 'tar-stream';
import { Cluster } from '../src/core/cluster';
import { validateBackup } from '../src/core/validate/validateBackup';
import { inGluster, testbedSettings } from '../test/integration/helpers/testbed';
import { readerChunks } from '../src/core/archive/reader';
import { inRotation, median, ms } from './stats';
import { SHELL_VALIDATE, printRows, timed, timedAsync, withBenchArchives } from './benchData';

const RUNS = 5;

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
  const cluster = new Cluster(testbedSettings());
  const rows: string[][] = [];
  try {
    await withBenchArchives(async (archive, gzip) => {
      const ours: number[] = [];
      const ref: number[] = [];
      let read = 0;
      let size = 0;
      let files = 0;
      let method = '';
      const mount: number[] = [];
      const names: number[] = [];
      let listedFrom = '';
      // The sides take turns: the shell; the same question alone (names, sizes and times, no
      // hash of the archive), listed through the mount and from the bricks; and the default
      // (the bricks when the volume allows, and the archive hashed against its .sha256).
      await inRotation(RUNS, [
        () => ref.push(timed(() => inGluster('node1', ['sh', '-c', SHELL_VALIDATE, 'shell', archive, '/mnt/gluster'])).ms),
        async () => mount.push((await timedAsync(() => validateBackup(cluster, { node: 'node1', archive, save: false, checksum: false, listFrom: 'mount' }))).ms),
        async () => names.push((await timedAsync(() => validateBackup(cluster, { node: 'node1', archive, save: false, checksum: false, listFrom: 'bricks' }))).ms),
        async () => {
          const r = await timedAsync(() => validateBackup(cluster, { node: 'node1', archive, save: false }));
          listedFrom = r.value.listing.from;
          ours.push(r.ms);
          read = r.value.report.archive.bytesRead ?? 0;
          size = r.value.archiveBytes;
          files = r.value.report.filesystem.entries;
          method = r.value.method;
        },
      ]);
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
        `as shipped: the archive also hashed against its .sha256; listed from ${listedFrom}; ${method}; archive bytes read here ${read} vs tar-stream full scan ${full} (${((read / full) * 100).toFixed(3)}%)`,
      ]);
      rows.push([`the same question alone, from the bricks (no checksum)`, ms(median(names)), ms(median(ref)), (median(names) / median(ref)).toFixed(2), 'target <= 1.0: what the shell pipeline answers (names, and here sizes and times too)']);
      rows.push([`the same question alone, through the mount (no checksum)`, ms(median(mount)), ms(median(ref)), (median(mount) / median(ref)).toFixed(2), 'find through FUSE in the container of the archive\'s node']);
      if (altRow) rows.push(altRow);
    });
  } finally {
    cluster.dispose();
  }
  printRows(rows);
  setTimeout(() => process.exit(0), 50).unref();
}

void main();
