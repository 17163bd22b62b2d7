// What the explorer says of an archive's trustworthiness (a check or a cross, and why) and of a
// node's last good backup, from the catalog core reads. Pure: no `vscode`, and the time is
// given, so the words and the warning threshold are tested without a clock.
import type { CatalogArchive } from '../core/catalog/catalog';
import { lastGoodArchive, olderThan } from '../core/catalog/lastGood';
import { ago, plural, shortDate } from './format';

export interface ArchiveTrust {
  /** check: validated clean; cross: anything else. */
  mark: 'check' | 'cross';
  /** How bad a cross is: error for a damaged or incomplete archive, warn for one not (usably) validated. */
  severity: 'ok' | 'warn' | 'error';
  /** The few words of the row's description. */
  short: string;
  /** Why, one line each, for the tooltip: the verdict first, then tar and the checksum. */
  reasons: string[];
}

export function archiveTrust(a: CatalogArchive | undefined, now: number): ArchiveTrust {
  if (!a) return { mark: 'cross', severity: 'warn', short: 'state unknown', reasons: ['its records could not be read (see the backups row)'] };
  const reasons: string[] = [];
  let severity: ArchiveTrust['severity'];
  let short: string;
  const v = a.validation;
  if (a.checksum === 'mismatch') {
    severity = 'error';
    short = 'checksum mismatch';
    reasons.push(`checksum mismatch: the archive no longer matches its .sha256 (validated ${when(v?.at, now)})`);
  } else if (a.clean && v) {
    severity = 'ok';
    short = 'validated clean';
    reasons.push(`validated clean ${when(v.at, now)}${v.verdict === 'differs' ? ' (files changed since the backup, none missing)' : ''}`);
  } else if (v) {
    severity = 'error';
    short = v.missingFiles ? `missing ${v.missingFiles}` : v.verdict;
    reasons.push(`validated ${when(v.at, now)}: ${v.verdict}${v.missingFiles ? `, ${plural(v.missingFiles, 'file')} missing` : ''}`);
  } else {
    severity = 'warn';
    short = 'not yet validated';
    reasons.push(a.validationError ? `not validated: its report cannot be used (${a.validationError})` : 'not yet validated');
  }
  if (a.job) {
    const exit = a.job.exitCode !== undefined ? `tar exit ${a.job.exitCode}` : `backup ${a.job.state}`;
    if (a.job.warnings) {
      const kinds = Object.entries(a.job.warningKinds ?? {})
        .filter(([, n]) => n)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      reasons.push(`${exit}, tar warnings: ${a.job.warnings}${kinds ? ` (${kinds})` : ''}`);
    } else reasons.push(`${exit}, no tar warnings`);
  } else if (a.jobError) reasons.push(`its job record cannot be used: ${a.jobError}`);
  else reasons.push('no job record (not written by this tool, or its record was removed)');
  reasons.push(CHECKSUM_TEXT[a.checksum]);
  return { mark: severity === 'ok' ? 'check' : 'cross', severity, short, reasons };
}

const CHECKSUM_TEXT: Record<CatalogArchive['checksum'], string> = {
  ok: 'sha256 matched its .sha256 sidecar',
  mismatch: 'sha256 did NOT match its .sha256 sidecar: the archive is damaged',
  absent: 'no .sha256 sidecar (written before checksums, or by another tool)',
  'not-checked': 'checksum not checked yet',
};

function when(iso: string | undefined, now: number): string {
  return iso ? `${ago(iso, now)} (${shortDate(iso)})` : 'earlier';
}

export interface LastGood {
  /** "last good backup 3 h ago", or "No validated backup". */
  text: string;
  /** Older than the limit, or none at all. */
  warn: boolean;
  archive?: CatalogArchive;
  /** The tooltip: which archive, when made, and the limit. */
  detail: string;
}

/**
 * A good backup completed (or, without a job record, is a whole archive file) and validated
 * clean; its age is from when it was made, not from when it was validated.
 */
export function lastGoodBackup(catalog: readonly CatalogArchive[], now: number, maxAgeHours: number): LastGood {
  const good = lastGoodArchive(catalog);
  const limit = `warned about after ${plural(maxAgeHours, 'hour')} (glusterBackup.maxBackupAgeHours)`;
  if (!good) return { text: 'No validated backup', warn: true, detail: `No archive on this node has completed and validated clean; ${limit}.` };
  return {
    text: `last good backup ${ago(good.made, now)}`,
    warn: olderThan(good, now, maxAgeHours),
    archive: good,
    detail: `${good.name}, made ${shortDate(good.made)}, validated clean ${good.validation ? shortDate(good.validation.at) : ''}; ${limit}.`,
  };
}
