// Its own file, and nothing else in it: the progress page (browser code) reads a job's reason
// for it, and must not bundle the job script to do so.

/**
 * The end of the script's line for a finished archive it could not publish (`... kept as
 * <partial>`): the partial archive is then the only copy, and no one may remove it. Records
 * on the nodes carry it in their reason, and keptArchive (jobFile.ts) reads it there in those
 * written before the record's `kept` field: it never changes.
 */
export const KEPT_PARTIAL = 'the complete archive is kept as ';
