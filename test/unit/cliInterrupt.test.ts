// The lines Ctrl-C and a finished backup leave: commands a shell takes back as printed, whatever
// the config's path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliCommand, interruptedText } from '../../src/cli/interrupt';
import { archiveLine, validateHint } from '../../src/cli/backup';
import { backupJob } from '../helpers/builders';
import type { JobRecord } from '../../src/core/backup/types';

const job = { id: 'datarobot-gluster-backup-2026-04-12', kind: 'backup', node: 'node1' } as Pick<JobRecord, 'id' | 'kind' | 'node'> as JobRecord;

test('without --config the commands are plain; with one, it is repeated, quoted for the shell when it needs it', () => {
  assert.equal(
    interruptedText(job, undefined),
    'gluster-backup: interrupted: the backup job datarobot-gluster-backup-2026-04-12 goes on on node1 (only following it stopped)\n' +
      '  follow it again: gluster-backup attach datarobot-gluster-backup-2026-04-12 --node node1\n' +
      '  cancel it:       gluster-backup cancel datarobot-gluster-backup-2026-04-12 --node node1\n',
  );
  assert.match(interruptedText(job, '/etc/gb.json'), /^ {2}cancel it: {7}gluster-backup --config \/etc\/gb\.json cancel /m);
  assert.match(interruptedText(job, "/tmp/it's mine.json"), /^ {2}follow it again: gluster-backup --config '\/tmp\/it'\\''s mine\.json' attach /m);
});

test('the commands other messages tell the operator to run next (attach, start) carry the --config they ran with', () => {
  assert.equal(cliCommand(undefined), 'gluster-backup');
  assert.equal(cliCommand('/etc/gb/site.json'), 'gluster-backup --config /etc/gb/site.json');
  assert.equal(cliCommand("/tmp/my site's.json"), `gluster-backup --config '/tmp/my site'\\''s.json'`);
});

test("a finished backup's last lines: its archive with size, time and rate by the record's times; what to run next to check it, only for an archive it made", () => {
  const done = backupJob({ state: 'completed', exitCode: 0, startedAt: '2026-04-12T06:00:00.000Z', endedAt: '2026-04-12T06:01:15.000Z' }, { dir: '/opt/backups/it is', archive: 'datarobot-gluster-backup-2026-12-04.tar' });
  assert.equal(archiveLine(done, 75 * 1024 * 1024), 'archive: /opt/backups/it is/datarobot-gluster-backup-2026-12-04.tar (75.0 MiB in 1m15s, 1.0 MiB/s)');
  assert.equal(archiveLine({ ...done, endedAt: '2026-04-12T06:00:00.400Z' }, 2048), 'archive: /opt/backups/it is/datarobot-gluster-backup-2026-12-04.tar (2.0 KiB in under 1s)');
  // No end, or one before the start (clocks of two clients): no time said rather than a wrong one.
  const { endedAt: _e, ...running } = done;
  assert.equal(archiveLine(running, 2048), 'archive: /opt/backups/it is/datarobot-gluster-backup-2026-12-04.tar (2.0 KiB)');
  assert.equal(archiveLine({ ...done, endedAt: '2026-04-12T05:59:00.000Z' }, 2048), 'archive: /opt/backups/it is/datarobot-gluster-backup-2026-12-04.tar (2.0 KiB)');
  assert.equal(
    validateHint(done, cliCommand('/etc/gb.json')),
    "tar exit 0: not yet validated: gluster-backup --config /etc/gb.json validate-backup --node node1 --archive '/opt/backups/it is/datarobot-gluster-backup-2026-12-04.tar'",
  );
  assert.equal(validateHint({ ...done, state: 'completedWithWarnings', exitCode: 1 }, 'gluster-backup')?.startsWith('tar exit 1: not yet validated: gluster-backup validate-backup --node node1 --archive '), true);
  for (const state of ['failed', 'cancelled', 'running', 'unknown'] as const) assert.equal(validateHint({ ...done, state }, 'gluster-backup'), undefined, state);
  assert.equal(validateHint({ ...done, kind: 'restore' }, 'gluster-backup'), undefined);
});
