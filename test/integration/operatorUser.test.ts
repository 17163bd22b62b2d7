// A non-root operator, as the field has them: the SSH user `gbops`, in the docker group, on
// every node of the test bed (testbed.sh operator-user). The job files are written by the
// client as that user, the archive by tar in the container as root: preflight must see both.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JobRecord } from '../../src/core/backup/types';
import { TESTBED_DIR, onNode, rawConfig, waitHealthy } from './helpers/testbed';
import { cliWith } from './helpers/cli';

const DIR = '/opt/datarobot/data/backups/gluster';
const OWN = `${DIR}/gbops-own`;
const CONFIG = path.join(TESTBED_DIR, 'config-gbops.json');
const cli = (args: string[]) => cliWith(args, { config: CONFIG });

const ls = (dir: string) => onNode('node1', ['ls', '-1A', dir]).stdout.split('\n').filter(Boolean);

describe('a non-root SSH user in the docker group', () => {
  before(async () => {
    await waitHealthy();
    const raw = rawConfig();
    fs.writeFileSync(CONFIG, JSON.stringify({ ...raw, nodes: raw.nodes.map((n) => ({ ...n, user: 'gbops' })) }));
    onNode('node1', ['sh', '-c', 'rm -rf "$1" && install -d -o 1500 -g 1500 -m 0755 "$1"', 'own', OWN]);
  });
  after(() => {
    onNode('node1', ['rm', '-rf', OWN]);
    fs.rmSync(CONFIG, { force: true });
  });

  test('sees every node and its gluster container through the docker group', () => {
    const r = cli(['--json', 'status']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const nodes = JSON.parse(r.stdout).nodes as { name: string; reachable: boolean; container: { state: string } }[];
    assert.deepEqual(nodes.map((n) => [n.name, n.reachable, n.container.state]), [['node1', true, 'running'], ['node2', true, 'running'], ['node3', true, 'running']]);
  });

  test("a backups directory only root may write to: refused at preflight, naming the user, and nothing is written", () => {
    const before = ls(DIR);
    const r = cli(['backup', '--node', 'node1']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /FAIL Backups directory: the SSH user gbops on node1 cannot write the job's files in \/opt\/datarobot\/data\/backups\/gluster \(permission denied\): give that user write access to it, or choose another directory with -b/);
    assert.deepEqual(ls(DIR), before, 'no job file, no partial archive, no probe left behind');
  });

  test('a directory of its own: the backup runs as that user, its job files are the user\'s and the archive is whole', () => {
    const r = cli(['--json', 'backup', '--node', 'node1', '-b', OWN]);
    assert.ok(r.code === 0 || r.code === 1, r.stderr);
    const job = JSON.parse(r.stdout) as JobRecord;
    assert.match(job.state, /^completed/);
    const owners = onNode('node1', ['sh', '-c', 'cd "$1" && stat -c "%U %n" *', 'owners', OWN]).stdout.trim().split('\n');
    const name = path.posix.basename(job.archive);
    // tar writes as root in the container, but the archive is handed to the SSH user whose job
    // it is (mode 0600: only that user reads it, over SFTP too); so are the records beside it.
    assert.ok(owners.includes(`gbops ${name}`), owners.join('\n'));
    assert.equal(onNode('node1', ['stat', '-c', '%a', job.archive]).stdout, '600\n');
    assert.ok(owners.includes(`gbops ${name.replace(/\.tar$/, '')}.job.json`), owners.join('\n'));
    assert.deepEqual(ls(OWN).filter((f) => f.startsWith('.gluster-backup-write-probe')), [], 'the write probe is gone');
    const v = cli(['validate-backup', '--archive', job.archive]);
    assert.equal(v.code, 0, v.stdout + v.stderr);
  });
});
