// restore --dry-run against the shell way of answering its question on the same node, archive
// and volume in the same run: which archive members already exist in the target,
// `tar -tf ARCHIVE | sort` + `find DIR | sort` + `comm -12`, inside the gluster container. Also
// the archive bytes the dry run reads, for a .tar (the header walk over SFTP) and a .tar.gz
// (the member list its backup job wrote, as the CLI's dry run reads it).
import './shippedVendor';
import './traceRequests';
import { Cluster } from '../src/core/cluster';
import { planAndCheck } from '../src/core/restore/restoreJob';
import { inGluster, testbedSettings } from '../test/integration/helpers/testbed';
import { inTurns, median, ms } from './stats';
import { printRows, timed, timedAsync, withBenchArchives } from './benchData';

const RUNS = 5;

const SHELL_WAY = String.raw`
set -e
cd "$2"
tar -tf "$1" | sed -e 's,^\./,,' -e 's,/$,,' | grep -v '^\.\?$' | LC_ALL=C sort > /tmp/bench-a
find . -mindepth 1 | sed 's,^\./,,' | LC_ALL=C sort > /tmp/bench-f
LC_ALL=C comm -12 /tmp/bench-f /tmp/bench-a | wc -l
rm -f /tmp/bench-a /tmp/bench-f
`;

async function main() {
  const cluster = new Cluster(testbedSettings());
  const rows: string[][] = [];
  try {
    await withBenchArchives(async (archive, gzip) => {
      const ours: number[] = [];
      const ref: number[] = [];
      let read = 0;
      let size = 0;
      let entries = 0;
      let inTheWay = 0;
      let refInTheWay = 0;
      let method = '';
      await inTurns(
        RUNS,
        async () => {
          // As the CLI's dry run: the plan, then the cluster's state (nodes, bricks, running jobs).
          const r = await timedAsync(async () => (await planAndCheck(cluster, { node: 'node1', archive, memberList: true })).plan);
          method = r.value.method;
          ours.push(r.ms);
          read = r.value.plan.archive.bytesRead;
          size = r.value.archiveBytes;
          entries = r.value.plan.selected.entries;
          inTheWay = r.value.plan.conflicts.count + r.value.plan.merge;
        },
        () => {
          const r = timed(() => inGluster('node1', ['sh', '-c', SHELL_WAY, 'shell', archive, '/mnt/gluster']));
          ref.push(r.ms);
          refInTheWay = Number(r.value.stdout.trim());
        },
      );
      rows.push([
        `dry run ${gzip ? '.tar.gz' : '.tar'}, ${entries} entries (median of ${RUNS})`,
        ms(median(ours)),
        ms(median(ref)),
        (median(ours) / median(ref)).toFixed(2),
        `target <= 2 s; ${method === 'member-list' ? `the member list its backup wrote: ${read} bytes read, the archive (${size} bytes) not read` : gzip ? `read whole by tar in the container (${size} bytes), names only over the link` : `archive bytes read ${read} of ${size} (${((read / size) * 100).toFixed(3)}%)`}; existing entries found ${inTheWay}, by the shell ${refInTheWay} (names tar -tf escapes do not match find's, so its comm misses them)`,
      ]);
    });
  } finally {
    cluster.dispose();
  }
  printRows(rows);
  setTimeout(() => process.exit(0), 50).unref();
}

void main();
