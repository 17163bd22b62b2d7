// A streamed docker exec whose consumer is not ready yet (validate-backup lists the filesystem
// while the archive is still being indexed), on node1 over real SSH: output waits, bounded,
// and arrives whole and in order once the consumer is ready.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { Cluster } from '../../src/core/cluster';
import { execStreaming } from '../../src/core/docker/execStream';
import { execInContainer } from '../../src/core/docker/exec';
import { inGluster, testbedSettings, waitFor } from './helpers/testbed';

// 3 million lines of seq: 22,888,896 bytes, more than the 8 MiB held before the stream pauses.
const LINES = 3_000_000;
const BYTES = 22_888_896;

function seqRunning(): boolean {
  return inGluster('node1', ['sh', '-c', 'pgrep -x seq || true']).stdout.trim() !== '';
}

describe('execStreaming with its output held', () => {
  let cluster: Cluster;
  let docker: Docker;
  before(async () => {
    cluster = new Cluster(testbedSettings());
    docker = await cluster.connection('node1').docker();
  });
  after(() => cluster.dispose());

  test('the command blocks while its output is held, then every byte arrives in order', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const chunks: Buffer[] = [];
    const run = execStreaming(docker, 'gluster', ['seq', '1', String(LINES)], { idleMs: 30_000, onStdout: (b) => chunks.push(b), holdUntil: hold });
    // seq alone ends in well under a second; held, it must still be waiting on its pipe.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(chunks.length, 0, 'nothing is delivered before the consumer is ready');
    assert.ok(seqRunning(), 'seq is blocked on its pipe: the held output is bounded, not read into memory');
    release();
    const r = await run;
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdoutBytes, BYTES);
    const out = Buffer.concat(chunks);
    assert.equal(out.length, BYTES);
    const lines = out.toString('latin1').split('\n');
    assert.equal(lines[0], '1');
    assert.equal(lines[LINES - 1], String(LINES));
    assert.equal(lines[1_234_566], '1234567');
  });

  test('a command that ends while held still delivers all of its output', async () => {
    const chunks: Buffer[] = [];
    const hold = new Promise<void>((r) => setTimeout(r, 1500));
    const r = await execStreaming(docker, 'gluster', ['seq', '1', '1000'], { idleMs: 30_000, onStdout: (b) => chunks.push(b), holdUntil: hold });
    assert.equal(r.exitCode, 0);
    assert.equal(Buffer.concat(chunks).toString(), Array.from({ length: 1000 }, (_, i) => `${i + 1}\n`).join(''));
  });

  test('a character its stderr writes in two pieces comes back whole, not as two replacement characters', async () => {
    // Two writes a moment apart reach the client as two of docker's frames, the cut inside
    // the character (an odd file name in tar's or find's words).
    const r = await execStreaming(docker, 'gluster', ['sh', '-c', "printf 'find: ./caf\\303' >&2; sleep 0.3; printf '\\251: Permission denied\\n' >&2; exit 1"], { idleMs: 30_000, onStdout: () => undefined });
    assert.equal(r.exitCode, 1);
    assert.equal(r.stderr, 'find: ./caf\u00e9: Permission denied\n');
  });

  test('a consumer that fails stops the command with its error', async () => {
    let fail!: (e: Error) => void;
    const hold = new Promise<void>((_, reject) => (fail = reject));
    const delivered: Buffer[] = [];
    const run = execStreaming(docker, 'gluster', ['seq', '1', String(LINES)], { idleMs: 30_000, onStdout: (b) => delivered.push(b), holdUntil: hold });
    await waitFor('seq to start', 10_000, () => seqRunning() || undefined);
    fail(new Error('the archive index failed'));
    await assert.rejects(run, /the archive index failed/);
    assert.equal(delivered.length, 0);
    await waitFor('seq to end once its reader is gone', 15_000, () => !seqRunning() || undefined);
  });

  test('a command read whole that prints past its bound is stopped with a clear error, not read into memory', async () => {
    // 3 MB of "y" lines against a bound of 1 MiB; the same command under the bound is read whole.
    await assert.rejects(execInContainer(docker, 'gluster', ['sh', '-c', 'yes | head -c 3000000'], 20_000, 1024 * 1024), /yes \| head -c 3000000 in container gluster printed more than 1 MiB: stopped reading it/);
    const r = await execInContainer(docker, 'gluster', ['sh', '-c', 'yes | head -c 1000000'], 20_000, 1024 * 1024);
    assert.equal(r.stdout.length, 1_000_000);
  });

  test('an idle limit beyond what a timer holds (a sparse member of tens of TB) is a long wait, not an instant one', async () => {
    const chunks: Buffer[] = [];
    // Node fires a timer of more than 2^31-1 ms at once: the command was stopped before its first line.
    const r = await execStreaming(docker, 'gluster', ['sh', '-c', 'sleep 0.5; echo done'], { idleMs: 2 ** 40, onStdout: (b) => chunks.push(b) });
    assert.equal(r.exitCode, 0);
    assert.equal(Buffer.concat(chunks).toString(), 'done\n');
  });

  test('no idle timer outlives the call: output still queued when it is stopped or ends arms none', async () => {
    // A 15-minute idle timer armed by output that came after the call ended held a test file's
    // process open long after its tests (preflight's race stops the walk that lost). Timers of
    // this call's idle limit, a value nothing else here uses, are counted as they are set and
    // cleared; fired ones do not count (none does within this test).
    const IDLE = 987_654;
    const live = new Set<unknown>();
    const realSet = global.setTimeout;
    const realClear = global.clearTimeout;
    global.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...a: unknown[]) => {
      const t = realSet(fn, ms, ...a);
      if (ms === IDLE) live.add(t);
      return t;
    }) as typeof setTimeout;
    global.clearTimeout = ((t: NodeJS.Timeout | undefined) => {
      live.delete(t);
      realClear(t);
    }) as typeof clearTimeout;
    const settled = () => new Promise((r) => realSet(r, 200));
    try {
      // Stopped by its consumer in the middle of a flow of output, and by an abort.
      for (let i = 0; i < 5; i++) {
        await assert.rejects(
          execStreaming(docker, 'gluster', ['sh', '-c', 'yes | head -c 50000000'], {
            idleMs: IDLE,
            onStdout: () => {
              throw new Error('the consumer stops here');
            },
          }),
          /the consumer stops here/,
        );
        const stop = new AbortController();
        await assert.rejects(execStreaming(docker, 'gluster', ['sh', '-c', 'yes | head -c 50000000'], { idleMs: IDLE, onStdout: () => stop.abort(), signal: stop.signal }), /cancelled/);
        // Ended on its own, its last output and its end arriving together.
        const r = await execStreaming(docker, 'gluster', ['sh', '-c', 'head -c 300000 /dev/zero; head -c 5000 /dev/zero >&2'], { idleMs: IDLE, onStdout: () => undefined });
        assert.equal(r.stdoutBytes, 300_000);
        await settled();
      }
      assert.equal(live.size, 0, `${live.size} idle timer(s) left armed after their calls ended`);
    } finally {
      global.setTimeout = realSet;
      global.clearTimeout = realClear;
      for (const t of live) realClear(t as NodeJS.Timeout);
    }
  });
});
