// "Publish Kept Archive…" on a kept partial's row (or from the palette: a pick among the kept
// partials of every node): what it will do asked first in a modal, then core's publishKept,
// which links the partial under its job's archive name and rewrites the job's record. The
// archive has no checksum file, so the notification offers Validate Now.
import * as os from 'os';
import * as vscode from 'vscode';
import { readCatalog } from '../../core/catalog/catalog';
import type { CatalogKeptPartial } from '../../core/catalog/keptPartials';
import { keptPartialNamed, partialNameOf, publishKept, type PublishKeptResult } from '../../core/catalog/publishKept';
import { Cmd } from '../commandIds';
import type { CommandDeps } from '../commandDeps';
import { archiveArgOf, archiveTargetOf } from '../commands/archiveArg';
import { humanSize } from '../format';
import { FINAL_ACTIONS } from '../jobText';

interface KeptPick extends vscode.QuickPickItem {
  node: string;
  kept: CatalogKeptPartial;
}

export function publishKeptCommand(deps: CommandDeps) {
  return async (arg?: unknown): Promise<PublishKeptResult | undefined> => {
    const cluster = deps.session.cluster;
    if (!cluster) throw new Error('the cluster explorer is not running; check the settings (Show Log says why)');
    const row = archiveTargetOf(arg);
    // A row's (or a job's) own directory: a backup made with another backups directory keeps its partial there.
    const dir = row ? row.archive.path.slice(0, row.archive.path.lastIndexOf('/')) || '/' : deps.session.settings.backupDir;
    let node: string;
    let k: CatalogKeptPartial;
    if (row) {
      node = row.node;
      // What it will be published as, from the directory as it is now; a name that is no kept
      // partial is said before anything is asked.
      ({ k } = await keptPartialNamed(cluster.connection(node), node, dir, partialNameOf(row.archive.name)));
    } else {
      const c = await readCatalog(cluster, dir);
      const picks: KeptPick[] = c.nodes.flatMap((n) =>
        n.keptPartials.map((p) => ({ label: p.name, description: `${n.node} · ${humanSize(p.bytes)}`, detail: `kept by job ${p.job.id}${p.nameTaken ? `; ${p.archive} is another archive` : ''}`, node: n.node, kept: p })),
      );
      if (!picks.length) {
        void vscode.window.showInformationMessage(`Gluster Backup: no node has a kept partial in ${dir}.`);
        return undefined;
      }
      const picked = await vscode.window.showQuickPick(picks, { title: 'Publish which kept archive?', matchOnDescription: true, matchOnDetail: true });
      if (!picked) return undefined;
      ({ node, kept: k } = picked);
    }
    const name = k.name;
    const yes = 'Publish';
    const choice = await vscode.window.showWarningMessage(
      `Publish ${name} on ${node} as ${k.archive}?`,
      {
        modal: true,
        detail:
          `The finished archive its backup job ${k.job.id} kept as its partial. It is flushed to disk and linked under that name in the gluster container (renamed where the directory holds no hard links), never over another file; ` +
          `the job's record then says it completed, by tar's exit. It has no checksum file: validate it after.` +
          (k.nameTaken ? ` A file named ${k.archive} is there now: unless it is this archive's own link from a publish cut short, the publish is refused and nothing changes.` : ''),
      },
      yes,
    );
    if (choice !== yes) return undefined;
    const by = `${os.userInfo().username}@${os.hostname()} (VS Code)`;
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Publishing ${name} on ${node}…` }, () => publishKept(cluster, node, dir, name, { by }));
    void deps.refresher.refreshNodes([node], true);
    const archiveName = r.archive.slice(r.archive.lastIndexOf('/') + 1);
    const validate = FINAL_ACTIONS.validate;
    void vscode.window
      .showInformationMessage(`Gluster Backup: ${name} on ${node} is published as ${archiveName}; its job ${r.job.id} is ${r.job.state} (tar exit ${r.job.exitCode ?? '?'}). It has no checksum file: validate it.`, validate)
      .then((c) => (c === validate ? vscode.commands.executeCommand(Cmd.validateBackup, archiveArgOf(r.job)) : undefined));
    return r;
  };
}
