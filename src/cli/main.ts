// gluster-backup: the headless face of the same core the extension uses, for scripts, for
// terminals on a data node, and for the tests that prove each capability without an editor.
import { runCli } from './run';
import { errorLine } from './terminalText';

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  onInterrupt(handler) {
    // Only while a job is followed: elsewhere Ctrl-C ends the process as it always does.
    process.on('SIGINT', handler);
    return () => process.off('SIGINT', handler);
  },
})
  .then((code) => {
    process.exitCode = code;
  })
  .catch((e) => {
    process.stderr.write(errorLine(false, (e as Error).message));
    process.exitCode = 2;
  })
  .finally(() => {
    // Pooled SSH connections and event streams would keep the process alive otherwise.
    setTimeout(() => process.exit(), 50).unref();
  });
