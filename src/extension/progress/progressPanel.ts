// One webview panel per job (backup or restore): creates or reveals it by job id, feeds it from a
// ProgressSource (throttled to one post a second) and carries out its buttons.
import * as vscode from 'vscode';
import { BoundedSeries, expectedArchiveBytes, percentDone, type ProgressPoint } from '../../core/backup/progressMath';
import type { JobRecord } from '../../core/backup/types';
import {
  isWebviewMessage,
  PROGRESS_VIEW_TYPE,
  readDataVerdict,
  type HostMessage,
  type PanelJob,
  type PersistedState,
  type ReadDataRun,
  type StateInfo,
  type TargetInfo,
  type WarningsInfo,
  type WebviewMessage,
} from '../../webview/protocol';
import { cancelDetail, jobKey, kindWord, progressTarget } from '../jobText';
import { MessageThrottle } from './messageThrottle';
import { progressHtml } from './progressHtml';
import type { ProgressPanelsDeps, ProgressSource, Subscription } from './progressSource';
import { showError } from '../errors';

const STATE_LABEL: Record<JobRecord['state'], string> = {
  running: 'running',
  completed: 'completed',
  completedWithWarnings: 'completed with warnings',
  failed: 'failed',
  cancelled: 'cancelled',
  unknown: 'node unreachable',
};

function pointsIn(m: HostMessage): number {
  return m.type === 'init' ? m.history.length : m.type === 'sample' ? 1 : m.type === 'batch' ? m.messages.filter((x) => x.type === 'sample').length : 0;
}

export function targetFor(job: PanelJob, sourceBytes: number): TargetInfo {
  if (job.kind === 'readData') return { bytes: sourceBytes, sourceBytes, estimated: false };
  return { bytes: expectedArchiveBytes(sourceBytes, job.compression), sourceBytes, estimated: job.compression === 'gzip' };
}

/** The target a job brings with it: a backup's once its source is measured, a restore's from the start (its archive). */
export function targetOf(job: PanelJob): TargetInfo | undefined {
  if (job.kind === 'readData') return job.bytesTotal > 0 ? targetFor(job, job.bytesTotal) : undefined;
  if (job.kind !== 'restore') return job.sourceBytes !== undefined ? targetFor(job, job.sourceBytes) : undefined;
  const t = progressTarget(job);
  return t && { bytes: t.bytes, sourceBytes: t.bytes, estimated: t.estimated };
}

function warningsOf(job: PanelJob): WarningsInfo {
  if (job.kind === 'readData') return { count: 0, last: [] };
  const count = Object.values(job.warnings ?? {}).reduce((a, n) => a + (n ?? 0), 0);
  return { count, last: [] };
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    // Only the bundle's folder: the page needs nothing else from the extension or the disk.
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')],
  };
}

/** "Backup", "Restore" or "Read data", as a sentence starts. */
export function panelWord(job: Pick<PanelJob, 'kind'>): string {
  return job.kind === 'readData' ? 'Read data' : kindWord({ kind: job.kind });
}

/** One message between a panel and its page, as seen by the host (a batch lists what it holds). */
export interface PanelExchange {
  jobId: string;
  from: 'page' | 'host';
  type: string;
  batched?: string[];
  /** Progress points the message carried to the page: init's history, a sample, the samples of a batch. */
  points?: number;
}

// Not retained: a hidden panel costs nothing, and it rebuilds from `init` when shown again.
const PANEL_OPTIONS: vscode.WebviewPanelOptions = { retainContextWhenHidden: false, enableFindWidget: false };

