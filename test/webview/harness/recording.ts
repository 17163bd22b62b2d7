// A backup as the host reports it to a panel, message by message (one a second, as the
// throttle sends them): 100 GiB to copy at a steady 100 MiB/s, the target measured 5 s in,
// tar warnings on the way. Numbers are round so the expected text can be written by hand.
import type { JobRecord } from '../../../src/core/backup/types';
import type { HostMessage } from '../../../src/webview/protocol';
import { backupJob } from '../../helpers/builders';

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;
/** 2024-03-05 10:00:00 local time: the job starts, and the page's clock with it. */
export const T0 = new Date(2024, 2, 5, 10, 0, 0).getTime();

export function job(over: Partial<JobRecord> = {}): JobRecord {
  return backupJob({ node: 'data-node-1', startedAt: new Date(T0).toISOString(), ...over }, { dir: '/opt/datarobot/data/backups/gluster' });
}

export function init(j: JobRecord, now = T0): HostMessage {
  return { type: 'init', job: j, history: [], warnings: { count: 0, last: [] }, now, live: true };
}

export const sample = (sec: number, bytes = sec * 100 * MiB): HostMessage => ({ type: 'sample', t: T0 + sec * 1000, bytes });

export const target100GiB: HostMessage = { type: 'target', bytes: 100 * GiB, sourceBytes: 100 * GiB, estimated: false };

export const WARNINGS = [
  'mongo/WiredTiger.wt: file changed as we read it',
  'minio/.minio.sys/tmp/4f1c: File removed before we read it',
  'redis/dump.rdb: file changed as we read it',
];
