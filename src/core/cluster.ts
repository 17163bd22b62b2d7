// The facade the extension and the CLI talk to: one object per set of settings that owns the
// node connections, probes nodes in parallel (one hung node never delays another), runs
// container actions and emits events when something changed.
import { EventEmitter } from 'events';
import type { NodeConfig, Settings } from './config';
import type { ActionResult, ContainerAction, NodeStatus } from './model';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export interface LogLine {
  level: LogLevel;
  node?: string;
  message: string;
}

export interface ClusterEvents {
  /** A node's status was (re)read. */
  status: [NodeStatus];
  /** Docker reported an event for the container on a node: a refresh of it is on its way. */
  containerEvent: [{ node: string; action: string }];
  log: [LogLine];
}

/** Credentials the caller can supply (the extension from SecretStorage/prompts, the CLI from env). */
export interface CredentialProvider {
  passphrase?(node: NodeConfig): Promise<string | undefined>;
}

export interface ClusterApi {
  readonly settings: Settings;
  nodes(): NodeConfig[];
  /** Last known status of a node (undefined until first probed). */
  status(name: string): NodeStatus | undefined;
  refreshAll(): Promise<NodeStatus[]>;
  refreshNode(name: string): Promise<NodeStatus>;
  /** Start/stop/restart the gluster container on the named nodes (all when omitted), in parallel. */
  act(action: ContainerAction, names?: string[]): Promise<ActionResult[]>;
  /** Subscribe to docker events on every reachable node; idempotent. */
  watchEvents(): void;
  unwatchEvents(): void;
  /** Append the key a node presented (from its hostKeyUnknown error) to known_hosts. */
  trustHostKey(name: string): Promise<void>;
  dispose(): void;
  on<K extends keyof ClusterEvents>(ev: K, fn: (...a: ClusterEvents[K]) => void): this;
  off<K extends keyof ClusterEvents>(ev: K, fn: (...a: ClusterEvents[K]) => void): this;
}

export type { EventEmitter };