class ProgressPanel {
  private history: BoundedSeries;
  private target: TargetInfo | undefined;
  private warnings: WarningsInfo;
  private subs: Subscription[] = [];
  private source: ProgressSource | undefined;
  private live = false;
  private ready = false;
  private lastBytes = 0;
  private readonly throttle: MessageThrottle;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    private job: PanelJob,
    private readonly deps: ProgressPanelsDeps,
    private readonly log: vscode.LogOutputChannel,
    extensionUri: vscode.Uri,
    onDispose: () => void,
    private readonly onExchange: (e: PanelExchange) => void,
    persisted?: PersistedState,
  ) {
    this.history = new BoundedSeries();
    for (const p of persisted?.history ?? []) this.history.push(p);
    this.lastBytes = persisted?.history.at(-1)?.bytes ?? (job.kind === 'readData' ? 0 : job.archiveBytes) ?? 0;
    this.target = persisted?.target ?? targetOf(job);
    this.warnings = persisted?.warnings ?? warningsOf(job);
    this.throttle = new MessageThrottle((m) => this.post(m));

    const root = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    const webview = panel.webview;
    webview.options = webviewOptions(extensionUri);
    webview.html = progressHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'progress.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'progress.css')).toString(),
    });
    // An editor tab shows the icon as an image: currentColor would be black on a dark theme.
    panel.iconPath = { light: vscode.Uri.joinPath(extensionUri, 'media', 'progress-light.svg'), dark: vscode.Uri.joinPath(extensionUri, 'media', 'progress-dark.svg') };
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      // A hidden panel's page is torn down; it says `ready` again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      panel.onDidDispose(() => {
        this.dispose();
        onDispose();
      }),
    );
    this.updateTitle();
  }

  get jobId(): string {
    return this.job.id;
  }

  attach(source: ProgressSource): void {
    this.unsubscribe();
    this.source = source;
    const job = source.job();
    // A new read-data run of the same archive: its page starts from nothing, not from the last run's line.
    if (job.kind === 'readData' && (this.job.kind !== 'readData' || this.job.startedAt !== job.startedAt)) {
      this.history = new BoundedSeries();
      this.lastBytes = 0;
    }
    this.job = job;
    this.live = true;
    // Shown again (the same job, or the one found again after a settings change): only what the
    // panel has not got yet, or every Show Progress fills the bounded series with repeats.
    const seen = this.history.points().at(-1)?.t ?? -Infinity;
    for (const p of source.history?.() ?? []) if (p.t > seen) this.addSample(p);
    // A read-data run counts its own bytes: the last run's total is not this one's.
    this.target = targetOf(this.job) ?? (this.job.kind === 'readData' ? undefined : this.target);
    this.warnings = source.warnings?.() ?? (this.job.kind === 'readData' || this.job.warnings ? warningsOf(this.job) : this.warnings);
    this.subs = [
      source.onSample((t, bytes) => {
        this.addSample({ t, bytes });
        this.throttle.queue({ type: 'sample', t, bytes });
      }),
      source.onTarget((sourceBytes) => {
        this.target = targetFor(this.job, sourceBytes);
        this.throttle.queue({ type: 'target', ...this.target });
      }),
      source.onWarnings((count, last) => {
        this.warnings = { count, last: [...last] };
        this.throttle.queue({ type: 'warnings', ...this.warnings });
      }),
      source.onState((state, exitCode, reason) => {
        const now = source.job();
        this.job = { ...now, state, exitCode: exitCode ?? now.exitCode, reason: reason ?? now.reason };
        this.throttle.queue({ type: 'state', ...this.stateInfo() });
      }),
      ...(source.onReadData
        ? [
            source.onReadData((info) => {
              if (this.job.kind === 'readData') this.job = { ...this.job, ...info };
              this.throttle.queue({ type: 'readData', ...info });
            }),
          ]
        : []),
    ];
    this.sendInit();
  }

  private addSample(p: ProgressPoint): void {
    this.history.push(p);
    this.lastBytes = p.bytes;
  }

  private stateInfo(): StateInfo {
    const { state, exitCode, reason } = this.job;
    // A node out of reach says nothing of the job's end.
    const live = state === 'running' || state === 'unknown';
    return { state, exitCode, reason, endedAt: live ? undefined : (this.job.endedAt ?? new Date().toISOString()) };
  }

  private sendInit(): void {
    if (!this.ready) return;
    this.throttle.reset();
    this.throttle.notePost();
    this.post({
      type: 'init',
      job: this.job,
      history: this.history.points(),
      target: this.target,
      warnings: this.warnings,
      now: Date.now(),
      live: this.live || this.job.state !== 'running',
    });
  }

  private post(m: HostMessage): void {
    this.updateTitle();
    if (!this.ready) return;
    void this.panel.webview.postMessage(m);
    this.onExchange({ jobId: this.job.id, from: 'host', type: m.type, ...(m.type === 'batch' ? { batched: m.messages.map((x) => x.type) } : {}), points: pointsIn(m) });
  }

  private updateTitle(): void {
    const running = this.job.state === 'running';
    const pct = percentDone(this.lastBytes, this.target?.bytes, false);
    const what = running ? (pct === undefined ? 'running' : `${pct}%`) : (this.job.kind === 'readData' ? readDataVerdict(this.job) : undefined) ?? STATE_LABEL[this.job.state];
    this.panel.title = `${panelWord(this.job)} ${this.job.node} · ${what}`;
  }

  private onMessage(m: unknown): void {
    if (!isWebviewMessage(m)) {
      this.log.warn(`progress panel ${this.job.id}: ignored an unexpected message`);
      return;
    }
    this.onExchange({ jobId: this.job.id, from: 'page', type: m.type });
    void this.handle(m).catch((err: unknown) => {
      showError(this.log, `${panelWord(this.job)} ${this.job.id}`, err, this.job.node);
    });
  }

  private async handle(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        return this.sendInit();
      case 'cancel': {
        if (this.job.state !== 'running') return;
        if (this.job.kind === 'readData') return this.cancelReadData(this.job);
        const yes = `Cancel ${kindWord(this.job)}`;
        const choice = await vscode.window.showWarningMessage(`Cancel the ${this.job.kind} ${this.job.id} on ${this.job.node}?`, { modal: true, detail: cancelDetail(this.job.kind) }, yes);
        if (choice === yes) await this.deps.actions.cancel(this.job);
        return;
      }
      case 'openLog':
        // A read-data check's page shows no Open Log: it has no tar log on the node.
        if (this.job.kind === 'readData') return;
        return this.deps.actions.openLog(this.job);
      case 'revealArchive':
        if (this.job.kind === 'readData') return;
        return this.deps.actions.revealArchive(this.job);
      case 'validate':
        if (this.job.kind !== 'backup' || (this.job.state !== 'completed' && this.job.state !== 'completedWithWarnings')) return;
        return this.deps.actions.validate(this.job);
    }
  }

  private async cancelReadData(run: ReadDataRun): Promise<void> {
    const yes = 'Cancel Check';
    const choice = await vscode.window.showWarningMessage(
      `Cancel the read-data check of ${run.archive} on ${run.node}?`,
      { modal: true, detail: 'The window stops reading tar’s verdicts: no report is saved, and a slice run does not move its place.' },
      yes,
    );
    if (choice === yes) this.source?.cancel?.();
  }

  private unsubscribe(): void {
    for (const s of this.subs) s.dispose();
    this.subs = [];
    this.source = undefined;
  }

  dispose(): void {
    this.unsubscribe();
    this.throttle.dispose();
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
  }
}

