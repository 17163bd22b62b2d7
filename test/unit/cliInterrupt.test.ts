// The lines Ctrl-C leaves: commands a shell takes back as printed, whatever the config's path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliCommand, interruptedText } from '../../src/cli/interrupt';
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
