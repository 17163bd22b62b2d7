// Job files as another client leaves them on node1, planted by the tests: a record, and a
// "running" job whose tar is a sleeper in the gluster container (its pid in the status file).
import assert from 'node:assert/strict';
import { claimVersion } from '../../../src/core/backup/jobFile';
import type { JobRecord } from '../../../src/core/backup/types';
import { inGluster, onNode } from './testbed';

export const BACKUPS = '/opt/datarobot/data/backups/gluster';

/** A backup's job record as a client writes it. */
export function plantedRecord(stem: string, startedAt: string, over: Record<string, unknown> = {}): JobRecord {
  return {
    version: claimVersion('backup'),
    kind: 'backup',
    id: stem,
    node: 'node1',
    state: 'running',
    archive: `${BACKUPS}/${stem}.tar`,
    partial: `${BACKUPS}/${stem}.tar.partial`,
    log: `${BACKUPS}/${stem}.log`,
    compression: 'none',
    source: '/mnt/gluster',
    container: 'gluster',
    startedAt,
    overrides: [],
    ...over,
  };
}

export function plantJobFile(stem: string, record: unknown, node = 'node1'): void {
  onNode(node, ['sh', '-c', 'cat > "$1"', 'write', `${BACKUPS}/${stem}.job.json`], { input: JSON.stringify(record) });
}

/**
 * A running backup: its job file, a partial archive, and a status file naming a sleeper as
 * tar. `stop()` kills the sleeper; the files are the caller's to clean.
 */
export function plantRunningJob(stem: string, startedAt: string): { record: JobRecord; sleeper: string; stop: () => void } {
  const sleeper = inGluster('node1', ['sh', '-c', 'sleep 600 >/dev/null 2>&1 & echo $!']).stdout.trim();
  assert.match(sleeper, /^\d+$/);
  const record = plantedRecord(stem, startedAt);
  plantJobFile(stem, record);
  onNode('node1', ['sh', '-c', 'printf partial > "$1"; printf "running 1 %s 981000000.0\\n" "$3" > "$2"', 'write', record.partial!, `${BACKUPS}/${stem}.status`, sleeper]);
  return { record, sleeper, stop: () => void inGluster('node1', ['kill', sleeper], { allowFail: true }) };
}
