// A JSON document whose one long array is written as it is made, not held whole.

/**
 * `head` as JSON with an `entries` array last, written an entry at a time: a million members'
 * JSON made as one string would be hundreds of MB in the CLI at once.
 */
export async function writeJsonWithEntries(out: NodeJS.WritableStream, head: Record<string, unknown>, entries: Iterable<unknown> | undefined): Promise<void> {
  const text = JSON.stringify(head, null, 2);
  if (entries === undefined) {
    out.write(text + '\n');
    return;
  }
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  };
  // Pretty-printed, a non-empty object ends in "\n}"; the array goes in before that.
  let buf = (text === '{}' ? '{' : text.slice(0, -2) + ',') + '\n  "entries": [';
  let first = true;
  for (const e of entries) {
    buf += (first ? '\n    ' : ',\n    ') + JSON.stringify(e);
    first = false;
    if (buf.length >= 1 << 16) {
      await write(buf);
      buf = '';
    }
  }
  await write(buf + (first ? ']\n}\n' : '\n  ]\n}\n'));
}
