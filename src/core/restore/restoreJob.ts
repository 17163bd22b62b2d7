// The restore itself: preflight (the plan and the cluster's state, before anything is written),
// the job on the node (the same job machinery as a backup: job file, log, status, cancel), and
// the verification in the right direction once tar has ended: every archive member must be in
// the target as it was archived. The report is saved beside the archive.
import type { Cluster } from '../cluster';
import type { VolumeHealth } from '../model';
import type { NodeLook } from '../node/probe';
import { ArchiveComparer, type ValidationReport } from '../archive/compare';
import { EntryTable, lastCopies } from '../archive/entryTable';
import { storedNames } from '../archive/paths';
import { FsListParser, fsListArgv, fsListPathsArgv } from '../archive/fsList';
import { DeviceNumbers, DeviceStatFormatError, DeviceStatParser, deviceStatBatches } from '../archive/deviceList';
import { execStreaming, type StreamExecResult } from '../docker/execStream';
import { execRefusal } from '../gluster/errors';
import { jobsOf } from '../backup/jobs';
import { restorePaths } from '../backup/jobFile';
import type { JobRecord } from '../backup/types';
import { indexArchiveOnNode } from '../validate/validateBackup';
import { includeKey, isUnderAny } from './plan';
import { RestoreError, RestorePlanChanged } from './restoreError';
import { planChanges, type ConfirmedPlan } from './confirmedPlan';
import { blockingRefusals, overrideProblems, refusalText, type Refusal } from './refusal';
import type { PreflightOverride } from '../backup/jobFile';
import { planRestore, type IndexedArchive, type RestorePlanOptions, type RestorePlanResult } from './restorePlan';
import type { TarIndexResult } from '../archive/tarIndex';
import { writeBesideArchive } from '../catalog/sidecar';
import { LinkCheck, type UnlinkedItem } from './linkCheck';

export interface RestoreVerification {
  /** verified: every member restored as archived; differs: some are missing or different. */
  verdict: 'verified' | 'differs';
  /** Members missing from the target plus members that differ: the number that matters. */
  differences: number;
  archive: string;
  targetDir: string;
  members: number;
  /** Archive members not in the target: what did not come back. */
  missing: ValidationReport['extra'];
  /** Members in the target with another type, mode, owner, size, mtime (files) or link target. */
  changed: ValidationReport['changed'];
  /**
   * Hard links of the archive whose two names are both in the target, but as two files: absent
   * from a report when the members taken hold no hard link (and from reports of older versions).
   */
  unlinked?: { count: number; items: UnlinkedItem[] };
  /** Entries in the target that are not in the archive: information, never touched. */
  targetOnly: { files: number; dirs: number };
  /** What was compared, and what not. */
  compared: string;
  /** The archive side: the plan's index (the archive unchanged since), or its headers read again. */
  archiveSide: 'plan' | 'read';
  checkedAt: string;
}

type ClusterState = {
  /** Every node: reachable, its container. */
  looks: NodeLook[];
  /** The volumes as gluster on the archive's node sees them; absent when the plan found no archive. */
  volumes?: VolumeHealth[];
  jobs: Awaited<ReturnType<ReturnType<typeof jobsOf>['list']>>;
};

/**
 * The cluster as the restore needs it, once the archive's node is known: the restore writes
 * through that node's mount, so its gluster's view of the volume decides, and of every other
 * node only whether it is up (Cluster.viewFrom). A plan that found no archive leaves looks only.
 */
function clusterState(cluster: Cluster, located: Promise<string | undefined>): Promise<ClusterState> {
  const view = located.then((at) =>
    at !== undefined ? cluster.viewFrom(at).then(({ node, looks }) => ({ looks, volumes: node.volumes })) : Promise.all(cluster.nodes().map((n) => cluster.look(n.name))).then((looks) => ({ looks })),
  );
  return Promise.all([view, jobsOf(cluster).list()]).then(([v, jobs]) => ({ ...v, jobs }));
}

