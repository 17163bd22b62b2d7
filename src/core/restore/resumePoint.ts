// Where an interrupted restore stopped: tar's verbose list of the members it started on
// (<restore id>.members, written line by line as each member begins), of which only the last
// line matters: the one member that may be half written. The file comes from the node: read
// only its tail, and decode the line with a guard.
import { canonicalKey } from '../archive/paths';

/** The tail read: longer than any line tar prints for a name a gluster volume can hold (< 4 KiB). */
export const MEMBERS_TAIL_BYTES = 65536;

/**
 * The canonical key of the last member tar started on, from the tail of its members file, or
 * undefined when there is none: an empty file, or a last line cut short (tar was stopped while
 * printing it, so that member had not begun and the one before it had ended).
 */
export function lastStartedMember(tail: Buffer): string | undefined {
  if (tail.length === 0 || tail[tail.length - 1] !== 0x0a) return undefined;
  const start = tail.lastIndexOf(0x0a, tail.length - 2) + 1;
  // A tail with no line start in it is one line longer than the tail: not a name tar printed.
  if (start === 0 && tail.length >= MEMBERS_TAIL_BYTES) return undefined;
  const key = unescapeName(tail.toString('latin1', start, tail.length - 1));
  if (key === undefined) return undefined;
  const k = canonicalKey(key);
  return k === '' ? undefined : k;
}

const SIMPLE: Record<string, string> = { n: '\n', t: '\t', r: '\r', f: '\f', v: '\v', a: '\x07', b: '\b', '\\': '\\', '?': '?', '"': '"', "'": "'" };

/** GNU tar's default "escape" quoting: \\, \n and the like, and \ooo for any other byte. */
export function unescapeName(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const d = s[i + 1];
    if (d !== undefined && SIMPLE[d] !== undefined) {
      out += SIMPLE[d];
      i++;
    } else if (d !== undefined && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 4), 8) & 0xff);
      i += 3;
    } else return undefined;
  }
  return out;
}
