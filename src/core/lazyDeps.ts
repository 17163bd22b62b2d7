// ssh2 and dockerode are loaded on first use, not when the extension activates: evaluating them
// costs about 90 ms (ssh2 signs and verifies with each key type at load to learn what the
// runtime supports), and activation must stay instant when no node is contacted yet. esbuild.mjs
// puts both into dist/vendor.js, which only these functions load.
import type DockerT from 'dockerode';
import type * as Ssh2 from 'ssh2';

export function ssh2(): typeof Ssh2 {
  return require('ssh2') as typeof Ssh2;
}

export function dockerode(): typeof DockerT {
  return require('dockerode') as typeof DockerT;
}
