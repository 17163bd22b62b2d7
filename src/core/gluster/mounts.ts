// Which gluster volume is behind a path of the container, from its mount table
// (/proc/self/mountinfo). The backup reads glusterPath, so that volume, and no other, decides
// whether a backup is complete. The table comes from the node: parsed with a bound, and a line
// that is not a mountinfo line is skipped, never guessed at.

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
}

export interface GlusterMount {
  /** Where the FUSE client is mounted (glusterPath or a directory above it). */
  mountPoint: string;
  /** `localhost` in `localhost:/gv0`. */
  server: string;
  volume: string;
  /** A subdirectory mount (`server:/gv0/sub`) names the directory of the volume it shows. */
  subdir?: string;
}

/** What is at a path: a gluster volume, or another filesystem (its type), or nothing known. */
export type PathMount = { kind: 'gluster'; mount: GlusterMount } | { kind: 'other'; fsType: string; mountPoint: string } | { kind: 'none' };

/** More lines than any container has mounts: a longer table is cut here, not read into memory. */
export const MAX_MOUNT_LINES = 10_000;
const MAX_LINE = 16 * 1024;

/** mountinfo writes space, tab, newline and backslash in paths as octal escapes. */
export function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8) & 0xff));
}

/**
 * `36 35 98:0 /root /mnt/gluster rw,relatime shared:1 - fuse.glusterfs localhost:/gv0 rw,...`:
 * the mount point is field 5, and after the ` - ` separator come the type and the source.
 */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  let start = 0;
  for (let n = 0; n < MAX_MOUNT_LINES && start < text.length; n++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, Math.min(end, start + MAX_LINE));
    start = end + 1;
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    if (pre.length < 6 || post.length < 2 || !pre[4] || !post[0]) continue;
    out.push({ mountPoint: unescapeMountinfo(pre[4]), fsType: unescapeMountinfo(post[0]), source: unescapeMountinfo(post[1]) });
  }
  return out;
}

/** `server:/volume[/subdir]`, as mount.glusterfs writes the source of a FUSE mount. */
export function parseGlusterSource(source: string): Omit<GlusterMount, 'mountPoint'> | undefined {
  const m = /^([^:/]+|\[[0-9a-fA-F:.]+\]):\/+([A-Za-z0-9_][A-Za-z0-9_-]*)(\/.*)?$/.exec(source);
  if (!m) return undefined;
  const subdir = m[3]?.replace(/\/+$/, '');
  return { server: m[1], volume: m[2], ...(subdir ? { subdir } : {}) };
}

function covers(mountPoint: string, p: string): boolean {
  if (mountPoint === '/') return true;
  return p === mountPoint || p.startsWith(mountPoint.endsWith('/') ? mountPoint : `${mountPoint}/`);
}

/**
 * The filesystem `path` lies on: the mount with the longest mount point above it (of several
 * at one point, the last: it hides the others).
 */
export function mountAt(entries: MountEntry[], path: string): PathMount {
  let best: MountEntry | undefined;
  for (const e of entries) if (covers(e.mountPoint, path) && (!best || e.mountPoint.length >= best.mountPoint.length)) best = e;
  if (!best) return { kind: 'none' };
  const src = best.fsType === 'fuse.glusterfs' ? parseGlusterSource(best.source) : undefined;
  if (src) return { kind: 'gluster', mount: { mountPoint: best.mountPoint, ...src } };
  return { kind: 'other', fsType: best.fsType, mountPoint: best.mountPoint };
}
