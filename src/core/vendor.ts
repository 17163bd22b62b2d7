// Entry of dist/vendor.js: the packages that src/core/lazyDeps.ts loads on first use (see
// esbuild.mjs). Only the bundler uses this file.
export * as ssh2 from 'ssh2';
export { default as dockerode } from 'dockerode';
