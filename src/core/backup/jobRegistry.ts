// Where a node's jobs are, when some were started with `-b DIR` outside the configured backups
// directory: one pointer per job in the SSH user's home on the node's host. The node stays the
// source of truth (a client on another machine, with other settings, finds the same jobs) and
// the job file stays beside its archive; the pointer only says where to look.
import { createHash } from 'crypto';
import { isNotFound, type NodeConnection } from '../node/nodeConnection';
import { roleOf } from '../catalog/dirFiles';
import { isRecord } from '../guards';

/** More job pointers than years of jobs outside the configured directory would leave. */
const MAX_POINTERS = 10_000;

const REGISTRY = '.gluster-backup/jobs';

async function registryDir(conn: NodeConnection): Promise<string> {
  return `${(await conn.homeDir()).replace(/\/+$/, '')}/${REGISTRY}`;
}

/** The pointer's name: the job's id (readable) and a hash of its path (two dirs, same id). */
export function pointerName(jobFile: string): string {
  const base = jobFile.slice(jobFile.lastIndexOf('/') + 1).replace(/\.job\.json$/, '');
  return `${base}-${createHash('sha256').update(jobFile).digest('hex').slice(0, 12)}.json`;
}

export async function registerJob(conn: NodeConnection, jobFile: string): Promise<void> {
  const dir = await registryDir(conn);
  await conn.makeDir(dir);
  await conn.writeAtomic(`${dir}/${pointerName(jobFile)}`, JSON.stringify({ job: jobFile }) + '\n');
}

/** Bytes of a path the node's kernel takes (PATH_MAX, its NUL included). */
const MAX_PATH_BYTES = 4095;

/**
 * The job file a pointer's text names, or undefined when it is not a pointer this tool wrote.
 * Only a job file named as ours (a backup's stem, a restore's id): a pointer leads this client
 * to finalise that job, which removes files named after it. A path no stat can take (a NUL in a
 * directory's name, longer than PATH_MAX) made every listing of the node fail, the pointer kept.
 */
export function jobOfPointer(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const job = isRecord(parsed) ? parsed.job : undefined;
  if (typeof job !== 'string' || !job.startsWith('/') || !job.endsWith('.job.json') || job.includes('\0')) return undefined;
  if (job.length > MAX_PATH_BYTES || Buffer.byteLength(job, 'utf8') > MAX_PATH_BYTES) return undefined;
  const role = roleOf(job.slice(job.lastIndexOf('/') + 1))?.role;
  return role && (role.role === 'job' || role.role === 'restore') ? job : undefined;
}

/**
 * Job files the registry points at. A pointer whose job file is gone (the operator removed the
 * archive and its files), or that is not one this tool wrote, is dropped, so the registry does
 * not grow forever; one that cannot be read is an error, and stays.
 */
export async function registeredJobFiles(conn: NodeConnection): Promise<string[]> {
  const dir = await registryDir(conn);
  let entries;
  try {
    entries = await conn.listDir(dir);
  } catch (e) {
    if (isNotFound(e)) return [];
    throw e;
  }
  const pointers = entries.filter((x) => x.isFile && x.name.endsWith('.json'));
  // Each pointer costs a read, a stat and a look at its job: a registry no use of this tool
  // could have filled is named, not walked.
  if (pointers.length > MAX_POINTERS) throw new Error(`${dir} holds ${pointers.length} job pointers, more than ${MAX_POINTERS}: not read; look at what wrote them`);
  const out: string[] = [];
  for (const e of pointers) {
    const pointer = `${dir}/${e.name}`;
    let text: string;
    try {
      text = (await conn.read(pointer, 0, 64 * 1024)).toString('utf8');
    } catch (err) {
      if (isNotFound(err)) continue;
      // A pointer that could not be read this time (EIO, a lost link) may lead to a running job:
      // dropping it would hide that job from every later listing, and from restore's check.
      throw err;
    }
    const job = jobOfPointer(text);
    if (job === undefined) {
      await conn.remove(pointer);
      continue;
    }
    if (await conn.stat(job)) out.push(job);
    else await conn.remove(pointer);
  }
  return out;
}
