// Names in an archive and on the filesystem are bytes, not text. They are kept as "keys":
// latin1 strings with one char per byte, so that any byte sequence survives, equality is byte
// equality, and `<` on keys is byte order (what `sort` with LC_ALL=C gives). V8 stores such
// strings one byte per char, which also keeps a million paths compact.

/** The key of a name given as raw bytes. */
export function keyOf(bytes: Buffer): string {
  return bytes.toString('latin1');
}

/**
 * A key to keep in a table. V8 gives a slice of a longer string (13 chars or more) as a view of
 * the whole, so a key cut from a member name ("./a" to "a") or from a chunk of tar's output
 * would keep that name or chunk alive beside it: at a million members, ~30 MB more at rest and
 * more garbage for the peak. The copy holds only its own bytes.
 */
export function ownedKey(key: string): string {
  return key.length < 13 ? key : Buffer.from(key, 'latin1').toString('latin1');
}

/** The raw bytes of a key. */
export function keyBytes(key: string): Buffer {
  return Buffer.from(key, 'latin1');
}

/**
 * Canonical form of an archive member name: `tar -C root -c .` writes `./a/b` and `./dir/`,
 * a listing of the root gives `a/b` and `dir`. Leading `./` and `/` and trailing `/` go;
 * nothing in the middle is touched (`a/./b` stays, it is a different byte string).
 */
export function canonicalKey(key: string): string {
  let s = 0;
  let e = key.length;
  for (;;) {
    if (key.startsWith('./', s)) s += 2;
    else if (key.charCodeAt(s) === 0x2f) s += 1;
    else break;
  }
  if (e - s === 1 && key.charCodeAt(s) === 0x2e) return '';
  while (e > s && key.charCodeAt(e - 1) === 0x2f) e--;
  return s === 0 && e === key.length ? key : key.slice(s, e);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True when the name's bytes are valid UTF-8 (then `displayPath` is exact). */
export function isUtf8Key(key: string): boolean {
  // Pure ASCII is the common case and needs no decoder.
  if (/^[\x00-\x7f]*$/.test(key)) return true;
  try {
    utf8.decode(keyBytes(key));
    return true;
  } catch {
    return false;
  }
}

/**
 * The name for people: UTF-8 decoded; bytes that are not valid UTF-8 are shown as `\xNN`.
 * Not reversible when the name is invalid UTF-8 (a real `\xff` text looks the same), which is
 * why reports also carry the bytes in base64 for those names.
 */
export function displayPath(key: string): string {
  if (/^[\x00-\x7f]*$/.test(key)) return key;
  const b = keyBytes(key);
  try {
    return utf8.decode(b);
  } catch {
    let out = '';
    let i = 0;
    while (i < b.length) {
      const n = utf8SeqLen(b, i);
      if (n > 0) {
        out += b.toString('utf8', i, i + n);
        i += n;
      } else {
        out += '\\x' + b[i].toString(16).padStart(2, '0');
        i += 1;
      }
    }
    return out;
  }
}

/** Length of the valid UTF-8 sequence starting at i, or 0 when the byte there starts none. */
function utf8SeqLen(b: Buffer, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  let n: number;
  let min: number;
  if (c >= 0xc2 && c <= 0xdf) (n = 2), (min = 0x80);
  else if (c >= 0xe0 && c <= 0xef) (n = 3), (min = 0x800);
  else if (c >= 0xf0 && c <= 0xf4) (n = 4), (min = 0x10000);
  else return 0;
  if (i + n > b.length) return 0;
  let cp = c & (0xff >> (n + 1));
  for (let k = 1; k < n; k++) {
    const d = b[i + k];
    if ((d & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (d & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

/**
 * NUL-separated names as stored (raw bytes: a name need not be UTF-8), for tar --null
 * --files-from, `./` before each when the archive's names have it. Written into one buffer
 * from each name's length and bytes: a buffer per name costs hundreds of MB at a million.
 */
export function namesBuffer(count: number, length: (i: number) => number, copy: (i: number, to: Buffer, at: number) => number, dotSlashNames: number): Buffer {
  const dotSlash = dotSlashNames > 0;
  let total = 0;
  for (let i = 0; i < count; i++) total += (dotSlash ? 2 : 0) + length(i) + 1;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (dotSlash) (out[at++] = 0x2e), (out[at++] = 0x2f);
    at += copy(i, out, at);
    out[at++] = 0;
  }
  return out;
}

/** storedNames' bytes for keys held as strings (latin1, a byte a char). */
export function storedNames(keys: readonly string[], dotSlashNames: number): Buffer {
  return namesBuffer(keys.length, (i) => keys[i].length, (i, to, at) => to.write(keys[i], at, 'latin1'), dotSlashNames);
}

/**
 * A name for a line of text shown to a person (a terminal, a report): a backslash doubled, \n
 * \r \t as such, every other control character (C0, DEL, C1) as \xNN. Names come from the
 * volume, where anyone on the platform may create a file whose name holds a terminal escape
 * (one that sets the window title, or writes the clipboard): shown raw, the terminal obeys it.
 */
export function shownName(p: string): string {
  return p.replace(/[\\\x00-\x1f\x7f\u0080-\u009f]/g, (c) => (c === '\\' ? '\\\\' : shownControl(c)));
}

/**
 * Free text a node gave (a job's reason, tar's or gluster's message, an error made from a node's
 * output) for a line shown to a person: its control characters escaped as in a name, for the
 * same reason. Its backslashes stay single: tar already writes the names in its messages with
 * backslash escapes (`a\033b`), which doubled would read `a\\033b`, and a message, unlike a
 * name, is read, not matched byte for byte. Text already shown (by this or by shownName) holds
 * no control character, so showing it again leaves it as it is.
 */
export function shownText(t: string): string {
  return t.replace(/[\x00-\x1f\x7f\u0080-\u009f]/g, shownControl);
}

function shownControl(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0');
}
