// A command in a container that can be stopped from here. Ending a docker exec's stream does not
// end its process: dockerd keeps it running, so a walk of a million files through FUSE that lost
// its race would read on beside the backup. The process carries a tag in its environment, and
// a second exec ends every process of the container that has it.
import type Docker from 'dockerode';
import { randomUUID } from 'crypto';
import { execInContainer } from './exec';

const TAG_VAR = 'GLUSTER_BACKUP_TAG';

/** A fresh tag and the argv that runs `argv` with it (through env, no shell). */
export function tagged(argv: string[]): { tag: string; argv: string[] } {
  const tag = randomUUID();
  return { tag, argv: ['env', `${TAG_VAR}=${tag}`, ...argv] };
}

// Reads /proc in the container (python3: the image has it; pkill is not in every image). Only a
// process whose environment holds exactly the tag is signalled.
const STOPPER = String.raw`
import os, sys
want = sys.argv[1].encode()
n = 0
for p in os.listdir('/proc'):
    if not p.isdigit() or int(p) == os.getpid():
        continue
    try:
        with open('/proc/%s/environ' % p, 'rb') as f:
            if want in f.read(1 << 20).split(b'\0'):
                os.kill(int(p), 15)
                n += 1
    except OSError:
        pass
print(n)
`;

/** Ends the tagged processes in the container; the number signalled, or why it could not. */
export async function stopTagged(docker: Docker, container: string, tag: string, deadlineMs: number): Promise<number> {
  const r = await execInContainer(docker, container, ['python3', '-I', '-S', '-c', STOPPER, `${TAG_VAR}=${tag}`], deadlineMs);
  const n = Number(r.stdout.trim());
  if (r.exitCode !== 0 || !Number.isSafeInteger(n)) throw new Error(`could not stop the tagged command: ${r.stderr.trim().slice(0, 300) || `exit ${r.exitCode}`}`);
  return n;
}
