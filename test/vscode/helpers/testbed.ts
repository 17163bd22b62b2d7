// The real test bed from inside the extension host (it runs as root on the same machine):
// fault helpers and checks through testbed/testbed.sh, as the integration suite uses them.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
export { inGluster, onNode, rawConfig, testbed, unthrottle } from '../../integration/helpers/testbed';
import type { JobRecord } from '../../../src/core/backup/types';
import { REPO, TESTBED_DIR } from '../../integration/helpers/testbed';
import { eventually } from './extension';

const SCRIPT = path.resolve(__dirname, '../../../../testbed/testbed.sh');

export function healthy(): boolean {
  return spawnSync('bash', [SCRIPT, 'status', '-q'], { timeout: 120_000 }).status === 0;
}

/** After gluster restarts: bricks online and every FUSE mount reconnected, or backups miss files. */
export async function waitHealthy(ms = 120_000): Promise<void> {
  await eventually('the test bed to be healthy again (testbed.sh status)', ms, () => healthy(), 2000);
}

export function backupsOn(node: string): string[] {
  const out = execFileSync('bash', [SCRIPT, 'exec', node, '--', 'ls', '-1', '/opt/datarobot/data/backups/gluster'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

export function cleanBackups(node: string): void {
  execFileSync('bash', [SCRIPT, 'exec', node, '--', 'sh', '-c', 'rm -f /opt/datarobot/data/backups/gluster/datarobot-gluster-backup-*'], { encoding: 'utf8' });
}

/** A backup of the volume on node1 made by the CLI, as an operator's terminal makes one (`extra`: more options). */
export function cliBackup(extra: string[] = []): JobRecord {
  const r = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), '--config', path.join(TESTBED_DIR, 'config.json'), '--json', 'backup', '--node', 'node1', ...extra], {
    encoding: 'utf8',
    timeout: 900_000,
    maxBuffer: 1 << 26,
  });
  assert.ok(r.status === 0 || r.status === 1, `the CLI backup exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as JobRecord;
}
