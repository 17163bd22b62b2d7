// "Restore…": an archive (its tree row, or picked among the archives on the nodes), what to do
// with entries that exist, where to, which paths; then the plan (a dry run: nothing written),
// refusals shown with nothing started, a modal confirmation that names the node, the target,
// the volume and what is overwritten, and the job. Mirrors `gluster-backup restore`
// (src/cli/restore.ts): the same plan, the same refusals, the same job.
import * as vscode from 'vscode';
import { archivesOnNodes } from '../../core/archivesOnNodes';
import type { ExistingPolicy } from '../../core/restore/plan';
import * as os from 'os';
import { RestoreError, targetSubdir, type RestorePlanResult } from '../../core/restore/restorePlan';
import { planAndCheck, startRestore } from '../../core/restore/restoreJob';
import { RestorePlanChanged } from '../../core/restore/restoreError';
import { confirmedPlan } from '../../core/restore/confirmedPlan';
import { blockingRefusals, overridable, refusalText, type Refusal } from '../../core/restore/refusal';
import type { PreflightOverride } from '../../core/backup/jobFile';
import { planText } from '../../core/restore/restoreText';
import { showRunningNotification } from '../backup/jobNotifications';
import type { TrackedJob } from '../backup/trackedJob';
import { archiveTargetOf, pickAmong, type ArchiveTarget } from '../commands/archiveArg';
import type { CommandDeps } from '../commandDeps';
import type { Cluster } from '../../core/cluster';
import { archiveName, confirmText, includeProblem, parseIncludes, planRows, planTitle, POLICY_TEXT } from './restoreText';
import { showError, showNotRunning } from '../errors';
import { partialRefusal } from '../../core/backup/keptPartial';

/** What the operator chose before the plan. */
interface Choices {
  policy: ExistingPolicy;
  /** Relative to the volume root; '' for the root itself. */
  target: string;
  include: string[];
}

/** First names of what an overwrite replaces: the modal says them. */
const OVERWRITE_NAMES = 5;

