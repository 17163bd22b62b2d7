// A `.partial` path where a finished archive is wanted (validate-backup, restore) is refused
// before any node is asked, with words that fit every partial: one being written, one that
// never finished, and a complete one its job kept because its name was taken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from '../../src/core/cluster';
import { parseSettings } from '../../src/core/config';
import { locateArchive, ValidateError } from '../../src/core/validate/validateBackup';

test('a .partial archive is refused for validate and restore alike, naming it, before any node is asked, saying a kept one is renamed to be used', async () => {
  // An address nothing answers on: asking it would fail differently and slowly.
  const { settings } = parseSettings({ nodes: [{ name: 'n1', host: '192.0.2.1' }] });
  const cluster = new Cluster(settings);
  try {
    const path = '/opt/datarobot/data/backups/gluster/datarobot-gluster-backup-2026-12-07.tar.partial';
    await assert.rejects(
      locateArchive(cluster, { archive: path }),
      (e: unknown) =>
        e instanceof ValidateError &&
        e.message ===
          `${path} is a partial archive: a backup still running, one that never finished, or a complete one its backup job kept under this name because the archive's own name was taken ("gluster-backup list" says which; a kept one can be used once renamed to a free archive name). Give a finished archive`,
    );
    // The same words whatever the command: nothing in them says validate (restore goes through here too).
    await assert.rejects(locateArchive(cluster, { archive: `${path.slice(0, -'.tar.partial'.length)}.tar.gz.partial`, node: 'n1' }), (e: unknown) => e instanceof ValidateError && !/validate/i.test(e.message) && e.message.includes('.tar.gz.partial is a partial archive'));
  } finally {
    cluster.dispose();
  }
});
