// The envelope every `gluster --xml` answer shares (<cliOutput> with opRet/opErrno/opErrstr)
// and the coercions the parsers need: gluster prints a lone child as an object and several as
// an array, writes numbers as text, and uses "N/A" or "-" for unknown values.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { GlusterCliError, classifyGlusterMessage, glusterErrorFromText } from './errors';

export type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Keep values as text: "0" vs "-" vs "N/A" matter, and uuids must never become numbers.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

/**
 * Parses gluster XML output and returns <cliOutput>, or throws GlusterCliError when gluster
 * printed nothing, printed text instead of XML, printed cut-off XML, or reported a failure.
 */
export function parseCliOutput(stdout: string, exitCode?: number): XmlNode {
  const text = stdout.trim();
  if (!text) throw glusterErrorFromText('', exitCode);
  // The CLI falls back to plain text for failures before it reaches glusterd.
  if (!text.startsWith('<')) {
    const err = glusterErrorFromText(text, exitCode);
    if (err.kind !== 'failed') throw err;
    throw new GlusterCliError('malformed', `gluster printed no XML: ${excerpt(text)}`, { exitCode });
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    // Typically output cut off by a timeout or a dropped connection.
    throw new GlusterCliError(
      'malformed',
      `gluster printed incomplete XML (line ${valid.err.line}: ${valid.err.msg})`,
      { exitCode },
    );
  }
  let parsed: unknown;
  try {
    parsed = parser.parse(text);
  } catch (e) {
    // The validator lets some malformed documents through that the parser then rejects
    // (a NUL byte inside the XML declaration, found by the property test).
    throw new GlusterCliError('malformed', `gluster printed malformed XML (${(e as Error).message})`, { exitCode });
  }
  const root = obj(parsed).cliOutput;
  if (!isNode(root)) {
    throw new GlusterCliError('malformed', `gluster XML has no <cliOutput>: ${excerpt(text)}`, { exitCode });
  }
  checkOpRet(root, exitCode);
  return root;
}

/** For commands with nothing to read back (volume start): throws unless gluster said opRet 0. */
export function checkCliResult(stdout: string, exitCode?: number): void {
  parseCliOutput(stdout, exitCode);
}

function checkOpRet(root: XmlNode, exitCode?: number): void {
  const opRet = int(root.opRet);
  const opErrno = int(root.opErrno);
  if (opRet === undefined) {
    throw new GlusterCliError('malformed', 'gluster XML has no <opRet>', { exitCode });
  }
  if (opRet === 0) return;
  const said = str(root.opErrstr);
  const message = said || `gluster failed (opRet ${opRet}, opErrno ${opErrno ?? '?'})`;
  throw new GlusterCliError(classifyGlusterMessage(message), message, { opRet, opErrno, exitCode });
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 200 ? `${flat.slice(0, 200)}...` : flat;
}

export function isNode(v: unknown): v is XmlNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The node itself, or an empty one: lets the parsers walk optional paths without checks. */
export function obj(v: unknown): XmlNode {
  return isNode(v) ? v : {};
}

/**
 * One child element comes out as an object, several as an array, none as undefined or "".
 * A text-only element (older releases print `<brick>host:/path</brick>`) becomes {"#text"}.
 */
export function list(v: unknown): XmlNode[] {
  const items: unknown[] = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return items.flatMap((i) => (isNode(i) ? [i] : str(i) ? [{ '#text': str(i) }] : []));
}

/** Text content; mixed-content elements keep their text under "#text". */
export function str(v: unknown): string {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isNode(v)) return str(v['#text']);
  return '';
}

export function optStr(v: unknown): string | undefined {
  return str(v) || undefined;
}

/** Integer, or undefined for missing, "N/A", "-" and anything else that is not one. */
export function int(v: unknown): number | undefined {
  const s = str(v);
  if (!/^-?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A count or a size: a negative one is not a value gluster prints for these, so unknown. */
export function count(v: unknown): number | undefined {
  const n = int(v);
  return n !== undefined && n >= 0 ? n : undefined;
}

/** Like int, but 0 and negatives (gluster's "no pid"/"no port") also mean unknown. */
export function positiveInt(v: unknown): number | undefined {
  const n = int(v);
  return n !== undefined && n > 0 ? n : undefined;
}

export function flag(v: unknown): boolean {
  return int(v) === 1;
}

const NULL_UUID = '00000000-0000-0000-0000-000000000000';

/** Uuid, lower-cased; gluster's "-" (brick it could not reach) and the null uuid are undefined. */
export function uuid(v: unknown): string | undefined {
  const s = str(v).toLowerCase();
  return /^[0-9a-f]{8}-[0-9a-f-]+$/.test(s) && s !== NULL_UUID ? s : undefined;
}

/** Splits `host:/path` at the first ":/" so an IPv6 host's own colons stay in the host. */
export function splitBrickName(name: string): { host: string; path: string } {
  const at = name.indexOf(':/');
  if (at < 0) return { host: '', path: name };
  return { host: name.slice(0, at), path: name.slice(at + 1) };
}

/** Text of one or several same-named leaf elements. */
export function texts(v: unknown): string[] {
  const items = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return items.map((i) => str(i)).filter(Boolean);
}
