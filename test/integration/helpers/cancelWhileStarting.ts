// Client A starts a job; the moment A has claimed its job file (before docker starts the job's
// shell, so its tar has no pid to signal), client B cancels it, and A goes on only once B's
// request is on the node. Both are real clients of the real node: only the two connections'
// calls are wrapped, to see the claim and the request as they happen.
import { parseJobFile } from '../../../src/core/backup/jobFile';
import type { JobRecord } from '../../../src/core/backup/types';
import type { NodeConnection } from '../../../src/core/node/nodeConnection';

export interface CancelWhileStarting {
  /** The job A claimed, once it has. */
  claimed(): JobRecord | undefined;
  /** B's cancel, once asked. */
  byB(): Promise<JobRecord> | undefined;
  /** Puts both connections back as they were. */
  restore(): void;
}

/** `meanwhile` runs between A's claim and B's cancel (one quick call: A's start deadline runs). */
export function cancelWhileStarting(a: NodeConnection, b: NodeConnection, cancel: (claimed: JobRecord) => Promise<JobRecord>, meanwhile: (claimed: JobRecord) => void = () => undefined): CancelWhileStarting {
  const create = a.createExclusive.bind(a);
  const bWrite = b.writeAtomic.bind(b);
  let requested!: () => void;
  const cancelWritten = new Promise<void>((resolve) => (requested = resolve));
  let claimed: JobRecord | undefined;
  let byB: Promise<JobRecord> | undefined;
  b.writeAtomic = async (path, data) => {
    await bWrite(path, data);
    if (path.endsWith('.cancel')) requested();
  };
  a.createExclusive = async (path, data) => {
    const won = await create(path, data);
    if (won && path.endsWith('.job.json') && !claimed) {
      claimed = parseJobFile(String(data), path, 'node1');
      meanwhile(claimed);
      byB = cancel(claimed);
      byB.catch(() => undefined);
      // A starts the shell only once B's request is on the node (within A's start deadline).
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([cancelWritten, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("client B's cancel request was not written within 8 s")), 8_000)))]);
      } finally {
        clearTimeout(timer);
      }
    }
    return won;
  };
  return {
    claimed: () => claimed,
    byB: () => byB,
    restore: () => {
      a.createExclusive = create;
      b.writeAtomic = bWrite;
    },
  };
}
