// Start, stop and restart the gluster container on one node, the way the seed procedure does
// (`docker start gluster` / `docker stop gluster`), plus what the procedure leaves implicit:
// after a start, wait until glusterd answers, this node's bricks are online and the volume is
// mounted where the backup reads it. Measured on the test bed: a restarted container can keep stale brick
// pid files and leave its brick offline until `volume start VOL force`.
import type Docker from 'dockerode';
import type { NodeConfig, Settings } from '../config';
import { sleep, withDeadline } from './deadline';
import { execInContainer } from '../docker/exec';
import type { ActionResult, ContainerAction, ContainerState } from '../model';
import type { NodeConnection } from './nodeConnection';
import { toNodeError } from './nodeErrors';
import { inspectContainer } from './probe';
import { readVolumeHealth, forceStartVolume } from '../gluster/volumeProbe';
import { mountAt, parseMountinfo, type PathMount } from '../gluster/mounts';

/** Seconds docker waits for glusterd to exit before it kills it. */
const STOP_GRACE_S = 30;
/** How long a start may take to bring bricks and mounts back before we say so. */
const SETTLE_MS = 60_000;

export type ActionLog = (message: string) => void;

export async function runContainerAction(
  node: NodeConfig,
  conn: NodeConnection,
  settings: Settings,
  action: ContainerAction,
  log: ActionLog,
): Promise<ActionResult> {
  const started = Date.now();
  const done = (ok: boolean, message: string, state?: ContainerState): ActionResult => ({
    node: node.name,
    action,
    ok,
    message,
    state,
    durationMs: Date.now() - started,
  });
  const name = settings.containerName;
  const t = settings.timeouts;
  let docker: Docker;
  try {
    docker = await conn.docker();
    const before = await inspectContainer(docker, name, t.connectMs + t.dockerMs);
    if (before.state === 'missing') {
      return done(false, `there is no container named "${name}" on ${node.name}`, 'missing');
    }
    const c = docker.getContainer(name);
    if (action === 'stop' || action === 'restart') {
      if (before.state === 'paused') await withDeadline(`docker unpause ${name}`, t.dockerMs, (s) => c.unpause({ abortSignal: s }));
      if (before.state === 'running' || before.state === 'paused' || before.state === 'restarting') {
        log(`stopping ${name} (grace ${STOP_GRACE_S} s)`);
        await withDeadline(`docker stop ${name}`, STOP_GRACE_S * 1000 + t.dockerMs, (s) =>
          c.stop({ t: STOP_GRACE_S, abortSignal: s }).catch(ignoreNotModified),
        );
      } else if (action === 'stop') {
        return done(true, `${name} was already stopped (${before.state})`, before.state);
      }
      if (action === 'stop') {
        const after = await inspectContainer(docker, name, t.dockerMs);
        return done(after.state === 'exited', after.state === 'exited' ? `stopped ${name}` : `${name} is ${after.state} after stop`, after.state);
      }
    }
    // start, or the second half of restart
    const now = action === 'restart' ? 'exited' : before.state;
    if (now === 'running') {
      return done(true, `${name} was already running`, 'running');
    }
    if (now === 'paused') {
      log(`unpausing ${name}`);
      await withDeadline(`docker unpause ${name}`, t.dockerMs, (s) => c.unpause({ abortSignal: s }));
    } else {
      log(`starting ${name}`);
      await withDeadline(`docker start ${name}`, t.dockerMs, (s) => c.start({ abortSignal: s }).catch(ignoreNotModified));
    }
    const after = await inspectContainer(docker, name, t.dockerMs);
    if (after.state !== 'running') {
      return done(false, `${name} did not stay running: ${after.status ?? after.state}`, after.state);
    }
    const settled = await waitForGluster(docker, settings, log);
    return done(settled.ok, `${action === 'restart' ? 'restarted' : 'started'} ${name}; ${settled.message}`, 'running');
  } catch (e) {
    // The cause alone: the result names its node (nodeErrors.ts).
    return done(false, toNodeError(e).message);
  }
}

function ignoreNotModified(e: { statusCode?: number }): void {
  // 304: already in the requested state, which is what we wanted.
  if (e?.statusCode !== 304) throw e;
}

