// How the panel writes numbers. Sizes get three significant digits (not the tree's rounding)
// because the size counter must visibly move between updates.
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '?';
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  if (u === 0) return `${Math.round(v)} B`;
  const digits = v < 10 ? 2 : v < 100 ? 1 : 0;
  return `${v.toFixed(digits)} ${UNITS[u]}`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Elapsed time as a running clock, h:mm:ss, which reads well while it ticks. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 3600)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

/**
 * Time left, rounded more coarsely the further away the end is: precision an estimate does not
 * have would only make the number twitch.
 */
export function formatRemaining(ms: number): string {
  const s = Math.max(0, ms / 1000);
  if (s < 60) return `${Math.max(5, Math.ceil(s / 5) * 5)} s`;
  if (s < 600) {
    const r = Math.round(s / 10) * 10;
    return `${Math.floor(r / 60)} min ${pad(r % 60)} s`;
  }
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${pad(m % 60)} min`;
}

/** Local HH:MM, and the date too when it is not today. */
export function formatClock(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (d.toDateString() === new Date(now).toDateString()) return hm;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
}

/** A time axis label: 24-hour local time, with seconds when the chart spans less than an hour. */
export function formatAxisTime(sec: number, withSeconds: boolean): string {
  const d = new Date(sec * 1000);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return withSeconds ? `${hm}:${pad(d.getSeconds())}` : hm;
}
