// Property test of what the gluster image's shell answers when a compressed backup asks for its
// compressor (`command -v pigz || command -v gzip`, compressorOf): the answers of real images
// mutated at random, a shell's other forms (an alias, a function, not found) and arbitrary text:
// pigz or gzip, a name that goes into tar's argv as one program and into a job record its
// guard reads back; or BackupError, nothing else. Fixed seed: the runs are the same each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jobPaths, parseJobFile, serializeJobFile } from '../../src/core/backup/jobFile';
import { BackupError, compressorOf } from '../../src/core/backup/jobs';
import { jobArgv } from '../../src/core/backup/jobScript';
import { backupJob } from '../helpers/builders';
import { applyMutation, mutation } from './helpers/textMutation';

const SEED = 20261217;
const DIR = '/opt/datarobot/data/backups/gluster';
const NAME = 'datarobot-gluster-backup-2026-04-12.tar.gz';
const JOB_FILE = jobPaths(DIR, NAME).job;

/** What `command -v` printed in the images seen (a pigz one, gzip only), and what a shell can print instead. */
const ANSWERS = ['/usr/bin/pigz\n', '/bin/gzip\n', '/usr/local/bin/pigz\n', 'gzip\n', "alias gzip='gzip -1'\n", '/usr/bin/my gzip\n', 'sh: command: not found\n', ''];

test('a real answer is its program; a shell that found neither, or printed something else, is a BackupError', () => {
  assert.equal(compressorOf({ exitCode: 0, stdout: '/usr/bin/pigz\n' }), 'pigz');
  assert.equal(compressorOf({ exitCode: 0, stdout: '/bin/gzip\n' }), 'gzip');
  assert.equal(compressorOf({ exitCode: 0, stdout: 'gzip\n' }), 'gzip', 'a shell built-in or function is printed as its name');
  assert.throws(() => compressorOf({ exitCode: 1, stdout: '' }), { name: 'BackupError', message: 'the gluster image has neither pigz nor gzip: cannot compress' });
  // Taken as "alias gzip='gzip -1'" before: tar ran that as its compressor, and the job's record was refused by its own guard.
  assert.throws(() => compressorOf({ exitCode: 0, stdout: "alias gzip='gzip -1'\n" }), { name: 'BackupError', message: `the gluster image's shell found "alias gzip='gzip -1'" for pigz or gzip: not a compressor this tool runs` });
});

const answer = fc.oneof(
  fc.tuple(fc.nat(ANSWERS.length - 1), fc.array(mutation, { maxLength: 3 })).map(([i, ms]) => ms.reduce(applyMutation, ANSWERS[i])),
  fc.tuple(fc.constantFrom(...ANSWERS), fc.string({ unit: 'binary', maxLength: 60 })).map(([a, noise]) => noise + a),
  fc.string({ unit: fc.constantFrom('/', 'p', 'i', 'g', 'z', 'u', ' ', '\n', '\r', '\t', '\0', "'", '=', '.'), maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
);

test('property: any answer gives pigz or gzip, a program tar runs and the job file reads back; or a BackupError', () => {
  const seen = { found: 0, refused: 0 };
  fc.assert(
    fc.property(answer, fc.constantFrom(0, 0, 1, 127), (stdout, exitCode) => {
      let name: string;
      try {
        name = compressorOf({ exitCode, stdout });
      } catch (e) {
        assert.ok(e instanceof BackupError, String((e as Error)?.stack ?? e));
        assert.ok(e.message.length <= 400, e.message);
        seen.refused++;
        return;
      }
      seen.found++;
      assert.ok(name === 'pigz' || name === 'gzip', JSON.stringify(name));
      assert.equal(exitCode, 0);
      const first = stdout.trim().split('\n')[0];
      assert.ok(first === name || first.endsWith(`/${name}`), JSON.stringify(stdout));
      const job = backupJob({ node: 'node2', compressor: name }, { dir: DIR, archive: NAME });
      assert.equal(parseJobFile(serializeJobFile(job), JOB_FILE, 'node2').compressor, name);
      assert.ok(jobArgv(jobPaths(DIR, NAME), '/mnt/gluster', name, '0600').includes(`--use-compress-program=${name}`));
    }),
    { seed: SEED, numRuns: 2000, includeErrorInReport: true },
  );
  assert.ok(seen.found > 0 && seen.refused > 0, JSON.stringify(seen));
});
