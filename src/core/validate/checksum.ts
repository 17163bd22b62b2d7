// The archive's checksum file (`<archive>.sha256`, written by the backup job on the node as tar
// wrote the archive) and its check: the archive is hashed again where it lies, inside the
// gluster container, and only the 64 hex digits cross the link. The file comes from a node, where
// anything may have changed it: it is read bounded and must be exactly what the job writes.
import type Docker from 'dockerode';
import { SHA256_SH } from '../backup/jobScript';
import { execInContainer } from '../docker/exec';
import { isNotFound, type NodeConnection } from '../node/nodeConnection';

export const CHECKSUM_SUFFIX = '.sha256';

/** `<64 hex>  <name>\n` with a name of at most 255 bytes: anything longer was not written by a job. */
export const MAX_CHECKSUM_FILE_BYTES = 64 + 2 + 255 + 1;

export type ChecksumState = 'ok' | 'mismatch' | 'absent' | 'not-checked';

export interface ChecksumCheck {
  state: ChecksumState;
  /** Why it was not checked (a malformed file, an archive the container cannot see). */
  detail?: string;
  expected?: string;
  actual?: string;
}

export function checksumPathOf(archive: string): string {
  return `${archive}${CHECKSUM_SUFFIX}`;
}

export class ChecksumFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChecksumFileError';
  }
}

/** The line the backup job writes, as `sha256sum -c` reads it. */
export function checksumLine(hex: string, archiveName: string): string {
  return `${hex}  ${archiveName}\n`;
}

/**
 * The digest of a checksum file, which must name `archiveName` exactly: one line, lowercase
 * hex, two spaces (sha256sum's text mode), the archive's own name, a newline.
 */
export function parseChecksumFile(buf: Buffer, archiveName: string): string {
  if (buf.length > MAX_CHECKSUM_FILE_BYTES) throw new ChecksumFileError(`${buf.length} bytes, larger than any checksum file (${MAX_CHECKSUM_FILE_BYTES})`);
  const text = buf.toString('latin1');
  const m = /^([0-9a-f]{64})  ([^\n]*)\n$/.exec(text);
  if (!m) throw new ChecksumFileError('not one line of sha256sum output ("<64 hex digits>  <name>")');
  if (Buffer.from(m[2], 'latin1').toString('utf8') !== archiveName) throw new ChecksumFileError(`it names ${JSON.stringify(m[2].slice(0, 100))}, not ${JSON.stringify(archiveName)}`);
  return m[1];
}

/** The answer for standard input of sha256sum (`<64 hex>  -`) or openssl -r (`<64 hex> *stdin`). */
export function parseSha256Output(stdout: string): string | undefined {
  const m = /^([0-9a-f]{64})(?: {2}-| \*stdin)\n?$/.exec(stdout);
  return m ? m[1] : undefined;
}

/** The checksum file beside `archive`, read bounded; undefined when there is none. */
export async function readChecksumFile(conn: NodeConnection, archive: string): Promise<Buffer | undefined> {
  const file = checksumPathOf(archive);
  try {
    const st = await conn.stat(file);
    if (!st) return undefined;
    // One byte past the bound is enough to know the file is too long.
    return await conn.read(file, 0, Math.min(st.size, MAX_CHECKSUM_FILE_BYTES + 1));
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** The archive's SHA-256 computed in the container (openssl or sha256sum reading the file there). */
export async function hashInContainer(docker: Docker, container: string, archive: string, timeoutMs: number): Promise<{ hex: string } | { error: string }> {
  const r = await execInContainer(docker, container, ['sh', '-c', `exec < "$1"; ${SHA256_SH}`, 'gluster-backup-sha256', archive], timeoutMs);
  const hex = r.exitCode === 0 ? parseSha256Output(r.stdout) : undefined;
  if (hex) return { hex };
  return { error: r.exitCode === 0 ? `sha256sum printed something unexpected: ${JSON.stringify(r.stdout.slice(0, 100))}` : r.stderr.trim().slice(0, 300) || `sha256sum exited with status ${r.exitCode}` };
}

/** The sentence for a damaged archive: the operator's headline and the CLI's. */
export function mismatchText(archive: string): string {
  return `archive damaged: sha256 differs from ${checksumPathOf(archive)}`;
}

/**
 * Checks `archive` against its checksum file: absent (none beside it), not-checked (the file is
 * malformed, or the container could not hash the archive), ok or mismatch.
 */
export async function checkArchiveChecksum(conn: NodeConnection, docker: Docker, container: string, archive: string, timeoutMs: number): Promise<ChecksumCheck> {
  const file = await readChecksumFile(conn, archive);
  if (!file) return { state: 'absent', detail: 'no checksum beside the archive' };
  let expected: string;
  try {
    expected = parseChecksumFile(file, archive.slice(archive.lastIndexOf('/') + 1));
  } catch (e) {
    return { state: 'not-checked', detail: `${checksumPathOf(archive)} is not a checksum file the backup wrote: ${(e as Error).message}` };
  }
  const got = await hashInContainer(docker, container, archive, timeoutMs);
  if ('error' in got) return { state: 'not-checked', expected, detail: `the archive could not be hashed in the container: ${got.error}` };
  return got.hex === expected ? { state: 'ok', expected, actual: got.hex } : { state: 'mismatch', expected, actual: got.hex, detail: mismatchText(archive) };
}
