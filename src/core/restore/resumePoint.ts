// Where an interrupted restore stopped: tar's verbose list of the members it started on
// (<restore id>.members, written line by line as each member begins), of which only the last
// line matters: the one member that may be half written. The file comes from the node: read
// only its tail, and decode the line with a guard.
import { canonicalKey } from '../archive/paths';
import { escapeAt } from '../archive/tarListing';

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

/** GNU tar's default "escape" quoting: \\, \n and the like, and \ooo for any other byte. */
export function unescapeName(s: string): string | undefined {
  let out = '';
  for (let i = 0; i < s.length; ) {
    if (s[i] !== '\\') {
      out += s[i++];
      continue;
    }
    const e = escapeAt(s, i, true);
    if (!e) return undefined;
    out += e.ch;
    i = e.next;
  }
  return out;
}
