// The size-over-time chart (uPlot, bundled). Canvas cannot read CSS variables, so the theme's
// colours are read from the page's computed style and the chart is rebuilt when they change.
import uPlot from 'uplot';
import type { ProgressPoint } from '../core/backup/progressMath';
import { formatAxisTime, formatBytes } from './format';

export interface ChartData {
  points: ProgressPoint[];
  target: number | undefined;
  /** Predicted finish (host ms), drawn as a dashed projection to the target. */
  finishAt: number | undefined;
}

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

/** `#rgb`, `#rrggbb` or `#rrggbbaa` with a new alpha; other notations get no fill. */
export function withAlpha(color: string, alpha: number): string {
  let hex = /^#([0-9a-f]{3,8})$/i.exec(color)?.[1];
  if (!hex) return 'transparent';
  if (hex.length <= 4) hex = [...hex].map((c) => c + c).join('');
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(hex!.slice(i, i + 2), 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

const HEIGHT = 260;

// Gridlines at round binary sizes (50 GiB, 100 GiB), not uPlot's decimal steps (93.1 GiB).
const BYTE_INCRS = [0, 1, 2, 3, 4, 5].flatMap((u) => [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500].map((m) => m * 1024 ** u));

const axisBytes = (v: number) => formatBytes(v).replace(/\.0+ /, ' ');

export class SizeChart {
  private plot: uPlot | undefined;
  private data: ChartData = { points: [], target: undefined, finishAt: undefined };
  private readonly resize = new ResizeObserver(() => this.plot?.setSize(this.size()));

  constructor(private readonly el: HTMLElement) {
    this.resize.observe(el);
  }

  update(data: ChartData): void {
    this.data = data;
    if (!this.plot) this.build();
    else this.plot.setData(this.aligned());
  }

  /** The theme changed: colours are baked into the canvas options, so start over. */
  retheme(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.build();
  }

  private size() {
    return { width: Math.max(200, this.el.clientWidth), height: HEIGHT };
  }

  private aligned(): uPlot.AlignedData {
    const { points, target, finishAt } = this.data;
    const xs = points.map((p) => p.t / 1000);
    const size: (number | null)[] = points.map((p) => p.bytes);
    const projection: (number | null)[] = points.map(() => null);
    const last = points[points.length - 1];
    if (last && finishAt !== undefined && target !== undefined && finishAt > last.t) {
      projection[projection.length - 1] = last.bytes;
      xs.push(finishAt / 1000);
      size.push(null);
      projection.push(target);
    }
    const targets = xs.map(() => target ?? null);
    return [xs, size, targets, projection];
  }

  private build(): void {
    const fg = cssVar('--chart-axis', '#888');
    const grid = cssVar('--chart-grid', 'rgba(128,128,128,0.2)');
    const sizeColor = cssVar('--chart-size', '#3794ff');
    const targetColor = cssVar('--chart-target', '#d18616');
    const projectionColor = cssVar('--chart-projection', '#b180d7');
    const font = `11px ${cssVar('--vscode-font-family', 'sans-serif')}`;
    const axis = { stroke: fg, font, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const bytes = (_u: uPlot, v: number | null) => (v == null ? '—' : formatBytes(v));
    const opts: uPlot.Options = {
      ...this.size(),
      cursor: { points: { size: 6 }, drag: { x: false, y: false } },
      // Labels only: live values would read "—" whenever the pointer is elsewhere.
      legend: { show: true, live: false },
      scales: {
        x: { time: true },
        y: { range: (_u, _min, max) => [0, Math.max(max, 1024) * 1.08] },
      },
      axes: [
        // 24-hour clock, like the rest of the panel (uPlot's default is am/pm).
        { ...axis, space: 70, values: (_u, splits) => splits.map((v) => formatAxisTime(v, (splits[splits.length - 1] ?? v) - (splits[0] ?? v) < 3600)) },
        { ...axis, size: 70, incrs: BYTE_INCRS, values: (_u, splits) => splits.map(axisBytes) },
      ],
      series: [
        {},
        { label: 'Archive', stroke: sizeColor, width: 2, fill: withAlpha(sizeColor, 0.15), points: { show: false }, value: bytes },
        { label: 'Target', stroke: targetColor, width: 1.5, dash: [6, 4], points: { show: false }, value: bytes },
        { label: 'Projection', stroke: projectionColor, width: 1.5, dash: [2, 4], spanGaps: true, points: { show: false }, value: bytes },
      ],
    };
    this.plot = new uPlot(opts, this.aligned(), this.el);
  }
}
