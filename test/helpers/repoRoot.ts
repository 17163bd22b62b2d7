// The repository's root from a compiled test anywhere under out/: the first directory above
// that holds the project's package.json beside its src/core.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function repoRoot(from = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'package.json')) || !fs.existsSync(path.join(dir, 'src', 'core'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${from}`);
    dir = up;
  }
  return dir;
}
