// Preloaded (--require) by run-node-tests into every test file's process. A file whose tests
// are done but which keeps a handle open (an SSH session, a timer) would hold the whole suite
// until its time limit. node's --test-force-exit ends such a file at once, but can lose its last
// verdicts on their way to the runner; here the file is given a grace period after its last
// test (every verdict long written by then), then made to exit with the code it had, saying
// what held it. Only in a test file's process: the runner's own would report an empty run.
'use strict';
if (process.env.NODE_TEST_CONTEXT) {
  const { after } = require('node:test');
  const fs = require('node:fs');
  const grace = Number(process.env.GB_TEST_EXIT_GRACE_MS) || 30_000;
  after(() => {
    const t = setTimeout(() => {
      const held = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
      const line = `${process.argv[1]} was held open ${grace / 1000} s after its last test by ${held.join(', ') || 'nothing node names'}: made to exit`;
      process.stderr.write(`run-node-tests: ${line}\n`);
      if (process.env.GB_TEST_HELD) fs.appendFileSync(process.env.GB_TEST_HELD, `${line}\n`);
      process.exit();
    }, grace);
    t.unref();
  });
}