/** Every node up with its gluster container running: a restore needs every brick. */
function nodeRefusals(looks: readonly NodeLook[]): Refusal[] {
  return looks.flatMap((s): Refusal[] => {
    if (!s.reachable) return [{ check: 'nodes', message: `${s.name} cannot be reached (${s.error?.message ?? 'unknown'}): a restore needs every node, their bricks hold the volume` }];
    if (s.container?.state !== 'running') return [{ check: 'gluster', message: `gluster is not running on ${s.name} (${s.container?.state ?? 'no container'}): start it first` }];
    return [];
  });
}

/** Refusals from the cluster's state: every node up with gluster, the target volume whole, no job running. */
function clusterRefusals(state: ClusterState, volume: string): Refusal[] {
  const out = nodeRefusals(state.looks);
  const seen = (state.volumes ?? []).filter((v) => v.name === volume);
  if (seen.length === 0) out.push({ check: 'bricks', message: `no node could read the health of volume ${volume}` });
  for (const v of seen.slice(0, 1)) {
    if (v.brickStatusUnknown) out.push({ check: 'bricks', message: `the brick status of ${volume} could not be read: a brick offline cannot be ruled out` });
    else if (v.bricksOnline < v.bricks) out.push({ check: 'bricks', message: `${v.bricks - v.bricksOnline} of ${v.bricks} bricks of ${volume} are offline: files placed on them would fail or land elsewhere` });
    if (v.peersConnected < v.peersTotal) out.push({ check: 'peers', message: `${v.peersTotal - v.peersConnected} of ${v.peersTotal} peers are not connected` });
  }
  const { jobs, errors } = state.jobs;
  for (const j of jobs.filter((x) => x.state === 'running')) out.push({ check: 'jobs', message: `${j.kind} ${j.id} is running on ${j.node}: wait for it or cancel it` });
  for (const e of errors) out.push({ check: 'jobs', message: `jobs on ${e.node} could not be listed (${e.message}): one may be running` });
  return out;
}

/**
 * The plan and the cluster's state, asked at once (the cluster's state does not depend on the
 * plan but for which volume matters): what the dry run shows and the restore refuses by.
 */
export async function planAndCheck(cluster: Cluster, o: RestorePlanOptions): Promise<{ plan: RestorePlanResult; refusals: Refusal[] }> {
  // The archive's node, named or as soon as the plan has found the archive; nothing when the
  // plan fails before that (its error is the one reported). `at` is set once the plan found it.
  let at: string | undefined;
  let locate: ((node: string | undefined) => void) | undefined;
  const located = o.node !== undefined ? Promise.resolve(o.node) : new Promise<string | undefined>((resolve) => (locate = resolve));
  const state = clusterState(cluster, located);
  // The jobs listed for the checks also tell the plan where an interrupted restore stopped. A
  // plan that fails first must not leave either promise's rejection unhandled.
  const jobs = state.then((s) => s.jobs.jobs);
  state.catch(() => undefined);
  jobs.catch(() => undefined);
  const plan = await planRestore(cluster, {
    ...o,
    jobs,
    onLocated: (node) => {
      at = node;
      locate?.(node);
      o.onLocated?.(node);
    },
  })
    .catch(async (e: unknown) => {
      // A plan that failed reading the archive's node may have failed because of another node:
      // a cut node leaves the volume's mount hanging. The cluster's state, bounded by its own
      // deadlines, then says which; an operator's mistake (a bad --target) is told at once.
      if (at === undefined || !(e instanceof RestoreError) || e.refusals.length > 0) throw e;
      const why = await state.then((st) => nodeRefusals(st.looks), () => []);
      throw why.length ? new RestoreError(`${e.message}; on the cluster: ${why.map((r) => r.message).join('; ')}`) : e;
    })
    .finally(() => locate?.(undefined));
  return { plan, refusals: [...plan.plan.refusals, ...clusterRefusals(await state, plan.volume)] };
}

/** The resumed member's byte key back from its report fields. */
function resumeKey(r: { path: string; pathBase64?: string }): string {
  return r.pathBase64 !== undefined ? Buffer.from(r.pathBase64, 'base64').toString('latin1') : Buffer.from(r.path, 'utf8').toString('latin1');
}

/** Member names as tar stored them: our backups store `./name` (so does `tar -cf A ./dir`); others may not. */
function storedMembers(include: readonly string[], dotSlashNames: number): string[] {
  return include.map((i) => {
    const key = includeKey(i);
    const name = Buffer.from(key, 'latin1').toString('utf8');
    return dotSlashNames > 0 ? `./${name}` : name;
  });
}

