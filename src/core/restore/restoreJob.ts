// The restore itself: preflight (the plan and the cluster's state, before anything is written),
// the job on the node (the same job machinery as a backup: job file, log, status, cancel), and
// the verification in the right direction once tar has ended: every archive member must be in
// the target as it was archived. The report is saved beside the archive.
import type { Cluster } from '../cluster';
import { ArchiveComparer, type ValidationReport } from '../archive/compare';
import { EntryTable, lastCopies, type FsEntrySink } from '../archive/entryTable';
import { FsListParser, fsListArgv } from '../archive/fsList';
import { execStreaming } from '../docker/execStream';
import { jobsOf } from '../backup/jobs';
import { restorePaths } from '../backup/jobFile';
import type { JobRecord } from '../backup/types';
import { indexArchiveOnNode } from '../validate/validateBackup';
import { includeKey, isUnderAny } from './plan';
import { RestoreError } from './restoreError';
import { planRestore, type RestorePlanOptions, type RestorePlanResult } from './restorePlan';

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
  /** Members in the target with another type, size, mtime (files) or link target. */
  changed: ValidationReport['changed'];
  /** Entries in the target that are not in the archive: information, never touched. */
  targetOnly: { files: number; dirs: number };
  /** What was compared, and what not. */
  compared: string;
  checkedAt: string;
}

/** Refusals from the cluster's state: every node up with gluster, the target volume whole, no job running. */
async function clusterRefusals(cluster: Cluster, volume: string): Promise<string[]> {
  const out: string[] = [];
  const statuses = await cluster.refreshAll();
  for (const s of statuses) {
    if (!s.reachable) out.push(`${s.name} cannot be reached (${s.error?.message ?? 'unknown'}): a restore needs every node, their bricks hold the volume`);
    else if (s.container?.state !== 'running') out.push(`gluster is not running on ${s.name} (${s.container?.state ?? 'no container'}): start it first`);
  }
  const seen = statuses.flatMap((s) => s.volumes ?? []).filter((v) => v.name === volume);
  if (seen.length === 0) out.push(`no node could read the health of volume ${volume}`);
  for (const v of seen.slice(0, 1)) {
    if (v.brickStatusUnknown) out.push(`the brick status of ${volume} could not be read: a brick offline cannot be ruled out`);
    else if (v.bricksOnline < v.bricks) out.push(`${v.bricks - v.bricksOnline} of ${v.bricks} bricks of ${volume} are offline: files placed on them would fail or land elsewhere`);
    if (v.peersConnected < v.peersTotal) out.push(`${v.peersTotal - v.peersConnected} of ${v.peersTotal} peers are not connected`);
  }
  const { jobs, errors } = await jobsOf(cluster).list();
  for (const j of jobs.filter((x) => x.state === 'running')) out.push(`${j.kind} ${j.id} is running on ${j.node}: wait for it or cancel it`);
  for (const e of errors) out.push(`jobs on ${e.node} could not be listed (${e.message}): one may be running`);
  return out;
}

/** Member names as tar stored them: our backups store `./name`; others may not. */
function storedMembers(include: readonly string[], rootEntries: number): string[] {
  return include.map((i) => {
    const key = includeKey(i);
    const name = Buffer.from(key, 'latin1').toString('utf8');
    return rootEntries > 0 ? `./${name}` : name;
  });
}

/**
 * Plans, checks the cluster, and starts the job: refuses with every reason, having written
 * nothing, when the plan or the cluster says no.
 */
export async function startRestore(cluster: Cluster, o: RestorePlanOptions): Promise<{ plan: RestorePlanResult; job: JobRecord }> {
  const plan = await planRestore(cluster, o);
  const refusals = [...plan.plan.refusals, ...(await clusterRefusals(cluster, plan.volume))];
  if (refusals.length) throw new RestoreError(`refused, nothing was written:\n  - ${refusals.join('\n  - ')}`);
  const members = storedMembers(o.include ?? [], plan.plan.archive.rootEntries);
  const job = await jobsOf(cluster).startRestore(plan.node, {
    archive: plan.archive,
    compression: plan.plan.archive.compressed ? 'gzip' : 'none',
    spec: { target: plan.targetDir, members, policy: plan.plan.policy, bytesToWrite: plan.plan.bytesToWrite, archiveBytes: plan.archiveBytes },
  });
  return { plan, job };
}

/**
 * The archive's members (those the restore took) against the target's listing: a member
 * missing from the target or different there is a difference. Saved beside the archive and
 * recorded in the job file.
 */
export async function verifyRestore(cluster: Cluster, job: JobRecord, o: { signal?: AbortSignal; idleMs?: number } = {}): Promise<{ verification: RestoreVerification; job: JobRecord }> {
  const spec = job.restore;
  if (job.kind !== 'restore' || !spec) throw new RestoreError(`${job.id} is not a restore`);
  const conn = cluster.connection(job.node);
  const docker = await conn.docker();
  const container = cluster.settings.containerName;
  const { index } = await indexArchiveOnNode(conn, docker, container, job.node, job.archive, o);
  // Only the members the restore took: the include paths, as the plan chose them.
  const includes = spec.members.map((m) => includeKey(m));
  const under = (k: string) => includes.length === 0 || isUnderAny(k, includes);
  const A = index.entries;
  const { rows } = lastCopies(A);
  const taken = new EntryTable();
  for (const r of rows) {
    const k = A.key(r);
    if (under(k)) taken.push(k, A.type(r), A.size(r), A.mtime(r), A.linkKey(r));
  }
  const comparer = new ArchiveComparer(taken, { maxListed: 1000 });
  // The target beyond the included paths is none of this restore's business.
  const sink: FsEntrySink = {
    entry: (k, t, size, mtime, link) => (under(k) ? comparer.entry(k, t, size, mtime, link) : undefined),
    socket: (k) => (under(k) ? comparer.socket() : undefined),
  };
  const parser = new FsListParser(sink);
  const listed = await execStreaming(docker, container, fsListArgv(spec.target), { env: ['LC_ALL=C'], idleMs: o.idleMs ?? 120_000, onStdout: (b) => parser.push(b), ...(o.signal ? { signal: o.signal } : {}) });
  if (listed.exitCode !== 0 && listed.stdoutBytes === 0) throw new RestoreError(`find could not list ${spec.target} on ${job.node}: ${listed.stderr.trim().split('\n').slice(0, 3).join('; ')}`);
  parser.end();
  const report = comparer.finish();
  const differences = report.extra.count + report.changed.count;
  const verification: RestoreVerification = {
    verdict: differences === 0 ? 'verified' : 'differs',
    differences,
    archive: job.archive,
    targetDir: spec.target,
    members: taken.length,
    missing: report.extra,
    changed: report.changed,
    targetOnly: { files: report.missingFiles.count, dirs: report.missingDirs.count },
    compared: 'presence, type, size and mtime of files (to the second), symlink targets; not modes or owners',
    checkedAt: new Date().toISOString(),
  };
  const reportPath = restorePaths(job.archive.slice(0, job.archive.lastIndexOf('/')), job.id).report;
  await conn.writeAtomic(reportPath, JSON.stringify(verification, null, 2) + '\n');
  const recorded = await jobsOf(cluster).recordVerification(job, reportPath, differences);
  return { verification, job: recorded };
}
