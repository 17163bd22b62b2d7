// The XML documents a `gluster --xml` prompt prints one after another on its stdout, cut out of
// the chunks the exec stream delivers. Pure: GlusterShell feeds it and decides what a document
// or an overlong wait means.
import { StringDecoder } from 'string_decoder';

const END = '</cliOutput>';

/**
 * What is kept while no document ends: usage text or "Connection failed" on stdout never ends
 * with </cliOutput> (the prompt exits after usage).
 */
export const MAX_UNENDED_CHARS = 4 * 1024 * 1024;

export class CliDocuments {
  /**
   * The text since the last document, in the pieces it came in. Not one growing string: each
   * search of one (a rope in V8) first copies it whole, so a node sending tiny chunks made every
   * chunk cost the whole text, quadratic in it.
   */
  private parts: string[] = [];
  private chars = 0;
  /** The last END.length - 1 characters of that text: an end split across chunks starts there. */
  private tail = '';
  // A chunk can end inside a character: decoded alone, each half would be U+FFFD.
  private readonly decoder = new StringDecoder('utf8');
  /**
   * Characters searched so far, over every push: at most each chunk plus the tail before it. A
   * test reads it to hold the search to linear work without a clock.
   */
  searched = 0;

  /** The documents that `chunk` completes, in order, each from its `<?xml` when it has one. */
  push(chunk: Buffer): string[] {
    let s = this.decoder.write(chunk);
    const docs: string[] = [];
    for (;;) {
      // Only what is new is searched, with the tail before it.
      const window = this.tail + s;
      this.searched += window.length;
      const at = window.indexOf(END);
      if (at < 0) {
        if (s) this.parts.push(s);
        this.chars += s.length;
        this.tail = window.slice(-(END.length - 1));
        return docs;
      }
      // The tail is shorter than END, so the end reaches into s.
      const cut = at + END.length - this.tail.length;
      // The newline the prompt prints after a document is cut from the next one's start, so it
      // does not matter which chunk brought it.
      const doc = (this.parts.join('') + s.slice(0, cut)).replace(/^\r?\n/, '');
      this.parts = [];
      this.chars = 0;
      this.tail = '';
      s = s.slice(cut);
      const start = doc.indexOf('<?xml');
      docs.push(start >= 0 ? doc.slice(start) : doc);
    }
  }

  /** What came after the last document: what the prompt said when it ends without one. */
  get held(): string {
    const text = this.parts.join('');
    this.parts = text ? [text] : [];
    return text;
  }

  /** More than MAX_UNENDED_CHARS without a document's end. */
  get overlong(): boolean {
    return this.chars > MAX_UNENDED_CHARS;
  }
}
