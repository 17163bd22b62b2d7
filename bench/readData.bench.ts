// validate-backup --read-data (names, the archive's checksum and every regular-file member's
// data against its live file, in the container) against the shell way of reading the same
// bytes: `sha256sum ARCHIVE`, then `find FS -type f -print0 | xargs -0 sha256sum`, one after
// the other in the gluster container; the two sides take turns at going first. Also, once, GNU
// tar's --to-command (a process per member), the other way to hash members in the container.
import './shippedVendor';
import './traceRequests';
import { Cluster } from '../src/core/cluster';
import { validateBackup } from '../src/core/validate/validateBackup';
import { inGluster, testbedSettings } from '../test/integration/helpers/testbed';
import { inTurns, median, ms } from './stats';
import { printRows, timed, timedAsync, withBenchArchives } from './benchData';

const RUNS = 5;

const SHELL_WAY = String.raw`
set -e
sha256sum "$1" > /dev/null
find "$2" -type f -print0 | xargs -0 sha256sum > /dev/null
`;

const TO_COMMAND = String.raw`tar -xf "$1" --to-command=sha256sum > /dev/null`;

async function main() {
  const cluster = new Cluster(testbedSettings());
  const rows: string[][] = [];
  try {
    await withBenchArchives(
      async (archive) => {
        const ours: number[] = [];
        const ref: number[] = [];
        let members = 0;
        let bytes = 0;
        let verdict = '';
        await inTurns(
          RUNS,
          async () => {
            const r = await timedAsync(() => validateBackup(cluster, { node: 'node1', archive, save: false, readData: {} }));
            ours.push(r.ms);
            members = r.value.readData?.checked ?? 0;
            bytes = r.value.readData?.bytesChecked ?? 0;
            verdict = `${r.value.readData?.verdict}, checksum ${r.value.checksum}`;
          },
          () => ref.push(timed(() => inGluster('node1', ['sh', '-c', SHELL_WAY, 'shell', archive, '/mnt/gluster'], { timeoutMs: 900_000 })).ms),
        );
        const toCommand = timed(() => inGluster('node1', ['sh', '-c', TO_COMMAND, 'to-command', archive], { timeoutMs: 900_000 })).ms;
        rows.push([
          `validate --read-data .tar, ${members} file members, ${(bytes / 2 ** 30).toFixed(2)} GiB (median of ${RUNS})`,
          ms(median(ours)),
          ms(median(ref)),
          (median(ours) / median(ref)).toFixed(2),
          `target <= 1.3; the whole command: names, sha256 of the archive, tar --compare of every member (${verdict})`,
        ]);
        rows.push([`tar -xf --to-command=sha256sum (once)`, ms(toCommand), ms(median(ref)), (toCommand / median(ref)).toFixed(2), 'a sha256sum process per member: the way not taken']);
      },
      [false],
    );
  } finally {
    cluster.dispose();
  }
  printRows(rows);
  setTimeout(() => process.exit(0), 50).unref();
}

void main();