/**
 * Plans, checks the cluster, and starts the job: refuses with every reason, having written
 * nothing, when the plan or the cluster says no, or (given `confirmed`) when the plan is no
 * longer the one the operator confirmed.
 */
export async function startRestore(
  cluster: Cluster,
  o: RestorePlanOptions & { overrides?: PreflightOverride[]; confirmed?: ConfirmedPlan },
): Promise<{ plan: RestorePlanResult; job: JobRecord }> {
  const overrides = o.overrides ?? [];
  const wrong = overrideProblems(overrides);
  if (wrong.length) throw new RestoreError(`refused, nothing was written:\n  - ${wrong.join('\n  - ')}`);
  const { plan, refusals } = await planAndCheck(cluster, o);
  // Before the refusals: a changed plan needs the operator's eyes again, whatever it refuses.
  const changed = o.confirmed ? planChanges(o.confirmed, plan) : [];
  if (changed.length) throw new RestorePlanChanged(changed);
  const stop = blockingRefusals(refusals, overrides);
  if (stop.length) throw new RestoreError(`refused, nothing was written:\n  - ${refusals.map((r) => refusalText(r, overrides)).join('\n  - ')}`, refusals);
  // Only overrides of checks that refused this time are recorded: one that passed says nothing.
  const refused = new Set(refusals.map((r) => r.check as string));
  const members = storedMembers(o.include ?? [], plan.plan.archive.dotSlashNames);
  // The last point a cancel stops everything: past it the job is claimed on the node.
  if (o.signal?.aborted) throw new RestoreError('cancelled before the restore started: nothing was written');
  const job = await jobsOf(cluster).startRestore(plan.node, {
    archive: plan.archive,
    compression: plan.plan.archive.compressed ? 'gzip' : 'none',
    spec: {
      target: plan.targetDir,
      members,
      policy: plan.plan.policy,
      bytesToWrite: plan.plan.bytesToWrite,
      archiveBytes: plan.archiveBytes,
      ...(plan.plan.resume
        ? {
            resume: {
              from: plan.plan.resume.from,
              ...(plan.plan.resume.rewrite ? { rewrite: resumeKey(plan.plan.resume) } : {}),
              dirs: plan.resumeDirs?.length ?? 0,
              ...(plan.resumeRedo?.length ? { redo: plan.resumeRedo.length } : {}),
            },
          }
        : {}),
    },
    // Never an empty list: tar given no names takes every member.
    ...(plan.plan.resume && plan.resumeDirs?.length ? { resumeDirs: storedNames(plan.resumeDirs, plan.plan.archive.dotSlashNames) } : {}),
    // Paths under the target, not names in the archive: the script removes them there.
    ...(plan.plan.resume && plan.resumeRedo?.length ? { resumeRedo: storedNames(plan.resumeRedo, 0) } : {}),
    overrides: overrides.filter((x) => refused.has(x.check)),
  });
  return { plan, job };
}

/**
 * The plan's index when the archive is still the file it was read from (same size and mtime):
 * walking its headers again would only repeat what the plan read before the job.
 */
async function sameArchive(conn: ReturnType<Cluster['connection']>, archive: string, indexed: IndexedArchive | undefined): Promise<TarIndexResult | undefined> {
  if (!indexed) return undefined;
  const now = await conn.stat(archive).catch(() => undefined);
  return now && now.size === indexed.size && now.mtimeMs === indexed.mtimeMs ? indexed.index : undefined;
}

/**
 * The archive's members (those the restore took) against the target's listing: a member
 * missing from the target or different there is a difference. Saved beside the archive and
 * recorded in the job file, unless the archive went meanwhile (`notSaved` says why).
 */
