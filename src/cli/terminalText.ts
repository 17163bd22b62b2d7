// What the CLI prints for a person carries text a node gave: a job's reason, tar's and gluster's
// messages, names in a backups directory, errors made from a node's output. A node is not
// trusted, and a terminal obeys the escapes in what it prints (a window title set, the screen
// cleared, the clipboard written), so every value put into a line is escaped on the way in;
// the line's own text, the CLI's `\r\x1b[K` and newlines among it, is the CLI's and stays. With
// --json nothing is escaped: JSON.stringify escapes every control character itself, and the
// text of a message line is the exact text.
import { shownText } from '../core/archive/paths';

/** A line made from a template: its own text as written, each value put in by the tag. */
export type Line = (strings: TemplateStringsArray, ...values: unknown[]) => string;

export interface Output {
  /** A line with values from a node in it; a newline in a value is escaped too, or it could forge a line. */
  line: Line;
  /**
   * Text of several lines that the core made with a node's text in it (an error's message, a
   * report): each line escaped, the line breaks kept, since here the breaks the core made and
   * those a node's text brought cannot be told apart.
   */
  lines(text: string): string;
}

function joined(strings: TemplateStringsArray, values: unknown[], value: (v: string) => string): string {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += value(String(values[i])) + strings[i + 1];
  return out;
}

/** A line of text output, which a terminal may show. */
export const shown: Line = (strings, ...values) => joined(strings, values, shownText);

/** Text of several lines for text output (see Output.lines). */
export function shownLines(text: string): string {
  return text.split('\n').map(shownText).join('\n');
}

/**
 * The lines a formatter made for text output, one element a line, as one text: each escaped
 * whole, a newline inside one included (the CLI's own text in them has no control character).
 */
export function shownEach(lines: readonly string[]): string {
  return lines.map(shownText).join('\n') + '\n';
}

const forTerminal: Output = { line: shown, lines: shownLines };

const asWritten: Output = {
  line: (strings, ...values) => joined(strings, values, (v) => v),
  lines: (text) => text,
};

/** What a command writes for a person: escaped for a terminal, or as it is where --json makes it a message line. */
export function outputFor(json: boolean): Output {
  return json ? asWritten : forTerminal;
}

/** `gluster-backup: MESSAGE` on stderr, for an error whose message the core made. */
export function errorLine(json: boolean, message: string): string {
  return `gluster-backup: ${outputFor(json).lines(message)}\n`;
}
