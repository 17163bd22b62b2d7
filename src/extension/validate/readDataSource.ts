// One Validate with Read Data run as the progress panel follows it. The run is this window's own
// (validateBackup streaming tar's verdicts over SSH), so the source holds its state and its
// AbortController: the panel's Cancel aborts the same signal the notification's did.
import * as vscode from 'vscode';
import { BoundedSeries, type ProgressPoint } from '../../core/backup/progressMath';
import type { JobState } from '../../core/backup/types';
import type { ReadDataProgress } from '../../core/validate/readData';
import type { ReadDataInfo, ReadDataRun } from '../../webview/protocol';
import type { ProgressSource, Subscription } from '../progress/progressSource';

export class ReadDataSource implements ProgressSource {
  private run: ReadDataRun;
  /** Bounded like the panel's own: a sample per member of a 100 000-member archive would not be. */
  private readonly samples = new BoundedSeries();
  private readonly sampleEv = new vscode.EventEmitter<ProgressPoint>();
  private readonly targetEv = new vscode.EventEmitter<number>();
  private readonly stateEv = new vscode.EventEmitter<{ state: JobState; exitCode?: number; reason?: string }>();
  private readonly infoEv = new vscode.EventEmitter<ReadDataInfo>();
  readonly controller = new AbortController();

  constructor(node: string, archive: string, subset: number | undefined, now = Date.now()) {
    const name = archive.slice(archive.lastIndexOf('/') + 1);
    this.run = {
      kind: 'readData',
      id: `read-data ${name}`,
      node,
      archive,
      state: 'running',
      startedAt: new Date(now).toISOString(),
      ...(subset !== undefined ? { subset } : {}),
      phase: 'finding the archive',
      members: 0,
      membersTotal: 0,
      bytesTotal: 0,
    };
  }

  job(): ReadDataRun {
    return this.run;
  }

  history(): ProgressPoint[] {
    return this.samples.points();
  }

  phase(phase: string): void {
    this.run = { ...this.run, phase };
    this.infoEv.fire({ phase, members: this.run.members, membersTotal: this.run.membersTotal });
  }

  progress(p: ReadDataProgress, now = Date.now()): void {
    if (p.bytesTotal !== this.run.bytesTotal) this.targetEv.fire(p.bytesTotal);
    this.run = { ...this.run, phase: 'reading data', members: p.members, membersTotal: p.membersTotal, bytesTotal: p.bytesTotal };
    const point = { t: now, bytes: p.bytes };
    this.samples.push(point);
    this.infoEv.fire({ phase: this.run.phase, members: p.members, membersTotal: p.membersTotal });
    this.sampleEv.fire(point);
  }

  /** The end: validate's exit code (0, 1, 2) with its verdict line, or why the run stopped. */
  end(state: JobState, reason: string, exitCode?: number, now = Date.now()): void {
    this.run = { ...this.run, state, reason, endedAt: new Date(now).toISOString(), ...(exitCode !== undefined ? { exitCode } : {}) };
    this.stateEv.fire({ state, exitCode, reason });
  }

  cancel(): void {
    this.controller.abort();
  }

  onSample(cb: (t: number, bytes: number) => void): Subscription {
    return this.sampleEv.event((p) => cb(p.t, p.bytes));
  }

  onTarget(cb: (bytes: number) => void): Subscription {
    return this.targetEv.event(cb);
  }

  onWarnings(): Subscription {
    return { dispose() {} };
  }

  onState(cb: (state: JobState, exitCode?: number, reason?: string) => void): Subscription {
    return this.stateEv.event((s) => cb(s.state, s.exitCode, s.reason));
  }

  onReadData(cb: (info: ReadDataInfo) => void): Subscription {
    return this.infoEv.event(cb);
  }

  dispose(): void {
    for (const e of [this.sampleEv, this.targetEv, this.stateEv, this.infoEv]) e.dispose();
  }
}
