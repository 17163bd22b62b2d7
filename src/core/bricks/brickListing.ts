// Runs the brick lister on every configured node at once, each streaming into the same
// comparison, and says whether together they listed the plan exactly (brickLister.ts). Which
// node holds which brick is known by glusterd uuid, which the lister reads on its own node, so
// no name or address has to match between gluster's view and the configuration.
import type Docker from 'dockerode';
import type { Cluster } from '../cluster';
import type { StreamExecResult } from '../docker/execStream';
import type { BrickPlan } from './brickPlan';
import { brickListArgv, checkBrickListing, parseListerStderr, type BrickSummary, type ListerRun } from './brickLister';

export type BrickListingResult = { ok: true; bytes: number; problems: string[]; linkfiles: number; summaries: BrickSummary[] } | { ok: false; why: string };

/**
 * `stream` runs argv in the node's gluster container, feeding its stdout to the comparison.
 * Once every planned brick is accounted for, the listers still running (on nodes that hold
 * none, or are slow to connect) are stopped: a cut node that holds no brick of the volume does
 * not hold up the validation.
 */
export async function listBricks(
  cluster: Pick<Cluster, 'nodes' | 'connection'>,
  plan: Extract<BrickPlan, { kind: 'bricks' }>,
  stream: (docker: Docker, argv: string[], signal: AbortSignal) => Promise<StreamExecResult>,
  /** The caller's cancel: it stops every lister too. */
  cancel?: AbortSignal,
  /** Sum mode (brickListArgv): no records, the bricks' sizes and newest entries only. */
  o: { sum?: boolean } = {},
): Promise<BrickListingResult> {
  const argv = brickListArgv(plan, o);
  const stop = new AbortController();
  const onCancel = () => stop.abort(cancel?.reason);
  if (cancel?.aborted) onCancel();
  cancel?.addEventListener('abort', onCancel, { once: true });
  const runs: ListerRun[] = [];
  let bytes = 0;
  let allListed!: () => void;
  const listed = new Promise<void>((resolve) => (allListed = resolve));
  const each = cluster.nodes().map(async ({ name }) => {
    try {
      const docker = await cluster.connection(name).docker();
      if (stop.signal.aborted) return;
      const r = await stream(docker, argv, stop.signal);
      bytes += r.stdoutBytes;
      runs.push({ node: name, exitCode: r.exitCode, report: parseListerStderr(r.stderr) });
    } catch (e) {
      if (stop.signal.aborted) return;
      runs.push({ node: name, error: (e as Error).message });
    }
    if (checkBrickListing(plan, runs).ok) allListed();
  });
  await Promise.race([Promise.all(each), listed]);
  const verdict = checkBrickListing(plan, runs);
  cancel?.removeEventListener('abort', onCancel);
  stop.abort();
  return verdict.ok ? { ok: true, bytes, problems: verdict.problems, linkfiles: verdict.linkfiles, summaries: verdict.summaries } : verdict;
}
