// Real `gluster` outputs recorded on a live cluster, kept in the repo (test/fixtures, with a
// README of what was recorded) so a clone alone can run the unit tests. Missing samples must
// fail the tests, never skip them: a parser tested against nothing proves nothing.
import * as fs from 'fs';
import * as path from 'path';
import { repoRoot } from '../../helpers/repoRoot';

export type Scenario = 'status-healthy' | 'status-node2-stop' | 'status-node3-stop';
export const SCENARIOS: Scenario[] = ['status-healthy', 'status-node2-stop', 'status-node3-stop'];

export function samplesDir(): string {
  const dir = process.env.GLUSTER_SAMPLES_DIR ?? path.join(repoRoot(), 'test', 'fixtures', 'gluster-cli-samples');
  if (!fs.existsSync(dir)) {
    throw new Error(`gluster CLI samples not found at ${dir} (set GLUSTER_SAMPLES_DIR): cannot test the parsers`);
  }
  return dir;
}

export interface Sample {
  /** What gluster printed (stdout), without the recorder's trailing "rc=N" line. */
  stdout: string;
  exitCode: number;
}

/** e.g. sample('status-healthy', 'vol-info.xml'). */
export function sample(scenario: Scenario, file: string): Sample {
  const full = path.join(samplesDir(), scenario, `${file}.txt`);
  const raw = fs.readFileSync(full, 'utf8');
  const m = /\n?rc=(\d+)\s*$/.exec(raw);
  if (!m) throw new Error(`${full}: no trailing rc=N line`);
  return { stdout: raw.slice(0, m.index), exitCode: Number(m[1]) };
}
