// Trees that must survive a round trip through an archive (names with every awkward byte,
// links, modes, numeric owners, pinned mtimes, paths near gluster's length limit) and the
// manifest that says whether they did, computed inside the gluster container.
import { inGluster } from './testbed';

/** `sh -c AWKWARD_TREE name ROOT`: (re)creates the tree at ROOT. */
export const AWKWARD_TREE = String.raw`
set -e
root=$1
rm -rf "$root"; mkdir -p "$root"; cd "$root"
printf 'space\n' > 'with space.txt'
printf 'uni\n' > 'ünïcødé-日本語-😀.txt'
printf 'nl\n' > "$(printf 'new\nline.txt')"
printf 'q\n' > "it's \"quoted\".txt"
printf 'd\n' > '$(echo pwned) and ${'`'}id${'`'}.txt'
printf 'dash\n' > '-leading-dash.txt'
printf 'tab\n' > "$(printf 'tab\there.txt')"
printf 'back\n' > 'back\\slash.txt'
n100=$(printf 'a%.0s' $(seq 1 100)); printf '100\n' > "$n100"
n255=$(printf 'b%.0s' $(seq 1 255)); printf '255\n' > "$n255"
: > zero-bytes
mkdir empty-dir
mkdir -p 'dir with space/sub'
printf 'target\n' > 'dir with space/sub/target.txt'
ln -s 'dir with space/sub/target.txt' symlink-rel
ln -s /nonexistent/dangling symlink-dangling
ln 'dir with space/sub/target.txt' hardlink.txt
chmod 0640 'with space.txt'; chmod 0755 'dir with space'; chmod 0700 empty-dir
chown 1234:5678 'with space.txt'; chown -h 4321:8765 symlink-rel
touch -d @1700000000 zero-bytes 'with space.txt'
seg=$(printf 'c%.0s' $(seq 1 200))
# GlusterFS refuses a path of 4096 bytes or more from the volume root ("File name too long"),
# so the deepest path a volume can hold is just under 4 KiB: go as deep as it allows.
(i=0; while [ $i -lt 30 ] && mkdir "$seg$i" 2>/dev/null; do cd "$seg$i"; i=$((i+1)); done; printf 'deep\n' > deep.txt 2>/dev/null || printf 'deep\n' > d)
`;

/**
 * Everything about a tree that must survive a round trip, computed inside the container with
 * NUL separators (names with newlines stay intact). Content hashes use -execdir so that
 * paths longer than PATH_MAX still work.
 */
export function manifest(node: string, dir: string): string[] {
  const r = inGluster(node, [
    'sh',
    '-c',
    'cd "$1" && find . -mindepth 1 \\( -type f -printf "%y|%m|%U:%G|%s|%n|%T@|%P\\0" -execdir sha256sum {} \\; -printf "\\0" \\) -o -printf "%y|%m|%U:%G|%s|%l|%P\\0\\0"',
    'manifest',
    dir,
  ]);
  const parts = r.stdout.split('\0');
  const rows: string[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const [head, hashLine] = [parts[i], parts[i + 1]];
    const f = head.split('|');
    if (f[0] === 'f') {
      // mtime to whole seconds: tar's ustar/gnu headers keep seconds only.
      f[5] = String(Math.floor(Number(f[5])));
      rows.push(`${f.join('|')}|${hashLine.trim().split(/\s+/)[0].replace(/^\\/, '')}`);
    } else if (f[0] === 'd') {
      // A directory's size is filesystem-specific; its mode and name are what matters.
      rows.push(`d|${f[1]}|${f[2]}|${f.slice(5).join('|')}`);
    } else rows.push(head);
  }
  return rows.sort();
}

