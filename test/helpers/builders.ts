// Typed builders of the records the tests pass around: a valid value with every required field,
// fixed times (never the clock), and the fields a test is about given as overrides.
import { claimVersion, jobPaths } from '../../src/core/backup/jobFile';
import type { JobRecord } from '../../src/core/backup/types';
import type { CatalogArchive } from '../../src/core/catalog/catalog';
import type { CatalogKeptPartial } from '../../src/core/catalog/keptPartials';
import type { NodeStatus } from '../../src/core/model';

/** A backup job as startBackup records it: its paths from the directory and archive name. */
export function backupJob(over: Partial<JobRecord> = {}, where: { dir?: string; archive?: string } = {}): JobRecord {
  const archive = where.archive ?? 'datarobot-gluster-backup-2024-05-03.tar';
  const p = jobPaths(where.dir ?? '/backups', archive);
  return {
    version: claimVersion('backup'),
    kind: 'backup',
    id: archive.replace(/\.tar(\.gz)?$/, ''),
    node: 'node1',
    state: 'running',
    archive: p.archive,
    partial: p.partial,
    log: p.log,
    compression: archive.endsWith('.gz') ? 'gzip' : 'none',
    source: '/mnt/gluster',
    container: 'gluster',
    startedAt: '2024-03-05T10:00:00.000Z',
    overrides: [],
    ...over,
  };
}

/** A reachable node with its gluster container running and nothing else known. */
export function nodeStatus(over: Partial<NodeStatus> = {}): NodeStatus {
  return {
    name: 'node1',
    target: 'root@node1:22',
    reachable: true,
    container: { state: 'running' },
    volumes: [],
    backups: [],
    checkedAt: '2026-01-01T00:00:00.000Z',
    ...over,
  };
}

/** A finished archive as the catalog lists it, dated by its mtime: not validated, no sidecar, no job, nothing running on it. */
export function catalogArchive(over: Partial<CatalogArchive> = {}, where: { dir?: string; name?: string } = {}): CatalogArchive {
  const name = where.name ?? 'datarobot-gluster-backup-2026-04-12.tar';
  return {
    node: 'node1',
    name,
    path: `${where.dir ?? '/opt/datarobot/data/backups/gluster'}/${name}`,
    bytes: 10240,
    made: '2026-04-12T05:00:00.000Z',
    madeFrom: 'mtime',
    compressed: false,
    clean: false,
    checksum: 'absent',
    restores: [],
    running: [],
    files: [name],
    ...over,
  };
}

/** A partial its failed backup job kept as the finished archive, its name taken: with the job's record and log. */
export function catalogKeptPartial(over: Partial<CatalogKeptPartial> = {}, where: { dir?: string; archive?: string } = {}): CatalogKeptPartial {
  const archive = where.archive ?? 'datarobot-gluster-backup-2026-04-12.tar';
  const stem = archive.replace(/\.tar(\.gz)?$/, '');
  const name = `${archive}.partial`;
  return {
    node: 'node1',
    name,
    path: `${where.dir ?? '/opt/datarobot/data/backups/gluster'}/${name}`,
    bytes: 20480,
    mtime: '2026-04-12T06:10:00.000Z',
    job: { id: stem, state: 'failed', startedAt: '2026-04-12T06:00:00.000Z' },
    archive,
    nameTaken: true,
    files: [name, `${stem}.job.json`, `${stem}.log`],
    ...over,
  };
}
