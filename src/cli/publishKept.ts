// gluster-backup publish-kept: a finished archive its backup job kept as its partial, published
// under the name the job was to give it (core/catalog/publishKept.ts).
import * as os from 'os';
import type { Cluster } from '../core/cluster';
import { PublishKeptError, nodeOfKept, partialNameOf, publishKept } from '../core/catalog/publishKept';
import type { CliIo } from './io';
import { errorLine, shown } from './terminalText';
import { EXIT_FAILED, EXIT_OK } from './exitCodes';
import { toNodeError } from '../core/node/nodeErrors';

export async function runPublishKept(cluster: Cluster, io: CliIo, o: { dir: string; name: string; node?: string; json: boolean; cli: string }): Promise<number> {
  const name = partialNameOf(o.name);
  let node = o.node;
  try {
    node ??= await nodeOfKept(cluster, o.dir, name);
    const r = await publishKept(cluster, node, o.dir, name, { by: `${os.userInfo().username}@${os.hostname()} (CLI)` });
    const archiveName = r.archive.slice(r.archive.lastIndexOf('/') + 1);
    if (o.json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else {
      io.stdout.write(
        shown`${r.partial} on ${node} is published as ${r.archive}${r.resumed ? ' (an earlier run had linked it; this one finished)' : ''}${r.renamed ? ' (renamed: the backups directory holds no hard links)' : ''}: its job ${r.job.id} is ${r.job.state}, tar exit ${r.job.exitCode ?? '?'}.\n` +
          shown`It has no checksum file: validate it before relying on it: ${o.cli} validate-backup --node ${node} -f ${archiveName}\n`,
      );
    }
    return EXIT_OK;
  } catch (e) {
    // A node that cannot be reached, a record that fails its guard: said with the node's name.
    const text = e instanceof PublishKeptError ? e.message : `${node !== undefined ? `${node}: ` : ''}${toNodeError(e).message}`;
    io.stderr.write(errorLine(o.json, `publish-kept: ${text}`));
    if (o.json) io.stdout.write(JSON.stringify({ error: text }, null, 2) + '\n');
    return EXIT_FAILED;
  }
}