export async function verifyRestore(
  cluster: Cluster,
  job: JobRecord,
  o: { signal?: AbortSignal; idleMs?: number; indexed?: IndexedArchive } = {},
): Promise<{ verification: RestoreVerification; job: JobRecord; notSaved?: string }> {
  const spec = job.restore;
  if (job.kind !== 'restore' || !spec) throw new RestoreError(`${job.id} is not a restore`);
  const conn = cluster.connection(job.node);
  const docker = await conn.docker();
  const container = cluster.settings.containerName;
  const kept = await sameArchive(conn, job.archive, o.indexed);
  const index = kept ?? (await indexArchiveOnNode(conn, docker, container, job.node, job.archive, o)).index;
  // Only the members the restore took: the include paths, as the plan chose them.
  const includes = spec.members.map((m) => includeKey(m));
  // A path under another include is listed with it already.
  const distinct = [...new Set(includes)];
  const roots = distinct.filter((k) => !distinct.some((o) => o !== k && isUnderAny(k, [o])));
  const { taken, links, devices, specials } = takenMembers(index, includes);
  const comparer = new ArchiveComparer(taken, { maxListed: 1000, compareMeta: true });
  // The devices' numbers, from their own paths (none taken: no pass at all).
  const run: ContainerRun = (argv, onStdout) => execStreaming(docker, container, argv, { env: ['LC_ALL=C'], idleMs: o.idleMs ?? 120_000, onStdout, ...(o.signal ? { signal: o.signal } : {}) });
  const numbers = await deviceNumbers(run, { target: spec.target, node: job.node, container }, devices);
  // Device and inode only when there are hard links to check: the listing is the same otherwise.
  const fields = { meta: true, ...(links.length ? { inode: true } : {}) };
  // With includes only their paths are listed: the rest of the target is none of this restore's business.
  const listing = roots.length ? fsListPathsArgv(spec.target, roots, fields) : { argv: fsListArgv(spec.target, fields), prefix: undefined };
  const check = new LinkCheck(numbers.size ? new DeviceNumbers(comparer, numbers) : comparer, links);
  const parser = new FsListParser(check, { ...fields, ...(listing.prefix !== undefined ? { prefix: listing.prefix } : {}) });
  const listed = await run(listing.argv, (b) => parser.push(b));
  const otherErrors = listingErrors(listed.stderr);
  if (listed.exitCode !== 0 && (otherErrors.length > 0 || roots.length === 0) && listed.stdoutBytes === 0) {
    throw new RestoreError(`find could not list ${spec.target} on ${job.node}: ${listed.stderr.trim().split('\n').slice(0, 3).join('; ')}`);
  }
  // What find could not read (a brick gone meanwhile: "Transport endpoint is not connected")
  // would be reported as missing members: no verdict comes from a listing with holes in it.
  if (otherErrors.length > 0) {
    throw new RestoreError(
      `the verification could not list all of ${spec.target} on ${job.node} (find: ${otherErrors.slice(0, 3).join('; ')}${otherErrors.length > 3 ? `; and ${otherErrors.length - 3} more` : ''}): nothing is concluded from a listing with holes. Verify again once the volume answers: gluster-backup attach ${job.id} --node ${job.node}`,
    );
  }
  parser.end();
  const report = comparer.finish();
  const unlinked = check.finish(1000);
  const differences = report.extra.count + report.changed.count + unlinked.count;
  const verification: RestoreVerification = {
    verdict: differences === 0 ? 'verified' : 'differs',
    differences,
    archive: job.archive,
    targetDir: spec.target,
    members: taken.length,
    missing: report.extra,
    changed: report.changed,
    ...(links.length ? { unlinked } : {}),
    targetOnly: { files: report.missingFiles.count, dirs: report.missingDirs.count },
    compared: `presence, type, permission bits and numeric owner of every member; size and mtime (to the second) of files; symlink targets${specials ? `; the kind of device nodes and fifos${devices.size ? ' and the major and minor numbers of devices' : ''}` : ''}${links.length ? '; hard links as one file (device and inode)' : ''}`,
    archiveSide: kept ? 'plan' : 'read',
    checkedAt: new Date().toISOString(),
  };
  const reportPath = restorePaths(job.archive.slice(0, job.archive.lastIndexOf('/')), job.id).report;
  // A prune may have taken the archive, and this restore's files with it, once the job ended:
  // neither the report nor the job file is written back beside an archive that went.
  const notSaved = await writeBesideArchive(conn, job.archive, reportPath, JSON.stringify(verification, null, 2) + '\n');
  if (notSaved) return { verification, job, notSaved };
  const recorded = await jobsOf(cluster).recordVerification(job, reportPath, differences);
  return { verification, job: recorded };
}

