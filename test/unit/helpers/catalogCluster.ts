// The cluster the catalog's CLI commands (list, prune) are given in unit tests: one node, 'local',
// whose connection is this machine's filesystem, and the default settings.
import type { Cluster } from '../../../src/core/cluster';
import { parseSettings } from '../../../src/core/config';
import type { LocalConnection } from '../../../src/core/node/nodeConnection';

export function catalogCluster(conn: LocalConnection): Cluster {
  const { settings } = parseSettings({});
  return { nodes: () => [{ name: 'local' }], connection: () => conn, settings } as unknown as Cluster;
}
