// Backup jobs on the nodes: start one, find them again, follow them, finalise them, cancel.
// The node is the source of truth (job file, status file, log); this client only reads and
// records, so any client (VS Code after a reload, the CLI in another terminal) sees the same.
import type Docker from 'dockerode';
import type { Cluster } from '../cluster';
import type { Settings } from '../config';
import { sleep, withDeadline } from '../node/deadline';
import { execInContainer } from '../docker/exec';
import { execStreaming } from '../docker/execStream';
import { execStateOf } from '../docker/execInspect';
import type { NodeConnection } from '../node/nodeConnection';
import { checksumPathOf } from '../validate/checksum';
import { isNotFound } from '../node/nodeConnection';
import { toNodeError } from '../node/nodeErrors';
import { inspectContainer } from '../node/probe';
import { JOB_SUFFIX, JobFileError, MAX_JOB_FILE_BYTES, claimVersion, isFinal, fileVersion, jobPaths, parseJobFile, pathsOf, pruneMarkerOf, restoreId, restorePaths, serializeJobFile, type JobPaths, type RestoreSpec } from './jobFile';
import { NOT_THIS_TAR, NOT_YET_TAR_PAUSE_MS, signalUntilTar } from './cancelSignal';
import { BACKUP_JOB_ENV, CANCELLED_EXIT, EXIT_WAIT_SCRIPT, KEPT_EXIT, READ_POS_SCRIPT, RESTORE_WAIT_SCRIPT, backupTarHead, besidePartial, restoreWaitPositions, jobArgv, parseStatus, restoreArgv, restoreTarHead, signalTarArgv, type ScriptStatus } from './jobScript';
import { registerJob, registeredJobFiles } from './jobRegistry';
import { nextArchiveName } from './naming';
import { RestorePositions, type Position } from './restorePositions';
import { countEvents } from './tarWarnings';
import { backupFailure, endWithoutStatus, goneAt, jobLinesOf, keptEnd, nodeTimeOf, publishedUnsynced, restoreEnd, scriptCancelEnd, stateOfExit, stillStarting, tarEventsOf, unrecordedEnd, type Shell, type ShellGone } from './jobEnd';
import type { BackupOptions, JobRecord, JobState, PreflightOverride } from './types';


/** A log larger than this is summarised from its tail: warnings are counted live anyway. */
const MAX_LOG_READ = 8 * 1024 * 1024;

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

/** Another client claimed the job's name between our look at the directory and our write. */
class JobNameTaken extends Error {}

/** Names a backup tries when other clients start backups at the same moment: more than ever race. */
const MAX_NAME_CLAIMS = 8;

export { isFinal } from './jobFile';

