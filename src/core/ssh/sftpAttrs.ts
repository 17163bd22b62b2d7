// What a node's sftp-server answers of a file (readdir's entries, stat, fstat), as ssh2 parses
// it. ssh2 passes on what the server sent: an attribute sent without its flag is undefined (a
// time left out became NaN, and every toISOString of it a RangeError), and a listed name is any
// string ('/' and '..' included: joined to the directory, a path outside it). OpenSSH's
// sftp-server sends size, permissions and times for every file, and a name is one path
// segment: anything else is refused here, before the rest of the client believes it.
import { isRecord } from '../guards';
import type { DirEntry, FileStat } from '../node/nodeConnection';

export class SftpAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SftpAnswerError';
  }
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

/** A value as an error names it: short, whatever the server sent. */
function shown(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v.slice(0, 80)) : typeof v === 'number' ? String(v) : typeof v;
}

/** A file's attributes: `what` names the file in the error. */
export function fileStatOf(attrs: unknown, what: string): FileStat {
  const a = isRecord(attrs) ? attrs : {};
  const { size, mtime, mode } = a;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw new SftpAnswerError(`${what}: the SFTP server answered no usable size (${shown(size)})`);
  // SFTP's times are uint32 seconds.
  if (typeof mtime !== 'number' || !Number.isInteger(mtime) || mtime < 0 || mtime > 0xffffffff) throw new SftpAnswerError(`${what}: the SFTP server answered no usable modification time (${shown(mtime)})`);
  // Without its mode a file is not known to be a regular one.
  const isFile = typeof mode === 'number' && Number.isInteger(mode) && (mode & S_IFMT) === S_IFREG;
  return { size, mtimeMs: mtime * 1000, isFile };
}

/** One entry of readdir's answer for `dir`: a name in it, and its attributes. */
export function dirEntryOf(entry: unknown, dir: string): DirEntry {
  const e = isRecord(entry) ? entry : {};
  const name = e.filename;
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new SftpAnswerError(`${dir}: the SFTP server listed ${shown(name)}, which is no name of a file in a directory`);
  }
  return { name, ...fileStatOf(e.attrs, `${dir}/${name}`) };
}
