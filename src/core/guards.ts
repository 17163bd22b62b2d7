// The smallest checks the guards of everything read from a node or a settings file start with.

/** A JSON object (not null, not an array): what every record, report and settings file must be. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
