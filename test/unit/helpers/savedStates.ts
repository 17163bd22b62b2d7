// States a progress page saves for a reload, one of each kind of job, as the current page
// writes them: what the guard must keep accepting, and what the tests mutate.
import { restorePaths } from '../../../src/core/backup/jobFile';
import type { JobRecord } from '../../../src/core/backup/types';
import type { PersistedState, ReadDataRun } from '../../../src/webview/protocol';
import { backupJob } from '../../helpers/builders';

export const DIR = '/opt/datarobot/data/backups/gluster';
export const ARCHIVE = 'datarobot-gluster-backup-2024-05-03.tar';
/** 2024-03-05 10:00 UTC: every job here starts then. */
export const T0 = Date.parse('2024-03-05T10:00:00.000Z');

export const backup: JobRecord = backupJob({ node: 'data-node-1' }, { dir: DIR, archive: ARCHIVE });

const RESTORE_ID = `${ARCHIVE}.restore-20240305T100000Z`;
/** A restore of that archive, as startRestore records it (no partial: it writes no archive). */
export const restore: JobRecord = (({ partial: _, ...r }) => ({
  ...r,
  kind: 'restore' as const,
  version: 1 as const,
  id: RESTORE_ID,
  log: restorePaths(DIR, RESTORE_ID).log,
  source: `${DIR}/${ARCHIVE}`,
  restore: { target: '/mnt/gluster/restored', members: ['./mongo'], policy: 'skip' as const, bytesToWrite: 6 << 20, archiveBytes: 10 << 20 },
}))(backup);

export const readData: ReadDataRun = {
  kind: 'readData',
  id: `read-data ${ARCHIVE}`,
  node: 'data-node-1',
  archive: `${DIR}/${ARCHIVE}`,
  state: 'running',
  startedAt: new Date(T0).toISOString(),
  phase: 'reading data',
  members: 3,
  membersTotal: 40,
  bytesTotal: 1024,
};

/** The state a page showing `job` saves, with two samples and a warning; as VS Code keeps it (JSON). */
export function saved(job: object, over: Partial<Record<keyof PersistedState, unknown>> = {}): PersistedState {
  return JSON.parse(
    JSON.stringify({
      version: 1,
      job,
      history: [
        { t: T0, bytes: 0 },
        { t: T0 + 1000, bytes: 100 << 20 },
      ],
      target: { bytes: 10 * 2 ** 30, sourceBytes: 10 * 2 ** 30, estimated: false },
      warnings: { count: 1, last: ['./mongo/WiredTiger.wt: file changed as we read it'] },
      ...over,
    }),
  ) as PersistedState;
}
