// Its own file, and nothing else in it: the progress page (browser code) reads a job's reason
// for it, and must not bundle the job script to do so.

/**
 * The end of the script's line for a finished archive it could not publish (`... kept as
 * <partial>`): the partial archive is then the only copy, and no one may remove it. Records
 * on the nodes carry it in their reason, and keptArchive (jobFile.ts) reads it there in those
 * written before the record's `kept` field: it never changes.
 */
export const KEPT_PARTIAL = 'the complete archive is kept as ';

/**
 * Why a `.partial` path is refused where a finished archive is wanted (validate, restore): it
 * may be a backup still being written, one that never finished, or a complete archive its job
 * kept under that name; the operator is told how to tell them apart, and what to do with a kept one.
 */
export function partialRefusal(path: string): string {
  return `${path} is a partial archive: a backup still running, one that never finished, or a complete one its backup job kept under this name because the archive's own name was taken ("gluster-backup list" says which; a kept one can be used once renamed to a free archive name). Give a finished archive`;
}

/** The command that publishes a kept partial (catalog/publishKept.ts), as the job's reason and the catalog say it. */
export function publishKeptCommandText(node: string, partial: string): string {
  return `gluster-backup publish-kept --node ${node} -f ${partial.slice(partial.lastIndexOf('/') + 1)}`;
}
