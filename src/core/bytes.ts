// Byte counts for people, as the CLI, preflight and reports write them: binary units, one
// decimal. The tree (whole numbers past 10, to fit a row) and the progress panel (three
// significant digits, so the counter visibly moves) round on purpose in their own ways.
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function bytesText(n: number): string {
  let v = n;
  let k = 0;
  while (v >= 1024 && k < UNITS.length - 1) {
    v /= 1024;
    k++;
  }
  return k === 0 ? `${n} B` : `${v.toFixed(1)} ${UNITS[k]}`;
}
