// Volume health as one node's glusterd sees it: the gluster CLI run inside the container,
// independent calls in parallel (each costs ~0.25 s), every call bounded, a busy cluster lock
// retried a few times.
import type Docker from 'dockerode';
import type { Settings } from '../config';
import { sleep, withDeadline } from '../node/deadline';
import { execInContainer } from '../docker/exec';
import { GlusterShell, ShellCommandFailed, ShellUnavailable } from './glusterShell';
import type { VolumeHealth } from '../model';
import {
  GlusterCliError,
  GlusterMissing,
  glusterMissingFrom,
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
} from '.';

const BUSY_RETRIES = 3;

/** One gluster call: at the node's running prompt when there is one (see glusterShell.ts), else one-shot. */
async function once(docker: Docker, settings: Settings, argv: string[], shell?: GlusterShell, execMs = settings.timeouts.glusterMs): Promise<{ stdout: string; exitCode: number }> {
  if (shell?.accepts(argv)) {
    try {
      // The prompt says failure in the XML (opRet), as the one-shot CLI does with exit 0.
      return { stdout: await shell.run(argv, settings.timeouts.glusterMs), exitCode: 0 };
    } catch (e) {
      if (e instanceof ShellCommandFailed) return { stdout: e.message, exitCode: 1 };
      if (!(e instanceof ShellUnavailable)) throw e;
    }
  }
  const r = await execInContainer(docker, settings.containerName, argv, execMs);
  const missing = glusterMissingFrom(r.exitCode, `${r.stdout}\n${r.stderr}`.trim(), argv[0], settings.containerName);
  if (missing) throw missing;
  // gluster reports failure in the XML even with exit 0, and text on stderr with no XML.
  return { stdout: r.stdout.trim() ? r.stdout : r.stderr, exitCode: r.exitCode };
}

