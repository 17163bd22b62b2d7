// The contextValue scheme that package.json `when` clauses match with regexes. Kept free of
// `vscode` and in one place because the manifest and the tree must agree on it.
//
//   node:<state>:<where>
//     <state>  checking | busy | unknown | a ContainerState (running, exited, paused, restarting,
//              created, dead, removing, missing) | a NodeErrorKind (unreachable, timeout,
//              hostKeyUnknown, hostKeyChanged, auth, passphrase, dockerUnavailable, config, other)
//     <where>  ssh | local (a configured node without host) | implicit (the local node shown
//              because none is configured; it cannot be removed)
//   error:<NodeErrorKind>       the error row under an unreachable node
//   fix                         an action row under an error
//   container, storageDriver[:devicemapper], volume[:problems], brick:online|offline,
//   problem, backups, message
//   archive                     a finished archive: Validate, Restore, Validate Read Data
//   archive:partial             a partial archive no job is writing: a leftover, offered nothing
//   archive:kept                a partial its backup job kept as its finished archive (the only
//                               copy, its name to be given by the operator): Publish Kept
//                               Archive alone, as Validate and Restore refuse a partial, and
//                               never a cleanup
//   job:<JobState>              a backup or restore job row under `backups` (running, or unknown
//                               while its node cannot be read); built by jobText.ts
//                               jobContextValue. A backup's `.partial` archive is not listed
//                               separately while it runs.
import type { NodeStatus } from '../../core/model';

/** An archive row's contextValue (archiveRow.ts); the manifest matches each with `==` only. */
export const ARCHIVE_CONTEXT = { archive: 'archive', partial: 'archive:partial', kept: 'archive:kept' } as const;

export type NodeWhere = 'ssh' | 'local' | 'implicit';

export function nodeState(status: NodeStatus | undefined, busy: boolean): string {
  if (busy) return 'busy';
  if (!status) return 'checking';
  if (status.error) return status.error.kind;
  if (!status.reachable) return 'unreachable';
  return status.container?.state ?? 'unknown';
}

export function nodeContextValue(status: NodeStatus | undefined, busy: boolean, where: NodeWhere): string {
  return `node:${nodeState(status, busy)}:${where}`;
}