async function readText(conn: NodeConnection, file: string, max = 64 * 1024): Promise<string | undefined> {
  try {
    const st = await conn.stat(file);
    if (!st) return undefined;
    const start = Math.max(0, st.size - max);
    return (await conn.read(file, start, st.size - start)).toString('utf8');
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/**
 * The job file at `file` on the node, through its guard; undefined when there is none. One
 * larger than any job file is refused unread.
 */
export async function readJobFile(conn: NodeConnection, file: string, node: string): Promise<JobRecord | undefined> {
  let st;
  try {
    st = await conn.stat(file);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  if (!st) return undefined;
  if (st.size > MAX_JOB_FILE_BYTES) throw new JobFileError(file, `${st.size} bytes, larger than any job file (${MAX_JOB_FILE_BYTES})`);
  let buf: Buffer;
  try {
    buf = await conn.read(file, 0, st.size);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  return parseJobFile(buf.toString('utf8'), file, node);
}

/** Bytes free in the backups directory of the job's archive; undefined when they cannot be read. */
function backupsDirFree(conn: NodeConnection, p: JobPaths): Promise<number | undefined> {
  return conn.freeBytes(p.archive.slice(0, p.archive.lastIndexOf('/'))).catch(() => undefined);
}

/**
 * What a backup job wrote beside its partial (besidePartial) is needed by no one once the job
 * has ended, kept archive or not: published, the script moved it beside the archive; otherwise
 * the script removed it, or was cut short. Best effort: it is nothing's only copy.
 */
async function removeBesidePartial(conn: NodeConnection, partial: string): Promise<void> {
  for (const f of besidePartial(partial)) await conn.remove(f).catch(() => undefined);
}

/**
 * The node's time now, as its docker daemon tells it (the container shares the host's clock),
 * in milliseconds; undefined when the daemon does not answer in time or says something that is
 * not a time (nodeTimeOf). Best effort: every caller has another time to fall back on.
 */
async function nodeNowMs(docker: Docker, ms: number): Promise<number | undefined> {
  return withDeadline('docker info', ms, () => docker.info()).then(nodeTimeOf, () => undefined);
}

/** The same as an ISO time: what a restore's job file records as nodeStartedAt. */
export async function nodeClock(docker: Docker, ms: number): Promise<string | undefined> {
  const at = await nodeNowMs(docker, ms);
  return at === undefined ? undefined : new Date(at).toISOString();
}

/**
 * The compressor `command -v pigz || command -v gzip` found in the gluster image: the last
 * segment of the path it printed, one of the two names asked for. It goes into tar's argv and
 * the job's record as a program name: anything else the shell printed (an alias, a name with a
 * blank) ran as tar's compressor, and gave a record the job file's guard refuses.
 */
export function compressorOf(r: { exitCode: number; stdout: string }): 'pigz' | 'gzip' {
  const path = r.stdout.trim().split('\n')[0];
  if (r.exitCode !== 0 || !path) throw new BackupError('the gluster image has neither pigz nor gzip: cannot compress');
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name !== 'pigz' && name !== 'gzip') throw new BackupError(`the gluster image's shell found ${JSON.stringify(path.slice(0, 200))} for pigz or gzip: not a compressor this tool runs`);
  return name;
}

const services = new WeakMap<Cluster, BackupJobs>();

/**
 * The one jobs service of a cluster, shared by every caller in this process (the CLI's
 * commands, the extension's monitor, preflight): observers of one job then share one look, and
 * two callers never finalise the same job twice.
 */
export function jobsOf(cluster: Cluster): BackupJobs {
  let j = services.get(cluster);
  if (!j) {
    j = new BackupJobs(cluster);
    services.set(cluster, j);
  }
  return j;
}

export interface StartedJob {
  record: JobRecord;
}

export class BackupJobs {
  private readonly observing = new Map<string, Promise<JobRecord>>();
  /** Per followed restore (node/id): how far its tar has read (restorePositions.ts says why). */
  private readonly positions = new RestorePositions();

  constructor(private readonly cluster: Cluster) {}

  private get settings(): Settings {
    return this.cluster.settings;
  }

  private async docker(node: string): Promise<Docker> {
    return this.cluster.connection(node).docker();
  }

  /** Which compressor the gluster image has: pigz (parallel) when present, else gzip. */
  async detectCompressor(node: string): Promise<string> {
    const r = await execInContainer(
      await this.docker(node),
      this.settings.containerName,
      ['sh', '-c', 'command -v pigz || command -v gzip'],
      this.settings.timeouts.dockerMs,
    );
    return compressorOf(r);
  }

  /**
   * Starts tar on the node and returns once it runs there (or has already ended). Preflight
   * is the caller's business (see preflight.ts); `backupDir` must already be validated.
   */
  async start(node: string, opts: BackupOptions & { sourceBytes?: number; now?: Date }): Promise<JobRecord> {
    const s = this.settings;
    const backupDir = opts.backupDir ?? s.backupDir;
    const conn = this.cluster.connection(node);
    const docker = await conn.docker();
    const [compressor, listing, container] = await Promise.all([
      opts.compression === 'gzip' ? this.detectCompressor(node) : undefined,
      conn.listDir(backupDir),
      inspectContainer(docker, s.containerName, s.timeouts.dockerMs),
    ]);
    const taken = listing.map((e) => e.name);
    for (let claims = 1; ; claims++) {
      const name = nextArchiveName(opts.now ?? new Date(), opts.compression, taken);
      try {
        return await this.startAs(node, conn, docker, name, backupDir, compressor, container.since, opts);
      } catch (e) {
        if (!(e instanceof JobNameTaken)) throw e;
        if (claims >= MAX_NAME_CLAIMS) throw new BackupError(`${MAX_NAME_CLAIMS} backups started in ${backupDir} on ${node} at the same moment as this one took every name it tried: try again`);
        // Another client's backup of the same moment: the next free name is ours to try.
        taken.push(...(await conn.listDir(backupDir)).map((x) => x.name), name);
      }
    }
  }

  private async startAs(node: string, conn: NodeConnection, docker: Docker, name: string, backupDir: string, compressor: string | undefined, containerSince: string | undefined, opts: BackupOptions & { sourceBytes?: number }): Promise<JobRecord> {
    const s = this.settings;
    const p = jobPaths(backupDir, name);
    const record: JobRecord = {
      version: claimVersion('backup'),
      kind: 'backup',
      id: name.replace(/\.tar(\.gz)?$/, ''),
      node,
      state: 'running',
      archive: p.archive,
      partial: p.partial,
      log: p.log,
      compression: opts.compression,
      ...(compressor ? { compressor } : {}),
      source: s.glusterPath,
      container: s.containerName,
      containerStartedAt: containerSince,
      startedAt: new Date().toISOString(),
      ...(opts.sourceBytes !== undefined ? { sourceBytes: opts.sourceBytes } : {}),
      overrides: opts.overrides ?? [],
    };
    return this.launch(conn, docker, record, jobArgv(p, s.glusterPath, compressor, s.archiveMode), backupDir, `tar of ${s.glusterPath} -> ${p.archive}${compressor ? ` (${compressor})` : ''}`);
  }

  /**
   * What starting a backup and a restore share: the job file before tar (a client that dies
   * right after leaves a job the next look finds and finalises, never an unexplained file),
   * the registry when the job's directory is not the configured one, docker exec, and a wait
   * until the script reports tar's pid, so "started" means tar runs.
   */
  private async launch(
    conn: NodeConnection,
    docker: Docker,
    record: JobRecord,
    cmd: string[],
    dir: string,
    what: string,
    o: { files?: { path: string; data: Buffer }[]; afterClaim?: () => Promise<void> } = {},
  ): Promise<JobRecord> {
    const s = this.settings;
    const node = record.node;
    const { job: jobFile, status } = pathsOf(record);
    // Creating the exec runs nothing, and its id goes into the job file as it is claimed: the
    // file is then never written again by this client. A second write after the start would
    // race the job's end: a job that ends at once is finalised by any observer, and the late
    // write put "running" back over that outcome.
    const exec = await withDeadline(`docker exec (start ${record.kind})`, s.timeouts.dockerMs, (signal) =>
      docker.getContainer(s.containerName).exec({ Cmd: cmd, ...(record.kind === 'backup' ? { Env: BACKUP_JOB_ENV } : {}), AttachStdout: false, AttachStderr: false, abortSignal: signal } as Docker.ExecCreateOptions),
    );
    record.createdExecId = exec.id;
    // Claimed, not overwritten: another client's job of the same name and moment is left whole.
    if (!(await conn.createExclusive(jobFile, serializeJobFile(record)))) throw new JobNameTaken(jobFile);
    // Files the job reads, named for it: written only once the name is ours, or a client that
    // loses the claim would have replaced the winner's. What must hold once the job file is
    // there (a restore: no prune is removing its archive) is asked after them.
    const files = o.files ?? [];
    try {
      for (const f of files) await conn.writeAtomic(f.path, f.data);
      await o.afterClaim?.();
    } catch (e) {
      for (const f of files) await conn.remove(f.path).catch(() => undefined);
      await conn.remove(jobFile).catch(() => undefined);
      throw e;
    }
    if (dir.replace(/\/+$/, '') !== s.backupDir.replace(/\/+$/, '')) {
      // Outside the configured directory only the registry leads `jobs` and a reload to it.
      await registerJob(conn, jobFile).catch((e) =>
        this.cluster.log('warn', `${record.kind} ${record.id}: could not record it in ~/.gluster-backup/jobs (${(e as Error).message}); only a client whose backupDir is ${dir} will list it`, node),
      );
    }
    // Observers take a job not started by its start deadline (withinStart) for one whose
    // client died, and fail it. A start slower than that (a slow link, a long resume list)
    // does not run tar under a record they may have ended: it leaves the time of the start
    // itself before their deadline, or starts nothing.
    const saved = await this.savedRecord(conn, jobFile, node);
    // After the read: it takes a round trip too.
    const late = Date.now() > Date.parse(record.startedAt) + s.timeouts.dockerMs + 5000;
    if (late || saved?.state !== 'running') {
      if (!saved || saved.state === 'running') {
        for (const f of files) await conn.remove(f.path).catch(() => undefined);
        await conn.remove(jobFile).catch(() => undefined);
      }
      throw new BackupError(`${record.kind} ${record.id}: ${saved && saved.state !== 'running' ? `its job file says ${saved.state} before tar was started` : late ? 'getting it ready took longer than its start deadline' : 'its job file could not be read back before tar was started'}; nothing was started: try again`);
    }
    await withDeadline(`docker exec start (${record.kind})`, s.timeouts.dockerMs, () => exec.start({ Detach: true }));
    this.cluster.log('info', `${record.kind} ${record.id} started: ${what}`, node);
    const deadline = Date.now() + s.timeouts.dockerMs;
    // The script writes it within ~50 ms (its own poll for tar's pid).
    while (Date.now() < deadline) {
      if (parseStatus(await readText(conn, status)).phase !== 'none') break;
      await sleep(50);
    }
    return this.observe(record);
  }

  /** Every job whose job file is in the backups directory of a reachable node, or that its registry points at. */
  async list(nodes = this.cluster.nodes().map((n) => n.name)): Promise<{ jobs: JobRecord[]; errors: { node: string; message: string }[] }> {
    const jobs: JobRecord[] = [];
    const errors: { node: string; message: string }[] = [];
    const dir = this.settings.backupDir;
    await Promise.all(
      nodes.map(async (node) => {
        try {
          const conn = this.cluster.connection(node);
          const files = await withDeadline(`list ${dir}`, this.settings.timeouts.connectMs + this.settings.timeouts.dockerMs, async () => {
            const inDir = await conn.listDir(dir).then(
              (entries) => entries.filter((x) => x.name.endsWith(JOB_SUFFIX)).map((x) => `${dir}/${x.name}`),
              (e) => (isNotFound(e) ? [] : Promise.reject(e)),
            );
            const registered = await registeredJobFiles(conn);
            return [...new Set([...inDir, ...registered])];
          });
          for (const file of files) {
            try {
              const rec = await readJobFile(conn, file, node);
              if (rec) jobs.push(await this.observe(rec));
            } catch (err) {
              // A job file this client cannot use is named, not skipped: the operator sees it.
              errors.push({ node, message: err instanceof JobFileError ? err.message : `${file}: ${(err as Error).message}` });
            }
          }
        } catch (e) {
          // The cause alone: the error names its node in a field of its own.
          errors.push({ node, message: toNodeError(e).message });
        }
      }),
    );
    jobs.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    return { jobs, errors };
  }

  /**
   * The job `id` on `node`, or on whichever node has it. An id is a node's (the day's archive
   * name): the same one on two nodes is refused with both named, or attach would follow one
   * and cancel stop the other.
   */
  async find(id: string, node?: string): Promise<JobRecord> {
    const nodes = this.cluster.nodes().filter((n) => node === undefined || n.name === node);
    if (node !== undefined && nodes.length === 0) throw new BackupError(`no node "${node}" in the settings`);
    const ambiguous = (on: readonly string[]) => new BackupError(`job "${id}" is on ${[...on].sort().join(' and ')}: say which with --node`);
    // The job file is named for the job: look it up directly before listing everything.
    if (/^[A-Za-z0-9._-]+$/.test(id)) {
      const direct = await Promise.all(nodes.map((n) => this.savedRecord(this.cluster.connection(n.name), `${this.settings.backupDir}/${id}${JOB_SUFFIX}`, n.name)));
      const hits = direct.filter((j): j is JobRecord => j !== undefined);
      if (hits.length > 1) throw ambiguous(hits.map((j) => j.node));
      if (hits.length === 1) return this.observe(hits[0]);
    }
    const { jobs, errors } = await this.list();
    const found = jobs.filter((j) => (node === undefined || j.node === node) && (j.id === id || (j.kind === 'backup' && j.archive.endsWith(`/${id}`))));
    const on = new Set(found.map((j) => j.node));
    if (on.size > 1) throw ambiguous([...on]);
    if (!found.length) {
      const why = errors.length ? ` (could not look on: ${errors.map((e) => `${e.node}: ${e.message}`).join('; ')})` : '';
      throw new BackupError(`no backup job "${id}" on ${node ?? 'any node'}${why}`);
    }
    return found[0];
  }

  /**
   * The job as it is now: a running job is checked against the node (its status file, its exec,
   * its container) and finalised when it has ended. A node that cannot be reached gives
   * 'unknown' without touching the record on the node.
   */
  observe(record: JobRecord): Promise<JobRecord> {
    if (isFinal(record.state)) return Promise.resolve(record);
    // Observers of one job in this process (a follower, a cancel waiting for the end, a scan)
    // share one look: two would both finalise it, and the second find the first's files gone.
    const key = `${record.node}/${record.id}`;
    let p = this.observing.get(key);
    if (!p) {
      p = this.observeNow(record).finally(() => this.observing.delete(key));
      this.observing.set(key, p);
    }
    return p;
  }

  private async observeNow(record: JobRecord): Promise<JobRecord> {
    const s = this.settings;
    const conn = this.cluster.connection(record.node);
    const p = pathsOf(record);
    let status;
    let cancelAsked: boolean;
    try {
      // Cancel marker first, status second: a finaliser removes the status file before the
      // marker, so a marker seen absent here cannot pair with an exit status left by a cancel.
      cancelAsked = (await conn.stat(p.cancel)) !== undefined;
      status = parseStatus(await readText(conn, p.status));
    } catch (e) {
      return { ...record, state: 'unknown', reason: toNodeError(e, record.node).message };
    }
    if (status.phase === 'exit') return this.finalise(record, conn, p, status, cancelAsked);
    if (status.phase === 'none' || !execIdOf(record)) {
      const saved = await this.savedRecord(conn, p.job, record.node);
      // No status file: finalised already (by another observer, window or the CLI), whose
      // record on the node is the outcome; or tar is not started yet, or never was (below).
      if (status.phase === 'none' && saved && isFinal(saved.state)) return saved;
      // Listed while a client of an earlier version was starting it: that version adds the
      // exec id to the job file after docker starts it.
      if (!execIdOf(record) && saved?.execId) record = { ...record, execId: saved.execId };
    }
    const execId = execIdOf(record);

    // Still "running" on paper: is the shell still there? Its exec disappears with the
    // container, and a stopped container kills it without a word.
    let shell: Shell;
    let docker: Docker;
    // When the container stopped, or started again: a bound on when the shell died, on the node's clock.
    let containerSince: string | undefined;
    try {
      docker = await conn.docker();
      // The job's own container, as its record names it: the setting may have changed since.
      const container = await inspectContainer(docker, record.container, s.timeouts.dockerMs);
      // A paused container holds tar frozen, not dead: it goes on when unpaused, and its
      // partial archive must still be there then.
      if (container.state !== 'running' && container.state !== 'paused') {
        shell = { gone: 'containerStopped', containerState: container.state };
        containerSince = container.since;
      } else if (record.containerStartedAt && container.since && container.since !== record.containerStartedAt) {
        shell = { gone: 'containerRestarted' };
        containerSince = container.since;
      }
      else if (execId) {
        try {
          const info = execStateOf(await withDeadline('docker exec inspect', s.timeouts.dockerMs, () => docker.getExec(execId).inspect()), `the job's shell (exec ${execId.slice(0, 12)})`);
          if (info.running) shell = 'alive';
          // Created, not started: the job file names the exec before docker runs it.
          else if (info.exitCode === undefined) shell = (await this.withinStart(record, conn, docker, p.job)) ? 'alive' : { gone: 'neverStarted' };
          else shell = { gone: 'exited', code: info.exitCode };
        } catch (e) {
          if ((e as { statusCode?: number }).statusCode === 404) shell = { gone: 'vanished' };
          else throw e;
        }
      } else {
        // A job file without an exec id (an earlier version wrote the id after the start).
        // Until the starting client's deadlines have passed, that is a job being started
        // (another client listing it then must not fail it and remove its partial archive: it
        // did once, in a CI rehearsal); after them, the client died before starting tar.
        shell = status.phase === 'running' || (await this.withinStart(record, conn, docker, p.job)) ? 'alive' : { gone: 'neverStarted' };
      }
    } catch (e) {
      return { ...record, state: 'unknown', reason: toNodeError(e, record.node).message };
    }
    if (shell === 'alive') {
      const st = p.partial ? await conn.stat(p.partial).catch(() => undefined) : undefined;
      return { ...record, state: 'running', ...(st ? { archiveBytes: st.size } : {}) };
    }
    // The status file may have been written between our two looks.
    const again = parseStatus(await readText(conn, p.status).catch(() => undefined));
    if (again.phase === 'exit') return this.finalise(record, conn, p, again, cancelAsked);
    // Another observer (a cancel, the CLI, another window) may have finalised the job between
    // our looks, removing the status and cancel files as it did so: its record is the outcome,
    // not "ended without reporting tar's exit".
    const saved = await this.savedRecord(conn, p.job, record.node);
    if (saved && isFinal(saved.state)) return saved;
    const seen: ShellGone = { shell, cancelAsked };
    if (record.kind === 'backup' && p.partial) {
      try {
        const [archive, partial, log, checksum, free] = await Promise.all([
          conn.stat(p.archive),
          conn.stat(p.partial),
          readText(conn, p.log, MAX_LOG_READ).then((t) => t ?? ''),
          conn.stat(checksumPathOf(p.archive)).catch(() => undefined),
          backupsDirFree(conn, p),
        ]);
        seen.files = { log, checksum: checksum !== undefined, ...(archive ? { archive: archive.size } : {}), ...(partial ? { partial: partial.size } : {}), ...(free !== undefined ? { free } : {}) };
      } catch (e) {
        return { ...record, state: 'unknown', reason: toNodeError(e, record.node).message };
      }
    }
    const end = endWithoutStatus(record, seen);
    if (end.removePartial && p.partial) await conn.remove(p.partial);
    // What a shell that died left beside its partial.
    if (p.partial) await removeBesidePartial(conn, p.partial);
    const endedMs = await goneAt({ containerSince, nodeNow: () => nodeNowMs(docker, this.settings.timeouts.dockerMs), clientNowMs: Date.now() });
    const done: JobRecord = { ...record, ...end.patch, endedAt: new Date(endedMs).toISOString() };
    return end.clearMarks ? this.recordEnd(conn, p, done) : (await this.recordFinal(conn, p.job, done)).rec;
  }

  /** Whether a job not started yet may still be being started: its client's deadlines have not all passed. */
  private async withinStart(record: JobRecord, conn: NodeConnection, docker: Docker, jobFile: string): Promise<boolean> {
    const [claimed, nodeNow] = await Promise.all([conn.stat(jobFile).catch(() => undefined), nodeNowMs(docker, this.settings.timeouts.dockerMs)]);
    return stillStarting({
      ...(claimed ? { claimedAtMs: claimed.mtimeMs } : {}),
      ...(nodeNow !== undefined ? { nodeNowMs: nodeNow } : {}),
      startedAt: record.startedAt,
      nowMs: Date.now(),
      limitMs: 2 * this.settings.timeouts.dockerMs + 5000,
    });
  }

  private async finalise(record: JobRecord, conn: NodeConnection, p: JobPaths, status: Extract<ScriptStatus, { phase: 'exit' }>, cancelAsked: boolean): Promise<JobRecord> {
    const { code, at: exitAt } = status;
    // Two observers (a cancel and a follower, two windows) can both see the exit: the first
    // one's record stands.
    const already = await this.savedRecord(conn, p.job, record.node);
    if (already && isFinal(already.state)) return already;
    // A cancel asked after the script's last look at its marker changed nothing: tar ended on
    // its own (a restore), or the script made the archive, which it does only without a marker.
    const log = (await readText(conn, p.log, MAX_LOG_READ).catch(() => undefined)) ?? '';
    const events = tarEventsOf(log);
    const said = jobLinesOf(log);
    const kept = keptEnd(record, said, code);
    // The script saw the request and published nothing (CANCELLED_EXIT): whatever has the
    // archive's name is not this job's. Before that exit a job cancelled before tar started
    // ended 0, and another writer's archive under its name was recorded as its own.
    const byScript = kept === undefined && code === CANCELLED_EXIT ? scriptCancelEnd(record, said, code, (await conn.stat(p.archive).catch(() => undefined)) !== undefined) : undefined;
    // A script older than that exit ends such a cancel with tar's 0 or 1 too: an archive there
    // then counts as published (the cancel came after the script's last look), as it always did.
    // That look at the archive is also the one its size is taken from below: a second stat of
    // the same file added nothing but a round trip.
    const lateCancelLook = byScript === undefined && cancelAsked && kept === undefined && record.kind === 'backup' && code <= 1 ? await conn.stat(p.archive).catch(() => undefined) : undefined;
    const cancelled = byScript !== undefined || (cancelAsked && kept === undefined && (record.kind === 'restore' ? code > 1 : !(code <= 1 && lateCancelLook)));
    const statusSt = exitAt === undefined ? await conn.stat(p.status).catch(() => undefined) : undefined;
    // The kept archive's own exit is the script's, not tar's (its line says tar's): no "tar exit 3".
    // Nor a cancel's: tar never ran, or its exit is in the reason.
    const scripts = (kept !== undefined && code === KEPT_EXIT) || byScript !== undefined || (record.kind === 'restore' && code === CANCELLED_EXIT);
    const ended = { ...(scripts ? {} : { exitCode: code }), endedAt: new Date(exitAt ?? statusSt?.mtimeMs ?? Date.now()).toISOString(), warnings: countEvents(events) };
    if (record.kind === 'restore') return this.recordEnd(conn, p, restoreEnd({ ...record, ...ended }, events, code, cancelled, said));
    // Kept: the script published nothing, whatever its exit (one before exit 3 ended with 2).
    const state = kept !== undefined ? 'failed' : stateOfExit(code, cancelled);
    const archive = state === 'completed' || state === 'completedWithWarnings' ? (lateCancelLook ?? (await conn.stat(p.archive))) : undefined;
    const done: JobRecord = {
      ...record,
      ...ended,
      state: archive || !(state === 'completed' || state === 'completedWithWarnings') ? state : 'failed',
      ...(archive ? { archiveBytes: archive.size } : {}),
    };
    if (byScript !== undefined) done.reason = byScript;
    else if (state === 'cancelled') done.reason = 'cancelled by the operator; the partial archive was removed';
    else if (kept !== undefined) {
      done.reason = kept;
      done.kept = true;
    }
    else if (state === 'failed') done.reason = `${backupFailure(events, code, said, await backupsDirFree(conn, p))}; the partial archive was removed`;
    else if (!archive) done.reason = 'tar ended but the archive is missing';
    // Published, then sync reported its name or checksum file not written: completed as tar
    // ended, saying so (the archive stays; see PUBLISHED_UNSYNCED), from the status's mark when
    // a full backups directory kept the line from the log (STATUS_UNFLUSHED).
    else {
      const unsynced = publishedUnsynced(record, said, status.unflushed === true);
      if (unsynced !== undefined) done.reason = unsynced;
    }
    // A partial left by anything but the script's own cleanup is not an archive: remove it.
    // One the script kept is (keptEnd).
    if (p.partial && kept === undefined) await conn.remove(p.partial).catch(() => undefined);
    // The script removes or moves what lies beside the partial; this takes what one cut short left.
    if (p.partial) await removeBesidePartial(conn, p.partial);
    return this.recordEnd(conn, p, done);
  }

  /** The job file now holds the exit code; the status file goes before the cancel marker (see observe). */
  private async recordEnd(conn: NodeConnection, p: JobPaths, done: JobRecord): Promise<JobRecord> {
    const saved = await this.recordFinal(conn, p.job, done);
    // Not recorded: the files the end was read from stay, so the next look finds it again.
    if (!saved.recorded) return saved.rec;
    await conn.remove(p.status).catch(() => undefined);
    await conn.remove(p.cancel).catch(() => undefined);
    return saved.rec;
  }

  /**
   * A job's end into its job file. A backups directory too full to take that file threw here,
   * and every look showed the job as "unknown" (to the operator: the node unreachable, with
   * SFTP's bare "Failure") until space was freed: the end found is returned instead, saying
   * that it is not recorded and why. Any other failure to write is thrown as before.
   */
  private async recordFinal(conn: NodeConnection, file: string, rec: JobRecord): Promise<{ rec: JobRecord; recorded: boolean }> {
    try {
      return { rec: await this.record(conn, file, rec), recorded: true };
    } catch (e) {
      const free = await conn.freeBytes(file.slice(0, file.lastIndexOf('/'))).catch(() => undefined);
      const told = unrecordedEnd(rec, file, e as NodeJS.ErrnoException, free);
      if (!told) throw e;
      this.cluster.log('error', `${rec.kind} ${rec.id}: ${rec.state} (${told.reason})`, rec.node);
      return { rec: told, recorded: false };
    }
  }

  /** The job file on the node, if it is there and passes the guard. */
  private savedRecord(conn: NodeConnection, file: string, node: string): Promise<JobRecord | undefined> {
    return readJobFile(conn, file, node).catch(() => undefined);
  }

  private async record(conn: NodeConnection, file: string, given: JobRecord): Promise<JobRecord> {
    // As written: a backup's end that kept nothing goes down to version 1 (fileVersion).
    const rec: JobRecord = { ...given, version: fileVersion(given) };
    await conn.writeAtomic(file, serializeJobFile(rec));
    this.cluster.log(rec.state === 'failed' ? 'error' : 'info', `${rec.kind} ${rec.id}: ${rec.state}${rec.reason ? ` (${rec.reason})` : ''}`, rec.node);
    return rec;
  }

  /** Stops tar on the node; the script then removes the partial archive. */
  async cancel(record: JobRecord): Promise<JobRecord> {
    const now = await this.observe(record);
    if (isFinal(now.state)) return now;
    if (now.state === 'unknown') throw new BackupError(`cannot cancel ${record.id}: ${now.reason}`);
    const conn = this.cluster.connection(record.node);
    const p = pathsOf(record);
    await conn.writeAtomic(p.cancel, new Date().toISOString() + '\n');
    // A cancel that did not reach tar withdraws its marker: left there, the marker would make
    // the job's own end a cancel (a backup that then completes keeps no archive).
    const withdraw = async (why: string): Promise<JobRecord> => {
      const cur = await this.observe(record).catch(() => undefined);
      if (cur && isFinal(cur.state)) return cur;
      const left = await conn.remove(p.cancel).then(
        () => undefined,
        (e: Error) => e.message,
      );
      // Still on the node, the request may yet take effect: say so, and how to withdraw it.
      throw new BackupError(left === undefined ? why : `${why.replace(/; the cancel request was withdrawn, so the job ends on its own terms\./, ';')} The cancel request could not be withdrawn either (${left}): while ${p.cancel} is there, the job's end counts as cancelled${record.kind === 'backup' ? ' and its archive is not kept' : ''}. Remove that file to let it end on its own terms.`);
    };
    // Signals the job's tar when its status names one: the pid is tar's inside the container's
    // pid namespace, where this runs; the script signals it only if it is this job's tar (the
    // status file is the node's word, not ours). Undefined when tar is not started yet.
    const signal = async (st: ReturnType<typeof parseStatus>): Promise<{ exitCode: number; stderr: string } | undefined> => {
      if (st.phase !== 'running') return undefined;
      const docker = await conn.docker();
      const head = record.kind === 'restore' ? restoreTarHead(record.archive) : backupTarHead(p.partial ?? '');
      return execInContainer(docker, record.container, signalTarArgv(st.tarPid, head), this.settings.timeouts.dockerMs);
    };
    const refused = (st: ReturnType<typeof parseStatus>, r: { exitCode: number; stderr: string }): Promise<JobRecord> =>
      withdraw(
        r.exitCode === NOT_THIS_TAR
          ? `cannot cancel ${record.id}: its status file names process ${st.phase === 'running' ? st.tarPid : '?'}, which is not this job's tar (the file was changed, or tar ended and the pid was reused); nothing was signalled. Look at the job with "gluster-backup attach ${record.id} --node ${record.node}"`
          : `cannot cancel ${record.id}: signalling tar failed (exit ${r.exitCode}: ${r.stderr.trim().slice(0, 300)})`,
      );
    const failed = (e: unknown): Promise<JobRecord> =>
      withdraw(`cannot cancel ${record.id}: ${toNodeError(e, record.node).message}; the cancel request was withdrawn, so the job ends on its own terms. Look at it with "gluster-backup attach ${record.id} --node ${record.node}"`);
    let st: ReturnType<typeof parseStatus> = { phase: 'none' };
    let r: { exitCode: number; stderr: string } | undefined;
    try {
      // "Not this job's tar" may be a pid that an older build's script recorded a moment
      // before its process became tar: the status is read and the signal tried again for a
      // short while before the cancel is refused (signalUntilTar). A status that says the
      // job ended meanwhile signals nothing, and the wait below sees the end.
      r = await signalUntilTar(
        async () => {
          st = parseStatus(await readText(conn, p.status));
          return signal(st);
        },
        () => sleep(NOT_YET_TAR_PAUSE_MS),
      );
    } catch (e) {
      return failed(e);
    }
    if (r && r.exitCode !== 0) return refused(st, r);
    // Not started yet (no "running" status): the marker stays, and the job's script, seeing it
    // before tar or as it records tar's pid, runs none or stops it. The job may still be being
    // started for as long as its client's deadlines allow (observe's withinStart); a tar
    // recorded meanwhile is signalled here too (a script from before that look runs it).
    const startMs = r ? 0 : 2 * this.settings.timeouts.dockerMs + 5000;
    let deadline = Date.now() + 30_000 + startMs;
    let cur = now;
    while (Date.now() < deadline) {
      cur = await this.observe(record);
      if (isFinal(cur.state)) return cur;
      if (!r) {
        // A failed look or signal is tried again, the marker kept: withdrawn, it would let the
        // script run tar (a pid recorded a moment before its process became tar is refused).
        const got = await signal(parseStatus(await readText(conn, p.status).catch(() => undefined))).catch(() => undefined);
        if (got?.exitCode === 0) {
          r = got;
          deadline = Date.now() + 30_000;
        }
      }
      await sleep(300);
    }
    throw new BackupError(r ? `tar did not stop within 30 s after the cancel of ${record.id}` : `${record.id} did not end within ${Math.round((30_000 + startMs) / 1000)} s after its cancel, and its tar was never recorded as started; the cancel request stays in ${p.cancel}: this version's job script starts no tar while it is there (cancel again if the job then runs)`);
  }

  /**
   * Resolves once the job's status on the node says it ended, or when the wait itself ends
   * (link lost, container stopped, `signal`): either way the caller looks again at once.
   */
  async waitForExit(record: JobRecord, signal: AbortSignal): Promise<void> {
    const conn = this.cluster.connection(record.node);
    const p = pathsOf(record);
    const docker = await conn.docker();
    const restore = record.kind === 'restore';
    // A restore's wait also says how far tar has read: the follower's samples, without an exec each.
    const key = `${record.node}/${record.id}`;
    let partial = '';
    const heard = (b: Buffer) => {
      // Whole lines only; a line is a few bytes, so what is carried over stays small.
      const text = (partial + b.toString('latin1')).slice(-4096);
      const cut = text.lastIndexOf('\n') + 1;
      partial = text.slice(cut);
      const seen = restoreWaitPositions(text.slice(0, cut)).filter((n) => withinArchive(record, n));
      if (seen.length) this.positions.heard(key, seen[seen.length - 1], Date.now());
    };
    const argv = restore ? ['sh', '-c', RESTORE_WAIT_SCRIPT, 'gluster-restore-wait', p.status, record.archive] : ['sh', '-c', EXIT_WAIT_SCRIPT, 'gluster-backup-wait', p.status];
    if (restore) this.positions.waitBegan(key);
    try {
      await execStreaming(docker, record.container, argv, { idleMs: 30_000, onStdout: restore ? heard : () => undefined, signal });
    } finally {
      if (restore) this.positions.waitEnded(key);
    }
  }

  /** tar's stderr from `offset`, for following a job live; returns the new offset. */
  async readLog(record: JobRecord, offset: number): Promise<{ text: string; offset: number }> {
    const conn = this.cluster.connection(record.node);
    const st = await conn.stat(record.log);
    if (!st || st.size <= offset) return { text: '', offset };
    const buf = await conn.read(record.log, offset, Math.min(st.size - offset, 1024 * 1024));
    // Whole lines only, so a message (or a UTF-8 character) is never cut in two.
    const end = buf.lastIndexOf(0x0a) + 1;
    const take = end > 0 ? end : buf.length === 1024 * 1024 ? buf.length : 0;
    return { text: buf.subarray(0, take).toString('utf8'), offset: offset + take };
  }

  /**
   * How far the job is, and when that was learnt (ms): a backup's archive size, read now with
   * one stat on the node; a restore's read position of its archive, perhaps heard a moment ago.
   */
  async progress(record: JobRecord): Promise<Position | undefined> {
    if (record.kind === 'restore') return this.restoreReadBytes(record);
    const conn = this.cluster.connection(record.node);
    const st = (record.partial ? await conn.stat(record.partial) : undefined) ?? (await conn.stat(record.archive));
    return st ? { bytes: st.size, at: Date.now() } : undefined;
  }

  /**
   * How far a restore's tar (or the gzip it reads through) has read the archive: the file
   * position of the job's tar (its pid from the status file) or of its child. One read of the
   * status file and one exec.
   */
  private async restoreReadBytes(record: JobRecord): Promise<Position | undefined> {
    // What the job's wait printed in the last seconds, when one runs in this process.
    const key = `${record.node}/${record.id}`;
    const heard = this.positions.fresh(key, Date.now());
    if (heard !== undefined) return heard;
    const st = parseStatus(await readText(this.cluster.connection(record.node), pathsOf(record).status).catch(() => undefined));
    if (st.phase !== 'running') return undefined;
    const r = await execInContainer(await this.docker(record.node), record.container, ['sh', '-c', READ_POS_SCRIPT, 'gluster-restore-pos', record.archive, String(st.tarPid)], this.settings.timeouts.dockerMs).catch(() => undefined);
    const m = r && r.exitCode === 0 ? /^(\d{1,15})\s*$/.exec(r.stdout) : null;
    // A position past the archive's end is nobody's: a learnt position never goes back, so one
    // bogus value would pin the progress there.
    return m && withinArchive(record, Number(m[1])) ? this.positions.read(key, Number(m[1]), Date.now()) : undefined;
  }

  /**
   * Starts a restore on the node and returns once tar runs there (or has ended). The plan and
   * the preflight are the caller's (see restore/); `members` are archive names as stored.
   */
  async startRestore(
    node: string,
    o: { archive: string; compression: 'none' | 'gzip'; spec: RestoreSpec; overrides?: PreflightOverride[]; now?: Date; resumeDirs?: Buffer; resumeRedo?: Buffer },
  ): Promise<JobRecord> {
    const s = this.settings;
    const conn = this.cluster.connection(node);
    const docker = await conn.docker();
    const cut = o.archive.lastIndexOf('/');
    const id = restoreId(o.archive.slice(cut + 1), o.now ?? new Date());
    const p = restorePaths(o.archive.slice(0, cut), id);
    const container = await inspectContainer(docker, s.containerName, s.timeouts.dockerMs);
    const nodeNow = await nodeClock(docker, s.timeouts.dockerMs);
    const record: JobRecord = {
      version: claimVersion('restore'),
      kind: 'restore',
      id,
      node,
      state: 'running',
      archive: p.archive,
      log: p.log,
      compression: o.compression,
      source: o.archive,
      container: s.containerName,
      containerStartedAt: container.since,
      startedAt: new Date().toISOString(),
      ...(nodeNow !== undefined ? { nodeStartedAt: nodeNow } : {}),
      overrides: o.overrides ?? [],
      restore: o.spec,
    };
    const started = this.launch(
      conn,
      docker,
      record,
      restoreArgv(
        p,
        o.spec.target,
        o.spec.policy,
        o.spec.members,
        o.spec.resume ? { ...(o.spec.resume.rewrite ? { rewrite: o.spec.resume.rewrite } : {}), dirs: o.resumeDirs !== undefined, redo: o.resumeRedo !== undefined } : undefined,
      ),
      o.archive.slice(0, cut),
      `tar extracting ${o.archive} into ${o.spec.target}${o.spec.members.length ? ` (${o.spec.members.length} paths)` : ''}, existing entries: ${o.spec.policy}`,
      {
        files: [...(o.resumeDirs !== undefined ? [{ path: p.dirs, data: o.resumeDirs }] : []), ...(o.resumeRedo !== undefined ? [{ path: p.redo, data: o.resumeRedo }] : [])],
        // The other half of prune's handshake (pruneMarkerOf): this job file is there now, so a
        // prune that marks the archive from here on sees it and keeps the archive.
        // The mark first, the archive second: a prune removes the archive before its mark, so
        // a mark absent here is a prune still to come (it will see this job file) or one done,
        // whose archive is then gone too.
        afterClaim: async () => {
          const marker = pruneMarkerOf(o.archive);
          const st = await conn.stat(marker);
          if (st) throw new BackupError(`${o.archive} is being removed by prune (${marker} is there since ${new Date(st.mtimeMs).toISOString()}): nothing was restored. If no prune is running, remove that file and restore again`);
          const now = await conn.stat(o.archive);
          if (!now) throw new BackupError(`${o.archive} is gone since the restore was planned (pruned or removed): nothing was restored`);
          if (now.size !== o.spec.archiveBytes) throw new BackupError(`${o.archive} changed since the restore was planned (${o.spec.archiveBytes} bytes then, ${now.size} now): nothing was restored; plan it again`);
        },
      },
    );
    return started.catch((e: unknown) => {
      if (e instanceof JobNameTaken) throw new BackupError(`a restore of ${o.archive} started this very second already exists (${p.job}): wait a second and try again`);
      throw e;
    });
  }

  /** Records the verification's outcome in a finished restore's job file. */
  async recordVerification(record: JobRecord, report: string, differences: number): Promise<JobRecord> {
    if (record.kind !== 'restore' || !record.restore) throw new BackupError(`${record.id} is not a restore`);
    const rec: JobRecord = { ...record, restore: { ...record.restore, report, differences } };
    return this.record(this.cluster.connection(record.node), pathsOf(record).job, rec);
  }
}

/** The exec of the job's shell: as this version claims it, or as an earlier one recorded it once started. */
function execIdOf(record: JobRecord): string | undefined {
  return record.createdExecId ?? record.execId;
}

/** Whether `pos` can be a read position in the restore's archive (its size as planned). */
function withinArchive(record: JobRecord, pos: number): boolean {
  return record.restore === undefined || pos <= record.restore.archiveBytes;
}