async function pickArchive(deps: CommandDeps): Promise<ArchiveTarget | undefined> {
  const cluster = deps.session.cluster!;
  const dir = cluster.settings.backupDir;
  // Looked at now, not the tree's last listing: a restore must not start from a stale row.
  const { found, errors } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Looking for archives in ${dir} on the nodes…` }, () =>
    archivesOnNodes(cluster, dir),
  );
  for (const e of errors) deps.log.warn(`restore: cannot list the archives of ${e}`);
  if (found.length === 0) {
    void vscode.window.showInformationMessage(`Gluster Backup: no finished archive in ${dir} on any node${errors.length ? ` (${errors.length} could not be looked at: see the log)` : ''}.`);
    return undefined;
  }
  return pickAmong(
    found.map((a) => ({ node: a.node, archive: a })),
    'Restore: which archive?',
    true,
  );
}

async function askChoices(name: string, root: string): Promise<Choices | undefined> {
  const policies = (['refuse', 'skip', 'overwrite'] as const).map((policy) => ({ label: POLICY_TEXT[policy].label, detail: POLICY_TEXT[policy].detail, policy }));
  const policy = await vscode.window.showQuickPick(policies, { title: `Restore ${name} (1/3): files and links that exist in the target`, ignoreFocusOut: true });
  if (!policy) return undefined;

  const whereItems = [
    { label: 'The volume root', description: root, detail: 'Each path goes back where it was backed up.', sub: false },
    { label: 'A subdirectory…', description: `of ${root}`, detail: 'Restore beside the live data, to compare before replacing anything.', sub: true },
  ];
  const where = await vscode.window.showQuickPick(whereItems, { title: `Restore ${name} (2/3): into`, ignoreFocusOut: true });
  if (!where) return undefined;
  let target = '';
  if (where.sub) {
    const typed = await vscode.window.showInputBox({
      title: `Restore ${name} (2/3): subdirectory`,
      prompt: `A directory relative to ${root}; created when it does not exist`,
      placeHolder: 'restored-2024-05-03',
      ignoreFocusOut: true,
      validateInput: (v) => {
        if (!v.trim()) return 'A directory name is needed (or go back and choose the volume root)';
        try {
          targetSubdir(v.trim());
          return undefined;
        } catch (e) {
          if (e instanceof RestoreError) return `Relative to ${root}, without "." or ".." segments or doubled slashes`;
          throw e;
        }
      },
    });
    if (typed === undefined) return undefined;
    target = typed.trim();
  }

  const inc = await vscode.window.showInputBox({
    title: `Restore ${name} (3/3): only these paths (optional)`,
    prompt: `Files or directories relative to the volume root, separated by commas or new lines; empty restores everything in the archive`,
    placeHolder: 'e.g. mongo, uploads/2024',
    ignoreFocusOut: true,
    validateInput: (v) => includeProblem(v),
  });
  if (inc === undefined) return undefined;
  return { policy: policy.policy, target, include: parseIncludes(inc) };
}

type Next = { kind: 'go' } | { kind: 'rerun' } | { kind: 'log' } | { kind: 'override'; refusal: Refusal } | undefined;

interface RowPick extends vscode.QuickPickItem {
  next?: Next;
}

/**
 * The plan, or its refusals, as a quick pick; info rows bring it back, actions leave it. A
 * refusal a reason can lift offers its override (as Back Up… does); the rest say what to do.
 */
async function showPlan(r: RestorePlanResult, refusals: readonly Refusal[], overrides: readonly PreflightOverride[]): Promise<Next> {
  const stop = blockingRefusals(refusals, overrides);
  const actions: RowPick[] = stop.length
    ? [
        ...stop.filter((x) => overridable(x.check)).map((x) => ({ label: `$(unlock) Override "${x.check}"…`, description: 'asks for a reason, recorded in the job', next: { kind: 'override' as const, refusal: x } })),
        { label: '$(output) Show Log', description: 'the whole plan is there', next: { kind: 'log' } },
        { label: '$(refresh) Run the Checks Again', description: 'after moving things aside, or starting what is stopped', next: { kind: 'rerun' } },
      ]
    : [
        { label: `$(play) Restore into ${r.targetDir} on ${r.node}…`, description: overrides.length ? `${overrides.length} check(s) overridden; asks once more` : 'asks once more', next: { kind: 'go' } },
        { label: '$(refresh) Run the Checks Again', next: { kind: 'rerun' } },
      ];
  const icon = (x: Refusal) => (stop.includes(x) ? '$(error)' : '$(unlock)');
  const rows: RowPick[] = [
    ...actions,
    ...(refusals.length ? [{ label: stop.length ? 'refused because' : 'overridden', kind: vscode.QuickPickItemKind.Separator }, ...refusals.map((x) => ({ label: `${icon(x)} ${refusalText(x, overrides)}` }))] : []),
    { label: 'the plan', kind: vscode.QuickPickItemKind.Separator },
    ...planRows(r),
  ];
  for (;;) {
    const picked = await vscode.window.showQuickPick(rows, {
      title: planTitle(r, refusals, overrides),
      placeHolder: stop.length ? 'Nothing was started. Each reason, then the plan' : 'What the restore does; pick an action',
      ignoreFocusOut: true,
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!picked) return undefined;
    if (picked.next) return picked.next;
  }
}

async function askOverride(x: Refusal): Promise<PreflightOverride | undefined> {
  const reason = await vscode.window.showInputBox({
    title: `Override "${x.check}"`,
    prompt: `It refused: ${x.message}. Why is it safe to restore anyway? (recorded in the job)`,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim().length < 3 ? 'A reason is needed: it is recorded with the restore' : undefined),
  });
  if (reason === undefined) return undefined;
  return { check: x.check, reason: reason.trim(), by: `${os.userInfo().username}@${os.hostname()} (VS Code)` };
}

function logPlan(deps: CommandDeps, r: RestorePlanResult, refusals: readonly Refusal[], overrides: readonly PreflightOverride[]): void {
  for (const line of planText(r, refusals, overrides).split('\n')) if (line.trim()) deps.log.info(`[${r.node}] restore plan: ${line}`);
}

export function restoreCommand(deps: CommandDeps) {
  return async (arg?: unknown): Promise<TrackedJob | undefined> => {
    const cluster = deps.session.cluster;
    if (!cluster || !deps.monitor.jobsApi()) {
      showNotRunning(deps.log, deps.session.failure);
      return undefined;
    }
    // Held from the first question to the start: a settings change while the operator reads
    // the plan or the modal leaves the connections the plan was made on open, and the restore
    // starts on them, as confirmed; they close when the command ends.
    return deps.session.hold(cluster, () => restoreOn(deps, cluster, arg));
  };
}

async function restoreOn(deps: CommandDeps, cluster: Cluster, arg: unknown): Promise<TrackedJob | undefined> {
  const from = archiveTargetOf(arg) ?? (await pickArchive(deps));
  if (!from) return undefined;
  if (from.archive.partial) throw new Error(partialRefusal(from.archive.path));
  const name = from.archive.name;
  const root = cluster.settings.glusterPath;
  const choices = await askChoices(name, root);
  if (!choices) return undefined;
  const opts = {
    node: from.node,
    archive: from.archive.path,
    policy: choices.policy,
    ...(choices.target ? { target: choices.target } : {}),
    ...(choices.include.length ? { include: choices.include } : {}),
  };

  let overrides: PreflightOverride[] = [];
  for (;;) {
    let plan: RestorePlanResult;
    let refusals: Refusal[];
    const ctl = new AbortController();
    try {
      ({ plan, refusals } = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Planning the restore of ${name} (nothing is written)`, cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => ctl.abort());
          // The plan and the cluster's state, as the CLI's dry run: what the restore refuses by.
          return planAndCheck(cluster, {
            ...opts,
            signal: ctl.signal,
            // Every entry only when an overwrite needs names for the confirmation.
            entries: choices.policy === 'overwrite',
            onPhase: (phase, detail) => progress.report({ message: `${phase} ${detail}` }),
          });
        },
      ));
    } catch (e) {
      // Cancelled by the operator: nothing was asked of the nodes that needs undoing.
      if (ctl.signal.aborted) return undefined;
      if (!(e instanceof RestoreError)) throw e;
      showError(deps.log, `The restore of ${name} cannot go ahead`, e, from.node);
      return undefined;
    }
    const overwriteNames: string[] = [];
    for (const e of plan.entries ?? []) {
      if (e.action !== 'overwrite') continue;
      overwriteNames.push(e.path);
      if (overwriteNames.length === OVERWRITE_NAMES) break;
    }
    delete plan.entries;
    logPlan(deps, plan, refusals, overrides);
    for (const x of blockingRefusals(refusals, overrides)) deps.log.warn(`[${plan.node}] restore of ${name} refused: ${refusalText(x, overrides)}`);

    const next = await showPlan(plan, refusals, overrides);
    if (next?.kind === 'rerun') continue;
    if (next?.kind === 'override') {
      const o = await askOverride(next.refusal);
      if (o) overrides = [...overrides.filter((x) => x.check !== o.check), o];
      continue;
    }
    if (next?.kind === 'log') deps.log.show(true);
    if (next?.kind !== 'go') return undefined;
    // Only overrides of checks that refused this time are recorded: one that passed says nothing.
    const used = overrides.filter((o) => refusals.some((x) => x.check === o.check));
    for (const o of used) deps.log.warn(`[${plan.node}] restore check ${o.check} overridden by ${o.by}: ${o.reason}`);

    const { message, detail } = confirmText(plan, overwriteNames);
    const yes = choices.policy === 'overwrite' && plan.plan.overwrite.count ? 'Restore and Overwrite' : 'Restore';
    if ((await vscode.window.showWarningMessage(message, { modal: true, detail }, yes)) !== yes) return undefined;

    const starting = new AbortController();
    try {
      // startRestore plans once more and checks the cluster (nodes, bricks, peers, no other
      // job) right before tar starts: what was confirmed may have changed meanwhile, and it
      // starts only the plan confirmed. Until the job is claimed a cancel stops it; once
      // claimed, the job is the operator's to cancel from its notification.
      const { job, plan: started } = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Starting the restore of ${name} on ${plan.node}…`, cancellable: true },
        (_progress, token) => {
          token.onCancellationRequested(() => starting.abort());
          return startRestore(cluster, { ...opts, overrides: used, confirmed: confirmedPlan(plan), signal: starting.signal });
        },
      );
      deps.log.info(`[${job.node}] restore ${job.id} started: ${archiveName(job.archive)} into ${job.restore?.target}, existing entries: ${job.restore?.policy}`);
      const t = deps.monitor.track(job, true);
      t.planIndex = started.indexed;
      showRunningNotification(deps.monitor, t);
      void deps.monitor.scan();
      return t;
    } catch (e) {
      if (starting.signal.aborted) {
        deps.log.info(`[${plan.node}] restore of ${name} cancelled before it started: nothing was written`);
        return undefined;
      }
      if (!(e instanceof RestoreError)) {
        showError(deps.log, `The restore of ${name} did not start on ${plan.node}`, e, plan.node);
        return undefined;
      }
      if (e instanceof RestorePlanChanged) {
        for (const c of e.changes) deps.log.warn(`[${plan.node}] restore of ${name} not started: the plan changed since it was confirmed: ${c}`);
        if (await reviewAgain(`The restore of ${name} did not start: its plan changed since you confirmed it.`, `What changed: ${e.changes.join('; ')}.`)) continue;
        return undefined;
      }
      if (e.refusals.length === 0) {
        // Not a check (the target became a file meanwhile, say): the sentence says it.
        showError(deps.log, `The restore of ${name} cannot go ahead`, e, plan.node);
        return undefined;
      }
      // Refused by checks that passed when the plan was shown: said so, and the plan is made
      // again for review, with its refusals and their overrides; the plan confirmed is stale.
      const stop = blockingRefusals(e.refusals, used);
      for (const x of stop) deps.log.warn(`[${plan.node}] restore of ${name} not started: refused: ${refusalText(x, used)}`);
      if (await reviewAgain(`The restore of ${name} did not start: ${stop.length === 1 ? 'a check refuses it now' : `${stop.length} checks refuse it now`}.`, stop.map((x) => refusalText(x, used)).join('\n'))) continue;
      return undefined;
    }
  }
}

/** A restore that did not start after all: why, and whether the operator asks for the plan again. */
async function reviewAgain(message: string, why: string): Promise<boolean> {
  const review = 'Review the New Plan';
  return (await vscode.window.showWarningMessage(message, { modal: true, detail: `${why}\nNothing was written.` }, review)) === review;
}