async function gluster(docker: Docker, settings: Settings, argv: string[], shell?: GlusterShell, execMs?: number): Promise<{ stdout: string; exitCode: number }> {
  for (let attempt = 0; ; attempt++) {
    const out = await once(docker, settings, argv, shell, execMs);
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
  /** `status` is undefined where it could not be read: that volume's bricks are unknown, no other's. */
  volumes: { info: GlusterVolumeInfo; status?: GlusterVolumeStatus }[];
  /**
   * Heal summaries of the started replica and disperse volumes, by name; undefined where one
   * could not be read. Read one-shot beside the rest, so it may settle after the rows are shown.
   */
  heal: Promise<Map<string, GlusterHealInfo | undefined>>;
}

/**
 * One heal read per volume at a time, per node. Heal info is answered by a glfsheal process
 * that ignores gluster's --timeout and can hang while a brick is unreachable; our deadline
 * frees the caller but not that process, so a refresh every few seconds would otherwise pile
 * them up in the container. A caller that comes while one is running waits for that one.
 */
export class HealReads {
  private readonly running = new Map<string, Promise<GlusterHealInfo>>();

  read(docker: Docker, settings: Settings, volume: string): Promise<GlusterHealInfo | undefined> {
    let p = this.running.get(volume);
    if (!p) {
      // Never at the prompt (see glusterShell.ts): one-shot. The exec is followed for as long
      // as glfsheal may plausibly run, since it runs on whether we wait or not; callers wait
      // only their own deadline below.
      const followMs = Math.max(60_000, 5 * settings.timeouts.glusterMs);
      p = gluster(docker, settings, healInfoArgv(volume, true, { timeoutS: cliTimeoutS(settings) }), undefined, followMs).then((r) => parseHealSummary(r.stdout, r.exitCode));
      this.running.set(volume, p);
      const done = () => {
        if (this.running.get(volume) === p) this.running.delete(volume);
      };
      p.then(done, done);
    }
    return withDeadline(`gluster volume heal ${volume} info summary`, settings.timeouts.glusterMs, () => p!).catch(() => undefined);
  }
}

/** `volume status VOL`, bounded; undefined when it could not be read (its piece stays unknown). */
function readVolumeStatus(docker: Docker, settings: Settings, volume: string, shell?: GlusterShell): Promise<GlusterVolumeStatus | undefined> {
  return withDeadline(`gluster volume status ${volume}`, settings.timeouts.glusterMs, () => gluster(docker, settings, volumeStatusArgv(volume, false, { timeoutS: cliTimeoutS(settings) }), shell))
    .then((r) => parseVolumeStatus(r.stdout, r.exitCode))
    .catch(() => undefined);
}

/**
 * `known`: volume names from the last read. Their status is asked at the same time as the
 * volume list (volumes rarely change), which halves the latency; a volume not known yet is
 * asked once the list has it. Only the volume list can fail the whole read: every other call
 * has its own deadline and its failure leaves only its own piece unknown.
 */
export async function readSharedVolumeState(
  docker: Docker,
  settings: Settings,
  known: KnownVolumes = { names: [], healing: [] },
  shell?: GlusterShell,
  heals: HealReads = new HealReads(),
): Promise<SharedVolumeState> {
  const o = { timeoutS: cliTimeoutS(settings) };
  const statusOf = (name: string) => readVolumeStatus(docker, settings, name, shell);
  // Measured on the test bed: `volume status all` takes about 4 s and, while another node holds
  // the cluster lock, answers success with an empty list; `volume status VOL` takes about
  // 0.2 s and says "busy" instead, which the retry handles. So the status is read per volume.
  const early = new Map(known.names.map((n) => [n, statusOf(n)]));
  // The heal read is the slowest call of a refresh (a one-shot CLI and glfsheal): started at
  // once for the volumes that had one last time, it overlaps the volume list.
  const earlyHeal = new Map(known.healing.map((n) => [n, heals.read(docker, settings, n)]));
  const infoOut = await gluster(docker, settings, volumeInfoArgv(undefined, o), shell);
  const infos = parseVolumeInfo(infoOut.stdout, infoOut.exitCode);
  const healing = infos.filter((i) => i.status === 'Started' && healApplies(i));
  const heal = Promise.all(healing.map(async (i) => [i.name, await (earlyHeal.get(i.name) ?? heals.read(docker, settings, i.name))] as const)).then((pairs) => new Map(pairs));
  const volumes = await Promise.all(infos.map(async (info) => (info.status !== 'Started' ? { info } : { info, status: await (early.get(info.name) ?? statusOf(info.name)) })));
  return { volumes, heal };
}

/**
 * One volume as `docker`'s glusterd sees it now: its description and its health (bricks online,
 * and heal where it applies), asked at once. Undefined info when gluster does not know the
 * volume; a failed status or heal read leaves that piece unknown in the health, as in a refresh.
 */
export async function readOneVolume(docker: Docker, settings: Settings, volume: string): Promise<{ info?: GlusterVolumeInfo; health?: VolumeHealth }> {
  const o = { timeoutS: cliTimeoutS(settings) };
  const statusP = readVolumeStatus(docker, settings, volume);
  const infoOut = await withDeadline(`gluster volume info ${volume}`, settings.timeouts.glusterMs, () => gluster(docker, settings, volumeInfoArgv(volume, o)));
  const info = parseVolumeInfo(infoOut.stdout, infoOut.exitCode).find((v) => v.name === volume);
  if (!info) return {};
  const applies = info.status === 'Started' && healApplies(info);
  const [status, heal] = await Promise.all([statusP, applies ? new HealReads().read(docker, settings, volume) : Promise.resolve(undefined)]);
  return { info, health: computeVolumeHealth(info, info.status === 'Started' ? status : undefined, undefined, applies ? (heal ?? 'unknown') : undefined) };
}

/** The volumes of the last read: their status and heal are asked before the list confirms them. */
export interface KnownVolumes {
  names: string[];
  /** Started volumes where heal applies. */
  healing: string[];
}

export function knownVolumesOf(s: SharedVolumeState): KnownVolumes {
  return { names: s.volumes.map((v) => v.info.name), healing: s.volumes.filter((v) => v.info.status === 'Started' && healApplies(v.info)).map((v) => v.info.name) };
}

/**
 * The pool as this node's glusterd sees it (who is connected), or undefined when it could not be
 * read. `missing`: a container that cannot run gluster at all fails the call instead.
 */
export async function readPeers(docker: Docker, settings: Settings, shell?: GlusterShell, missing: 'undefined' | 'throw' = 'undefined'): Promise<GlusterPeer[] | undefined> {
  return withDeadline('gluster pool list', settings.timeouts.glusterMs, () => gluster(docker, settings, poolListArgv({ timeoutS: cliTimeoutS(settings) }), shell))
    .then((r) => parsePoolList(r.stdout, r.exitCode))
    .catch((e) => {
      if (missing === 'throw' && e instanceof GlusterMissing) throw e;
      return undefined;
    });
}

/**
 * `heal`: the settled heal summaries, or undefined while they are still being read (the
 * volumes where heal applies then say 'reading').
 */
export function combineVolumeHealth(shared: SharedVolumeState, peers: GlusterPeer[] | undefined, heal?: Map<string, GlusterHealInfo | undefined>): VolumeHealth[] {
  return shared.volumes.map((v) => {
    const applies = v.info.status === 'Started' && healApplies(v.info);
    const h = !applies ? undefined : !heal ? 'reading' : (heal.get(v.info.name) ?? 'unknown');
    return computeVolumeHealth(v.info, v.status, peers, h);
  });
}

/** Volume rows now, and where a heal summary is still on its way, the rows with it later. */
export interface StagedVolumeHealth {
  volumes: VolumeHealth[];
  /** Settles within the heal read's own deadline; heal unknown then, never a failure. */
  later?: Promise<VolumeHealth[]>;
}

export async function stagedVolumeHealth(shared: SharedVolumeState, peers: GlusterPeer[] | undefined): Promise<StagedVolumeHealth> {
  // Already settled (another node of the round read it, or it was quick): one stage, no flicker.
  const NOT_YET = Symbol('not yet');
  const settled = await Promise.race([shared.heal, Promise.resolve(NOT_YET)]);
  if (settled !== NOT_YET) return { volumes: combineVolumeHealth(shared, peers, settled) };
  const volumes = combineVolumeHealth(shared, peers);
  if (!volumes.some((v) => v.healState === 'reading')) return { volumes };
  return { volumes, later: shared.heal.then((h) => combineVolumeHealth(shared, peers, h)) };
}

/** Everything from one node's glusterd, heal included (used where one node is all there is to ask). */
export async function readVolumeHealth(docker: Docker, settings: Settings): Promise<VolumeHealth[]> {
  const [shared, peers] = await Promise.all([readSharedVolumeState(docker, settings), readPeers(docker, settings)]);
  return combineVolumeHealth(shared, peers, await shared.heal);
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
