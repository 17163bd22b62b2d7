// What the page knows about its job, built only from host messages (no DOM), so the view is a
// plain function of it and the state saved for a reload is exactly what is shown.
import { ProgressTracker, type ProgressView } from '../core/backup/progressMath';
import type { JobState } from '../core/backup/types';
import type { HostMessage, PanelJob, PersistedState, TargetInfo, WarningsInfo } from './protocol';

export class ProgressModel {
  job: PanelJob | undefined;
  target: TargetInfo | undefined;
  warnings: WarningsInfo = { count: 0, last: [] };
  live = true;
  private tracker = new ProgressTracker();
  /** Our clock minus the host's, so times from the host compare with Date.now(). */
  private skewMs = 0;

  apply(m: HostMessage): void {
    switch (m.type) {
      case 'batch':
        for (const x of m.messages) this.apply(x);
        return;
      case 'init':
        this.job = m.job;
        this.target = m.target;
        this.warnings = m.warnings;
        this.live = m.live;
        this.skewMs = Date.now() - m.now;
        this.tracker = new ProgressTracker();
        this.tracker.target = m.target?.bytes;
        for (const p of m.history) this.tracker.push(p);
        return;
      case 'sample':
        this.tracker.push({ t: m.t, bytes: m.bytes });
        return;
      case 'target':
        this.target = { bytes: m.bytes, sourceBytes: m.sourceBytes, estimated: m.estimated };
        this.tracker.target = m.bytes;
        if (this.job?.kind === 'readData') this.job = { ...this.job, bytesTotal: m.bytes };
        return;
      case 'readData':
        if (this.job?.kind !== 'readData') return;
        this.job = { ...this.job, phase: m.phase, members: m.members, membersTotal: m.membersTotal };
        return;
      case 'warnings':
        this.warnings = { count: m.count, last: m.last };
        return;
      case 'state':
        if (!this.job) return;
        // Back to running after a look that did not get through: no end time stays behind.
        this.job = { ...this.job, state: m.state, exitCode: m.exitCode, reason: m.reason, endedAt: m.state === 'running' || m.state === 'unknown' ? undefined : (m.endedAt ?? this.job.endedAt) };
        if (m.state !== 'running') this.live = true;
        return;
    }
  }

  get state(): JobState {
    return this.job?.state ?? 'running';
  }

  /** Ended for good: 'unknown' is not, the job may still be running on an unreachable node. */
  get finished(): boolean {
    return this.state !== 'running' && this.state !== 'unknown';
  }

  view(): ProgressView {
    const v = this.tracker.view(this.state === 'completed' || this.state === 'completedWithWarnings');
    // Once not running (or not heard from), a rate or an ETA would be a guess about nothing.
    return this.state === 'running' && this.live ? v : { ...v, rate: undefined, finishAt: undefined };
  }

  points() {
    return this.tracker.series.points();
  }

  /** The host's clock now. */
  hostNow(): number {
    return Date.now() - this.skewMs;
  }

  toLocal(hostMs: number): number {
    return hostMs + this.skewMs;
  }

  persisted(): PersistedState | undefined {
    if (!this.job) return undefined;
    return { version: 1, job: this.job, history: this.points(), target: this.target, warnings: this.warnings };
  }
}
