// followJob gives a progress sample only for a position newer than the last one given: a
// restore's position is learnt from tar's index lines, and a look that learnt nothing new
// repeats the last one, which as a fresh sample would read as a stall. The node is a scripted
// stand-in (the positions and records a BackupJobs returns); the loop is the real one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { followJob } from '../../src/core/backup/follow';
import type { BackupJobs } from '../../src/core/backup/jobs';
import type { JobRecord } from '../../src/core/backup/types';

const running: JobRecord = {
  version: 1,
  kind: 'restore',
  id: 'datarobot-gluster-backup-2026-01-03.tar.restore-20260305T120000Z',
  node: 'node1',
  state: 'running',
  archive: '/b/datarobot-gluster-backup-2026-01-03.tar',
  log: '/b/datarobot-gluster-backup-2026-01-03.tar.restore-20260305T120000Z.log',
  compression: 'none',
  source: '/b/datarobot-gluster-backup-2026-01-03.tar',
  container: 'gluster',
  startedAt: '2026-03-05T12:00:00.000Z',
  overrides: [],
};

test('a position already given, or one learnt before it, is not sampled again; the end gives the final size', async () => {
  const positions = [
    { bytes: 10, at: 1000 },
    { bytes: 10, at: 1000 },
    undefined,
    { bytes: 20, at: 2000 },
    { bytes: 15, at: 1500 },
    { bytes: 20, at: 2000 },
    { bytes: 30, at: 3000 },
  ];
  let looks = 0;
  const jobs = {
    readLog: async (_j: JobRecord, offset: number) => ({ text: '', offset }),
    progress: async () => positions.shift(),
    observe: async (j: JobRecord) => (++looks < 7 ? j : { ...j, state: 'completed' as const, exitCode: 0, archiveBytes: 40 }),
  } as unknown as BackupJobs;
  const samples: [number, number][] = [];
  const states: string[] = [];
  const final = await followJob(jobs, running, { sample: (t, b) => samples.push([t, b]), state: (j) => states.push(j.state) }, 0).done;
  assert.equal(final.state, 'completed');
  assert.deepEqual(samples.slice(0, -1), [
    [1000, 10],
    [2000, 20],
    [3000, 30],
  ]);
  assert.equal(samples.at(-1)![1], 40, 'the final size, once ended');
  assert.deepEqual(states, ['running', 'completed']);
});
