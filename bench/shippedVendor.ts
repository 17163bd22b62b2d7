// The benchmarks measure what ships: ssh2 and dockerode as bundled in dist/vendor.js, which
// runs without ssh2's optional native crypto helper that node_modules has built. (That
// difference once hid a 175 ms stall per round trip from every benchmark.) Imported first by
// each benchmark that talks to the nodes in-process; the backup benchmark runs dist/cli.js.
import * as path from 'node:path';
import Module = require('node:module');

const vendor = require(path.join(__dirname, '..', '..', 'dist', 'vendor.js')) as Record<string, unknown>;
const M = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const load = M._load;
M._load = function (this: unknown, request: string, ...rest: unknown[]) {
  return request === 'ssh2' || request === 'dockerode' ? vendor[request] : load.call(this, request, ...rest);
};
