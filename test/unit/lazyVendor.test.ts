// Activation must not pay for ssh2 and dockerode (about 90 ms to evaluate) before a node is
// contacted: the shipped bundle loads dist/vendor.js only through src/core/lazyDeps.ts. Checked
// on the built bundles (`npm test` builds them first), since only the bundler decides this.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const REPO = path.resolve(__dirname, '..', '..', '..');
const dist = (f: string) => {
  const p = path.join(REPO, 'dist', f);
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: run \`npm run build\` before the unit tests`);
  return p;
};

test('loading the extension bundle loads neither dist/vendor.js nor ssh2 or dockerode', () => {
  const ext = dist('extension.js');
  const loaded: string[] = JSON.parse(
    execFileSync(process.execPath, ['-e', `require(${JSON.stringify(ext)}); console.log(JSON.stringify(Object.keys(require.cache)))`], {
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: path.join(REPO, 'bench', 'shim') },
    }),
  );
  assert.ok(loaded.includes(ext), 'the bundle itself was loaded');
  assert.deepEqual(loaded.filter((f) => /vendor\.js$|[\\/]node_modules[\\/](ssh2|dockerode|docker-modem)[\\/]/.test(f)), []);
});

test('neither the extension nor the CLI bundle carries ssh2 or dockerode code of its own', () => {
  // Marks of each package's code: ssh2's identification string and dockerode's create call.
  for (const f of ['extension.js', 'cli.js']) {
    const text = fs.readFileSync(dist(f), 'utf8');
    assert.equal(text.includes('ssh2js'), false, `${f} contains ssh2`);
    assert.equal(text.includes('/containers/create'), false, `${f} contains dockerode`);
  }
  const vendor = fs.readFileSync(dist('vendor.js'), 'utf8');
  assert.ok(vendor.includes('ssh2js') && vendor.includes('/containers/create'), 'the marks are found where the packages are');
});

test('dist/vendor.js gives what lazyDeps hands out: the ssh2 module and the dockerode constructor', () => {
  const out = execFileSync(
    process.execPath,
    ['-e', `const v = require(${JSON.stringify(dist('vendor.js'))}); console.log([typeof v.ssh2.Client, typeof v.ssh2.utils.parseKey, typeof v.dockerode, typeof new v.dockerode({ socketPath: '/nonexistent' }).getContainer].join(' '))`],
    { encoding: 'utf8' },
  );
  assert.equal(out.trim(), 'function function function function');
});
