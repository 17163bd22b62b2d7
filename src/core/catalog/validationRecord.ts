// What the catalog takes from `<archive>.validation.json` (written by validate-backup, read back
// from a node where anything may have changed it): when, the verdict, the missing count and the
// checksum state. Guarded like the job file: bounded, every field checked, and a report that
// names another archive, or another size than the archive has now, says nothing about this one.
import { isRecord } from '../guards';
import type { Verdict } from '../archive/compare';

/** A report with 1000 listed items per section of long paths stays well under this. */
export const MAX_VALIDATION_BYTES = 32 * 1024 * 1024;

const VERDICTS: readonly Verdict[] = ['complete', 'incomplete', 'differs', 'truncated', 'corrupt'];

/**
 * The archive's `.sha256` sidecar as validate-backup last found it: `ok` it matched, `mismatch`
 * it did not, `absent` there was none, `not-checked` validate-backup did not look (an older
 * version, or no report at all).
 */
export type ChecksumState = 'ok' | 'mismatch' | 'absent' | 'not-checked';
const CHECKSUM_STATES: readonly ChecksumState[] = ['ok', 'mismatch', 'absent', 'not-checked'];

export interface ValidationSummary {
  /** When that validation started. */
  at: string;
  verdict: Verdict;
  missingFiles: number;
  checksum: ChecksumState;
}

export class ValidationRecordError extends Error {
  constructor(
    readonly file: string,
    readonly why: string,
  ) {
    super(`${file} is not a validation report this version can use: ${why}`);
    this.name = 'ValidationRecordError';
  }
}

type Obj = Record<string, unknown>;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * The summary of the report in `text`, read from `file`, for the archive at `archive` of
 * `archiveBytes` bytes now; a ValidationRecordError saying why it cannot be used otherwise.
 */
export function parseValidationRecord(text: string, file: string, archive: string, archiveBytes: number): ValidationSummary {
  const bad = (why: string): never => {
    throw new ValidationRecordError(file, why);
  };
  if (text.length > MAX_VALIDATION_BYTES) bad(`longer than ${MAX_VALIDATION_BYTES} characters`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return bad(`not JSON (${(e as Error).message.slice(0, 200)})`);
  }
  if (!isRecord(raw)) return bad('not a JSON object');
  if (raw.archive !== archive) bad(`it is the report of ${typeof raw.archive === 'string' ? raw.archive.slice(0, 300) : 'no archive'}, not of ${archive}`);
  if (!isCount(raw.archiveBytes)) bad('"archiveBytes" is not a size');
  // The archive was replaced or changed since: this verdict is not about its bytes.
  if (raw.archiveBytes !== archiveBytes) bad(`it validated ${raw.archiveBytes as number} bytes; the archive now has ${archiveBytes}`);
  const at = raw.startedAt;
  if (typeof at !== 'string' || at.length > 64 || !Number.isFinite(Date.parse(at))) bad('"startedAt" is not a time');
  const report = raw.report;
  if (!isRecord(report)) return bad('"report" is not an object');
  if (!VERDICTS.includes(report.verdict as Verdict)) bad('"report.verdict" is not a verdict this version knows');
  const missing = report.missingFiles;
  if (!isRecord(missing) || !isCount(missing.count)) bad('"report.missingFiles.count" is not a count');
  return { at: at as string, verdict: report.verdict as Verdict, missingFiles: (missing as Obj).count as number, checksum: checksumOf(raw.checksum) };
}

/**
 * The `checksum` field of a report (a state, or an object with one): a report without it
 * (written before checksums existed) did not check; one this version does not understand
 * neither, as far as it can tell.
 */
function checksumOf(v: unknown): ChecksumState {
  const s = isRecord(v) ? v.state : v;
  return CHECKSUM_STATES.includes(s as ChecksumState) ? (s as ChecksumState) : 'not-checked';
}

/** Nothing missing and nothing damaged: validate-backup's exit 0, and no checksum mismatch. */
export function validatedClean(v: ValidationSummary | undefined): boolean {
  return v !== undefined && (v.verdict === 'complete' || v.verdict === 'differs') && v.checksum !== 'mismatch';
}

/**
 * The checksum state of an archive for the catalog: the sidecar decides whether there is one to
 * check; the last report whether it was checked and how it came out.
 */
export function checksumState(hasSidecar: boolean, v: ValidationSummary | undefined): ChecksumState {
  if (!hasSidecar) return 'absent';
  if (!v || v.checksum === 'absent') return 'not-checked';
  return v.checksum;
}