/**
 * Waits until glusterd answers and every volume's bricks on reachable peers are online and
 * the filesystem is mounted. Bricks still offline after half the settle time get one
 * `volume start VOL force`, the documented remedy for bricks that did not come back.
 */
async function waitForGluster(docker: Docker, settings: Settings, log: ActionLog): Promise<{ ok: boolean; message: string }> {
  const deadline = Date.now() + SETTLE_MS;
  const forced = new Set<string>();
  let last = 'glusterd did not answer';
  while (Date.now() < deadline) {
    try {
      const vols = await readVolumeHealth(docker, settings);
      const offline = vols.filter((v) => v.status === 'Started' && v.bricksOnline < v.bricks);
      const mounted = vols.length === 0 || (await isMounted(docker, settings));
      // Bricks online as glusterd sees them is not enough: the mount's own client connects to
      // each brick a moment later, and until then a read (or tar) silently misses that brick's
      // files. Measured: a file written before Stop All was not found on node3 right after.
      const reach = mounted && offline.length === 0 && vols.length > 0 ? await mountReach(docker, settings) : undefined;
      if (reach && reach.connected < reach.total) {
        last = `${settings.glusterPath} mounted, but its client reaches ${reach.connected} of ${reach.total} bricks yet`;
        await sleep(1000);
        continue;
      }
      if (offline.length === 0 && mounted) {
        const bricks = vols.map((v) => `${v.name} ${v.bricksOnline}/${v.bricks} bricks online`).join(', ');
        return { ok: true, message: `${bricks || 'no volumes'}; ${settings.glusterPath} mounted` };
      }
      last = [
        ...offline.map((v) => `${v.name}: ${v.bricksOnline}/${v.bricks} bricks online`),
        ...(mounted ? [] : [`${settings.glusterPath} not mounted yet`]),
      ].join('; ');
      if (Date.now() > deadline - SETTLE_MS / 2) {
        for (const v of offline) {
          if (forced.has(v.name)) continue;
          forced.add(v.name);
          log(`bricks of ${v.name} still offline; running "gluster volume start ${v.name} force"`);
          await forceStartVolume(docker, settings, v.name).catch((e) => log(`volume start force failed: ${(e as Error).message}`));
        }
      }
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(1000);
  }
  return { ok: false, message: `gluster not healthy after ${SETTLE_MS / 1000} s: ${last}` };
}

/**
 * How many bricks the FUSE client at glusterPath is connected to, from its `.meta` view (one
 * `<volume>-client-N` translator per brick, each with a `connected = 0|1` line). Undefined
 * when the mount shows no such view: then nothing is known and nothing is waited for.
 */
export async function mountReach(docker: Docker, settings: Settings): Promise<{ connected: number; total: number } | undefined> {
  const script = 'for f in "$1"/.meta/graphs/active/*-client-*/private; do [ -r "$f" ] && grep -m1 "^connected = " "$f"; done; true';
  const r = await execInContainer(docker, settings.containerName, ['sh', '-c', script, 'gluster-backup', settings.glusterPath], settings.timeouts.dockerMs);
  return parseMountReach(r.stdout);
}

export function parseMountReach(text: string): { connected: number; total: number } | undefined {
  const flags = text.split('\n').map((l) => /^connected = (\d+)/.exec(l.trim())?.[1]).filter((x): x is string => x !== undefined);
  if (flags.length === 0) return undefined;
  return { connected: flags.filter((f) => f !== '0').length, total: flags.length };
}

/** What is at `path` in the container, from its own mount table. */
export async function readPathMount(docker: Docker, settings: Settings, path = settings.glusterPath): Promise<PathMount> {
  const r = await execInContainer(docker, settings.containerName, ['cat', '/proc/self/mountinfo'], settings.timeouts.dockerMs);
  if (r.exitCode !== 0) throw new Error(`cannot read the mount table in the ${settings.containerName} container: ${r.stderr.trim() || `exit ${r.exitCode}`}`);
  return mountAt(parseMountinfo(r.stdout), path);
}

export async function isMounted(docker: Docker, settings: Settings): Promise<boolean> {
  return (await readPathMount(docker, settings)).kind === 'gluster';
}