/** The set of open progress panels, one per job id. */
export class ProgressPanels implements vscode.Disposable {
  private readonly panels = new Map<string, ProgressPanel>();
  private readonly exchanges = new vscode.EventEmitter<PanelExchange>();
  /** Every message a panel sends or receives: the extension-host tests watch the real traffic. */
  readonly onDidExchange = this.exchanges.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly deps: ProgressPanelsDeps,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Opens the job's panel, or reveals it (and connects it, if it was restored stale). */
  show(source: ProgressSource, options: { preserveFocus?: boolean } = {}): void {
    const job = source.job();
    let p = this.panels.get(jobKey(job));
    if (p) {
      p.panel.reveal(undefined, options.preserveFocus);
    } else {
      const panel = vscode.window.createWebviewPanel(
        PROGRESS_VIEW_TYPE,
        `${panelWord(job)} ${job.node}`,
        { viewColumn: vscode.ViewColumn.Active, preserveFocus: options.preserveFocus },
        { ...webviewOptions(this.extensionUri), ...PANEL_OPTIONS },
      );
      p = this.add(panel, job);
    }
    p.attach(source);
  }

  /** Connects an open panel to a source without revealing it (a job re-attached after a reload). */
  connect(source: ProgressSource): boolean {
    const p = this.panels.get(jobKey(source.job()));
    p?.attach(source);
    return !!p;
  }

  has(jobId: string): boolean {
    return this.panels.has(jobId);
  }

  /** A panel VS Code brings back after a reload, with what its page last saved. */
  async restore(panel: vscode.WebviewPanel, state: PersistedState): Promise<void> {
    if (this.panels.has(jobKey(state.job))) {
      // The job monitor opened it again before VS Code restored this one: keep one panel.
      panel.dispose();
      return;
    }
    const p = this.add(panel, state.job, state);
    if (state.job.state !== 'running' && state.job.state !== 'unknown') return;
    // A read-data check ran in the window that reloaded: nothing on the node to follow again.
    if (state.job.kind === 'readData') return;
    try {
      const source = await this.deps.reattach(state.job);
      if (source && this.panels.get(jobKey(state.job)) === p) p.attach(source);
    } catch (err) {
      this.log.warn(`[${state.job.node}] could not re-attach ${state.job.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private add(panel: vscode.WebviewPanel, job: PanelJob, persisted?: PersistedState): ProgressPanel {
    const p = new ProgressPanel(panel, job, this.deps, this.log, this.extensionUri, () => {
      if (this.panels.get(jobKey(job)) === p) this.panels.delete(jobKey(job));
    }, (e) => this.exchanges.fire(e), persisted);
    this.panels.set(jobKey(job), p);
    return p;
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.panel.dispose();
    this.panels.clear();
    this.exchanges.dispose();
  }
}
