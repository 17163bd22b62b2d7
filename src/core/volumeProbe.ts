// Volume health as one node's glusterd sees it: the gluster CLI run inside the container,
// independent calls in parallel (each costs ~0.25 s), every call bounded, a busy cluster lock
// retried a few times.
import type Docker from 'dockerode';
import type { Settings } from './config';
import { sleep } from './deadline';
import { execInContainer } from './docker/exec';
import type { VolumeHealth } from './model';
import {
  GlusterCliError,
  checkCliResult,
  computeVolumeHealth,
  glusterArgv,
  healApplies,
  healInfoArgv,
  parseHealSummary,
  parsePoolList,
  parseVolumeInfo,
  parseVolumeStatus,
  parseVolumeStatusAll,
  poolListArgv,
  volumeInfoArgv,
  volumeStartArgv,
  volumeStatusArgv,
  type GlusterVolumeStatus,
} from './gluster';

const BUSY_RETRIES = 3;

async function gluster(docker: Docker, settings: Settings, argv: string[]): Promise<{ stdout: string; exitCode: number }> {
  for (let attempt = 0; ; attempt++) {
    const r = await execInContainer(docker, settings.containerName, argv, settings.timeouts.glusterMs);
    // gluster reports failure in the XML even with exit 0, and text on stderr with no XML.
    const out = { stdout: r.stdout.trim() ? r.stdout : r.stderr, exitCode: r.exitCode };
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
function cliTimeoutS(settings: Settings): number {
  return Math.max(1, Math.floor(settings.timeouts.glusterMs / 1000) - 2);
}

export async function readVolumeHealth(docker: Docker, settings: Settings): Promise<VolumeHealth[]> {
  const o = { timeoutS: cliTimeoutS(settings) };
  const [infoOut, poolOut, statusOut] = await Promise.all([
    gluster(docker, settings, volumeInfoArgv(undefined, o)),
    gluster(docker, settings, poolListArgv(o)),
    gluster(docker, settings, glusterArgv(['volume', 'status', 'all'], o)).catch((e: Error) => e),
  ]);
  const infos = parseVolumeInfo(infoOut.stdout, infoOut.exitCode);
  const peers = parsePoolList(poolOut.stdout, poolOut.exitCode);
  let statuses: GlusterVolumeStatus[] | undefined;
  if (!(statusOut instanceof Error)) {
    try {
      statuses = parseVolumeStatusAll(statusOut.stdout, statusOut.exitCode);
    } catch {
      // No volume started gives an error here; each volume then reports its own state.
      statuses = [];
    }
  }
  return Promise.all(
    infos.map(async (info) => {
      let status = statuses?.find((s) => s.name === info.name);
      if (!status && statuses && info.status === 'Started') {
        // Measured: while another node holds the cluster lock, `volume status all` answers
        // success with an empty list. Asked for one volume, gluster says it is busy, which
        // the retry above handles.
        try {
          const one = await gluster(docker, settings, volumeStatusArgv(info.name, false, o));
          status = parseVolumeStatus(one.stdout, one.exitCode);
        } catch {
          status = undefined;
        }
      }
      let heal;
      if (info.status === 'Started' && healApplies(info)) {
        try {
          const h = await gluster(docker, settings, healInfoArgv(info.name, true, o));
          heal = parseHealSummary(h.stdout, h.exitCode);
        } catch {
          // Heal info hangs or fails while bricks are down; health still reports the bricks.
        }
      }
      return computeVolumeHealth(info, status, peers, heal);
    }),
  );
}

export async function forceStartVolume(docker: Docker, settings: Settings, volume: string): Promise<void> {
  const r = await gluster(docker, settings, volumeStartArgv(volume, true, { timeoutS: cliTimeoutS(settings) }));
  checkCliResult(r.stdout, r.exitCode);
}
