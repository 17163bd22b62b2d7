// One build step for everything that ships: the extension host bundle, the CLI and the
// webview bundles. `vscode` stays external because the editor provides it at run time.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';

// The CLI's --version: package.json's version, and nothing else of that file, in the bundle.
const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

// dockerode loads gRPC and protobuf (about 1 MB) only for BuildKit image builds, which this
// extension never does: leave them out so activation parses half as much code.
const noBuildkit = {
  name: 'no-buildkit',
  setup(build) {
    build.onResolve({ filter: /^\.\/(session|buildkit)$/ }, (args) =>
      /[\\/]dockerode[\\/]lib$/.test(args.resolveDir) ? { path: args.path, namespace: 'no-buildkit' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'no-buildkit' }, () => ({
      contents: 'module.exports = function () { throw new Error("BuildKit is not bundled in gluster-backup"); };',
      loader: 'js',
    }));
  },
};

// The extension and the CLI reach ssh2 and dockerode only through src/core/lazyDeps.ts, on first
// use: both packages live in dist/vendor.js, so loading a bundle does not even parse them.
const vendorModules = ['ssh2', 'dockerode'];
const fromVendor = {
  name: 'from-vendor',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(${vendorModules.join('|')})$`) }, (args) => ({ path: args.path, namespace: 'from-vendor' }));
    build.onLoad({ filter: /.*/, namespace: 'from-vendor' }, (args) => ({
      contents: `module.exports = require('./vendor.js')[${JSON.stringify(args.path)}];`,
      loader: 'js',
    }));
    build.onResolve({ filter: /^\.\/vendor\.js$/, namespace: 'from-vendor' }, () => ({ path: './vendor.js', external: true }));
  },
};

const node = {
  plugins: [noBuildkit],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  // ssh2 optionally loads native crypto helpers; the pure-JS fallback is what we ship.
  external: ['vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node'],
  logLevel: 'warning',
};

// Webview pages run in VS Code's Chromium (Electron 25 in VS Code 1.82). Everything they load
// is bundled here, CSS included (next to the script), so the page's CSP can forbid any remote source.
const webview = {
  bundle: true,
  platform: 'browser',
  target: 'chrome114',
  format: 'iife',
  sourcemap: !production,
  minify: production,
  // The codicon font travels with the page's CSS (a file beside it, loaded under the CSP's font-src).
  loader: { '.ttf': 'file' },
  assetNames: '[name]',
  logLevel: 'warning',
};

const builds = [
  { ...node, plugins: [fromVendor], entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' },
  { ...node, plugins: [fromVendor], entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', define: { GB_VERSION: JSON.stringify(version) }, banner: { js: '#!/usr/bin/env node' } },
  { ...node, entryPoints: ['src/core/vendor.ts'], outfile: 'dist/vendor.js' },
  { ...webview, entryPoints: { progress: 'src/webview/main.ts' }, outdir: 'dist/webview' },
];

if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
