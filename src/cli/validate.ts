// gluster-backup validate-backup: the archive against the live filesystem, from a terminal.
import type { Cluster } from '../core/cluster';
import { exitOfValidation, validateBackup, ValidateError, type ValidateOptions } from '../core/validate/validateBackup';
import { reportLine, reportMarkdown } from '../core/validate/reportText';
import type { CliIo } from './run';

export async function runValidate(cluster: Cluster, io: CliIo, o: ValidateOptions & { json: boolean }): Promise<number> {
  const progress = o.json ? io.stderr : io.stdout;
  try {
    const r = await validateBackup(cluster, { ...o, onPhase: (phase, detail) => progress.write(`${phase} ${detail}\n`) });
    if (o.json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else io.stdout.write('\n' + reportMarkdown(r) + '\n' + reportLine(r) + '\n');
    return exitOfValidation(r);
  } catch (e) {
    if (!(e instanceof ValidateError)) throw e;
    io.stderr.write(`gluster-backup: validate-backup: ${e.message}\n`);
    return 2;
  }
}