/**
 * The members a restore took (the last copy of each path under `includes`, or all), and which of
 * them are hard links to which: what its verification compares the target with.
 */
export function takenMembers(index: TarIndexResult, includes: readonly string[]): { taken: EntryTable; links: { key: string; to: string }[]; devices: Set<string>; specials: number } {
  const under = (k: string) => includes.length === 0 || isUnderAny(k, includes);
  const A = index.entries;
  const { rows } = lastCopies(A);
  const taken = new EntryTable();
  const links: { key: string; to: string }[] = [];
  // The character and block devices whose numbers the archive gives: the device pass's paths.
  const devices = new Set<string>();
  // Device nodes and fifos taken: the report names their check only when there are some.
  let specials = 0;
  for (const r of rows) {
    const k = A.key(r);
    if (!under(k)) continue;
    taken.push(k, A.type(r), A.size(r), A.mtime(r), A.linkKey(r), undefined, A.meta(r));
    const to = A.linkKey(r);
    if (A.type(r) === 'hardlink' && to !== undefined) links.push({ key: k, to });
    const d = A.device(r);
    if (d !== undefined) specials++;
    if (d !== undefined && d.length > 1) devices.add(k);
  }
  return { taken, links, devices, specials };
}

/** Runs argv in the node's gluster container, its stdout fed to `onStdout` as it comes. */
export type ContainerRun = (argv: string[], onStdout: (chunk: Buffer) => void) => Promise<StreamExecResult>;

/**
 * The major and minor numbers of the target's devices among `wanted` (find cannot print them:
 * see deviceList.ts), read at those paths alone, in batches: no walk of the target. Run before
 * the main listing, so the comparison gets them with each entry. A path that is not there, or
 * not a device there, gets no numbers: the listing reports it (missing, or another type). None
 * wanted, nothing runs.
 */
export async function deviceNumbers(run: ContainerRun, where: { target: string; node: string; container: string }, wanted: ReadonlySet<string>): Promise<Map<string, string>> {
  const numbers = new Map<string, string>();
  if (wanted.size === 0) return numbers;
  const cannot = `the verification could not read the device numbers under ${where.target} on ${where.node}`;
  const unreadable = (e: DeviceStatFormatError) =>
    new RestoreError(`${cannot}: ${python3Missing(e.message, where.container) ?? `the device check's output is not what was asked for (${e.message})`}`);
  // In byte order, the devices of one directory come together (the program keeps its directory open).
  for (const batch of deviceStatBatches(where.target, [...wanted].sort())) {
    const parser = new DeviceStatParser(batch.keys);
    try {
      const r = await run(batch.argv, (b) => parser.push(b));
      if (r.exitCode !== 0 || parser.unreadable.length > 0) {
        const said = r.stderr.trim().split('\n').filter((l) => l.trim());
        const missing = r.exitCode === 126 || r.exitCode === 127 ? python3Missing(r.stderr, where.container) : undefined;
        throw new RestoreError(
          missing
            ? `${cannot}: ${missing}`
            : `${cannot} (${said.length ? said.slice(0, 3).join('; ') + (said.length > 3 ? `; and ${said.length - 3} more` : '') : `exit ${r.exitCode}`}): verify again once the volume answers`,
        );
      }
      for (const [k, v] of parser.end()) numbers.set(k, v);
    } catch (e) {
      // What came where records were due (a runtime's message, say): the parser's refusal.
      if (e instanceof DeviceStatFormatError) throw unreadable(e);
      throw e;
    }
  }
  return numbers;
}

/** The runtime's words when the container has no python3 to run. */
function python3Missing(text: string, container: string): string | undefined {
  const said = execRefusal(text);
  return said ? `the ${container} container cannot run python3 (${said.why}), which reads the device numbers of a restore's verification; docker said: ${said.words}` : undefined;
}

/**
 * find's complaints other than "No such file or directory", which is what an include that did
 * not come back at all gives (that member is reported missing, as it is).
 */
export function listingErrors(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() && !/No such file or directory$/.test(l));
}
