// The shapes that every layer agrees on: the core fills them, the CLI prints them as JSON and
// the extension turns them into tree items. Keep them plain data (JSON-serialisable) so that
// a status can be logged, compared and sent to a webview unchanged.

import type { CatalogArchive } from './catalog/catalog';
import type { CatalogKeptPartial } from './catalog/keptPartials';

export type ContainerState =
  | 'running'
  | 'exited'
  | 'paused'
  | 'restarting'
  | 'created'
  | 'dead'
  | 'removing'
  | 'missing';

export interface ContainerInfo {
  state: ContainerState;
  id?: string;
  image?: string;
  /** Docker's own words, e.g. "Up 3 minutes" or "Exited (0) 2 hours ago". */
  status?: string;
  /** ISO time the container last started (running) or finished (exited). */
  since?: string;
}

/** Why a node could not be inspected. `kind` drives the fix action the explorer offers. */
export type NodeErrorKind =
  | 'unreachable' // TCP/SSH connect failed, or the link went silent (keepalive)
  | 'timeout' // the node answered the connection but a call missed its deadline
  | 'hostKeyUnknown' // not in known_hosts: the operator must accept the fingerprint
  | 'hostKeyChanged' // known_hosts has a different key: refused, never accepted silently
  | 'auth' // authentication failed
  | 'passphrase' // the identity file is encrypted and no passphrase was given
  | 'dockerUnavailable' // SSH works but the docker socket does not answer
  | 'config' // the node's settings are invalid
  | 'other';

export interface NodeError {
  kind: NodeErrorKind;
  message: string;
  /** For host key errors: `SHA256:...` of the key the server presented. */
  fingerprint?: string;
  /** For hostKeyUnknown: the key as a known_hosts line would hold it (`type base64`). */
  presentedKey?: string;
  /**
   * For host key errors: the known_hosts name the key belongs to (`host` or `[host]:port`).
   * Not always the node's own host: a jump host on the way, or the HostName ~/.ssh/config gives.
   */
  keyHost?: string;
  /** For host key errors of a jump host: how it is named (`bastion root@… (hop 1 of 2 to node3)`). */
  hop?: string;
  /** For passphrase errors: the encrypted key file whose passphrase is missing or wrong. */
  keyFile?: string;
}

/** A host key as the operator approved it: the key and the host that presented it (a hop's or the node's). */
export interface ApprovedHostKey {
  /** `type base64`, as known_hosts holds it. */
  key: string;
  /** known_hosts name of the host that presented it; absent: the node's own. */
  keyHost?: string;
  /** The jump host's label when it was a hop's key. */
  hop?: string;
}

/** What a hostKeyUnknown error offers to trust; undefined for any other error. */
export function approvableKey(e: NodeError | undefined): ApprovedHostKey | undefined {
  if (e?.kind !== 'hostKeyUnknown' || !e.presentedKey) return undefined;
  return { key: e.presentedKey, ...(e.keyHost !== undefined ? { keyHost: e.keyHost } : {}), ...(e.hop !== undefined ? { hop: e.hop } : {}) };
}

export interface BrickStatus {
  /** `host:/path`, as `gluster volume info` names it. */
  name: string;
  host: string;
  path: string;
  online: boolean;
  pid?: number;
  port?: number;
}

export interface VolumeHealth {
  name: string;
  /** Distribute, Replicate, Distributed-Replicate, Disperse, ... */
  type: string;
  /** Started, Stopped, Created. */
  status: string;
  /** Bricks that `volume info` says the volume has. */
  bricks: number;
  /** Of those, the ones `volume status` reports online (0 when it could not be read: see below). */
  bricksOnline: number;
  /**
   * Set when `volume status` could not be read (glusterd busy with another transaction past our
   * retries, or not answering): which bricks are online is then unknown, not "none".
   */
  brickStatusUnknown?: true;
  brickList: BrickStatus[];
  peersConnected: number;
  peersTotal: number;
  /** Set when the pool list could not be read: peersConnected and peersTotal (0) say nothing. */
  peerStatusUnknown?: true;
  /** Pending heal entries on replica/disperse volumes; undefined where heal does not apply or is not known. */
  healEntries?: number;
  /**
   * Only where heal applies and healEntries is not known: 'reading' on the row a refresh shows
   * before the heal summary came (it is read apart and may take longer), 'unknown' when it
   * could not be read (failed, or no answer within its deadline).
   */
  healState?: 'reading' | 'unknown';
  /** Why the volume is not healthy (empty when it is). */
  problems: VolumeProblem[];
}

/**
 * One reason a volume is not healthy: the text shown, and what it is. Readers that treat some
 * problems apart (preflight, the note on another volume) go by the kind, never by the text, so
 * the wording (which carries names and statuses from the node) decides nothing.
 */
export interface VolumeProblem {
  text: string;
  kind: VolumeProblemKind;
}

export type VolumeProblemKind =
  | 'volumeNotStarted'
  | 'brickStatusUnknown'
  | 'brickOffline'
  | 'daemonOffline'
  | 'peerDisconnected'
  | 'peerStatusUnknown'
  // From the heal read, or its absence:
  | 'healBrickUnread'
  | 'healPending'
  | 'splitBrain'
  | 'healUnknown';

export interface BackupArchive {
  name: string;
  path: string;
  size: number;
  /** ISO modification time. */
  mtime: string;
  /** True for `*.partial`: a backup still being written, or one that never finished. */
  partial: boolean;
}

export interface NodeStatus {
  name: string;
  /** `local`, or `user@host:port`: where the explorer looked. */
  target: string;
  reachable: boolean;
  error?: NodeError;
  container?: ContainerInfo;
  storageDriver?: string;
  /** Volume health as this node's glusterd sees it (only when the container runs). */
  volumes: VolumeHealth[];
  glusterError?: string;
  /**
   * Set on the early status a refresh publishes before gluster has answered: gluster calls
   * can hang for as long as a peer is unreachable, and the container state must not wait.
   */
  volumesPending?: boolean;
  backups: BackupArchive[];
  backupsError?: string;
  /** What the archives' own files say of them (job, validation, checksum), read from the same listing. */
  catalog?: CatalogArchive[];
  /**
   * The partials in that listing their backup job kept as its finished archive (the catalog's
   * rows of them): set whenever catalog is, so their rows show them as archives, not leftovers.
   */
  keptPartials?: CatalogKeptPartial[];
  /** Why the catalog could not be read (the archive rows still can be). */
  catalogError?: string;
  /** ISO time of this observation. */
  checkedAt: string;
}

export type ContainerAction = 'start' | 'stop' | 'restart';

export interface ActionResult {
  node: string;
  action: ContainerAction;
  ok: boolean;
  /** One line for the notification and the log: what happened or why not. */
  message: string;
  /** State after the action, when it could be read. */
  state?: ContainerState;
  durationMs: number;
}
