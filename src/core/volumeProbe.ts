// Volume health as one node's glusterd sees it: the gluster CLI run inside the container,
// independent calls in parallel (each costs ~0.25 s), every call bounded, a busy cluster lock
// retried a few times.
import type Docker from 'dockerode';
import type { Settings } from './config';
import { sleep } from './deadline';
import { execInContainer } from './docker/exec';
import { GlusterShell, ShellCommandFailed, ShellUnavailable } from './glusterShell';
import type { VolumeHealth } from './model';
import {
  GlusterCliError,
  checkCliResult,
  computeVolumeHealth,
  healApplies,
  healInfoArgv,
  parseHealSummary,
  parsePoolList,
  parseVolumeInfo,
  parseVolumeStatus,
  poolListArgv,
  volumeInfoArgv,
  volumeStartArgv,
  volumeStatusArgv,
  glusterArgv,
  type GlusterHealInfo,
  type GlusterPeer,
  type GlusterVolumeInfo,
  type GlusterVolumeStatus,
} from './gluster';

const BUSY_RETRIES = 3;

/** One gluster call: at the node's running prompt when there is one (see glusterShell.ts), else one-shot. */
async function once(docker: Docker, settings: Settings, argv: string[], shell?: GlusterShell): Promise<{ stdout: string; exitCode: number }> {
  if (shell?.accepts(argv)) {
    try {
      // The prompt says failure in the XML (opRet), as the one-shot CLI does with exit 0.
      return { stdout: await shell.run(argv, settings.timeouts.glusterMs), exitCode: 0 };
    } catch (e) {
      if (e instanceof ShellCommandFailed) return { stdout: e.message, exitCode: 1 };
      if (!(e instanceof ShellUnavailable)) throw e;
    }
  }
  const r = await execInContainer(docker, settings.containerName, argv, settings.timeouts.glusterMs);
  // gluster reports failure in the XML even with exit 0, and text on stderr with no XML.
  return { stdout: r.stdout.trim() ? r.stdout : r.stderr, exitCode: r.exitCode };
}

async function gluster(docker: Docker, settings: Settings, argv: string[], shell?: GlusterShell): Promise<{ stdout: string; exitCode: number }> {
  for (let attempt = 0; ; attempt++) {
    const out = await once(docker, settings, argv, shell);
    try {
      checkCliResult(out.stdout, out.exitCode);
      return out;
    } catch (e) {
      if (!(e instanceof GlusterCliError) || !e.retryable || attempt >= BUSY_RETRIES) return out;
      await sleep(250 * (attempt + 1) + Math.random() * 250);
    }
  }
}

/** gluster's own --timeout, kept under our deadline so gluster gives up first and says why. */
export function cliTimeoutS(settings: Settings): number {
  return Math.max(1, Math.floor(settings.timeouts.glusterMs / 1000) - 2);
}

/** What is the same whichever node is asked: the volumes, their brick status and heal state. */
export interface SharedVolumeState {
  volumes: { info: GlusterVolumeInfo; status?: GlusterVolumeStatus; heal?: GlusterHealInfo }[];
}

/**
 * `known`: volume names from the last read. Their status is asked at the same time as the
 * volume list (volumes rarely change), which halves the latency; a volume not known yet is
 * asked once the list has it.
 */
export async function readSharedVolumeState(docker: Docker, settings: Settings, known: string[] = [], shell?: GlusterShell): Promise<SharedVolumeState> {
  const o = { timeoutS: cliTimeoutS(settings) };
  const statusOf = (name: string) =>
    gluster(docker, settings, volumeStatusArgv(name, false, o), shell)
      .then((r) => parseVolumeStatus(r.stdout, r.exitCode))
      .catch(() => undefined);
  // Measured on the test bed: `volume status all` takes about 4 s and, while another node holds
  // the cluster lock, answers success with an empty list; `volume status VOL` takes about
  // 0.2 s and says "busy" instead, which the retry handles. So the status is read per volume.
  const early = new Map(known.map((n) => [n, statusOf(n)]));
  const infoOut = await gluster(docker, settings, volumeInfoArgv(undefined, o), shell);
  const infos = parseVolumeInfo(infoOut.stdout, infoOut.exitCode);
  const volumes = await Promise.all(
    infos.map(async (info) => {
      if (info.status !== 'Started') return { info };
      const [status, heal] = await Promise.all([
        early.get(info.name) ?? statusOf(info.name),
        healApplies(info)
          ? gluster(docker, settings, healInfoArgv(info.name, true, o), shell)
              .then((r) => parseHealSummary(r.stdout, r.exitCode))
              // Heal info hangs or fails while bricks are down; health still reports the bricks.
              .catch(() => undefined)
          : undefined,
      ]);
      return { info, status, heal };
    }),
  );
  return { volumes };
}

/** The pool as this node's glusterd sees it: which peers it is connected to. */
export async function readPeers(docker: Docker, settings: Settings, shell?: GlusterShell): Promise<GlusterPeer[]> {
  const r = await gluster(docker, settings, poolListArgv({ timeoutS: cliTimeoutS(settings) }), shell);
  return parsePoolList(r.stdout, r.exitCode);
}

export function combineVolumeHealth(shared: SharedVolumeState, peers: GlusterPeer[]): VolumeHealth[] {
  return shared.volumes.map((v) => computeVolumeHealth(v.info, v.status, peers, v.heal));
}

/** Everything from one node's glusterd (used where one node is all there is to ask). */
export async function readVolumeHealth(docker: Docker, settings: Settings): Promise<VolumeHealth[]> {
  const [shared, peers] = await Promise.all([readSharedVolumeState(docker, settings), readPeers(docker, settings)]);
  return combineVolumeHealth(shared, peers);
}

export async function forceStartVolume(docker: Docker, settings: Settings, volume: string): Promise<void> {
  const r = await gluster(docker, settings, volumeStartArgv(volume, true, { timeoutS: cliTimeoutS(settings) }));
  checkCliResult(r.stdout, r.exitCode);
}

/** The prompt a node's refreshes share: started with the options every probe call uses. */
export function glusterShellFor(docker: Docker, settings: Settings): GlusterShell {
  const globalArgs = glusterArgv([], { timeoutS: cliTimeoutS(settings) }).slice(1);
  return new GlusterShell(docker, { container: settings.containerName, globalArgs });
}
