// A cancel's first signal, tried again while its answer may mean "not tar yet" (a job of an
// older build whose status names tar's fork before it exec'd tar): the decision alone, with
// the answers a node gives pinned in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NOT_THIS_TAR, NOT_YET_TAR_PAUSE_MS, NOT_YET_TAR_RETRIES, signalUntilTar } from '../../src/core/backup/cancelSignal';

type Answer = { exitCode: number } | undefined;

/** The answers in order; what was asked and how many pauses came between. */
async function run(answers: Answer[]) {
  let asked = 0;
  let paused = 0;
  const got = await signalUntilTar(
    async () => {
      assert.ok(asked < answers.length, 'asked more often than the bound allows');
      return answers[asked++];
    },
    async () => {
      paused++;
    },
  );
  return { got, asked, paused };
}

const three = { exitCode: NOT_THIS_TAR };

test('signalled at once: no second look', async () => {
  assert.deepEqual(await run([{ exitCode: 0 }]), { got: { exitCode: 0 }, asked: 1, paused: 0 });
});

test('a pid that becomes tar on a later look is signalled then', async () => {
  assert.deepEqual(await run([three, three, { exitCode: 0 }]), { got: { exitCode: 0 }, asked: 3, paused: 2 });
});

test('still not this job\'s tar once the bound has passed: refused with exit 3, after a bounded window', async () => {
  const answers = Array.from({ length: NOT_YET_TAR_RETRIES + 1 }, () => three);
  assert.deepEqual(await run(answers), { got: three, asked: NOT_YET_TAR_RETRIES + 1, paused: NOT_YET_TAR_RETRIES });
  // About 1-2 s of waiting in all, never more.
  assert.ok(NOT_YET_TAR_RETRIES * NOT_YET_TAR_PAUSE_MS >= 1000 && NOT_YET_TAR_RETRIES * NOT_YET_TAR_PAUSE_MS <= 2000);
});

test('a status that names no tar any more (the job ended meanwhile) ends the retries with nothing signalled', async () => {
  assert.deepEqual(await run([three, undefined]), { got: undefined, asked: 2, paused: 1 });
});

test('no status naming tar on the first look: nothing to retry', async () => {
  assert.deepEqual(await run([undefined]), { got: undefined, asked: 1, paused: 0 });
});

test("another failure of the signal script (exit 4: no od) is not retried: it is not a question of time", async () => {
  assert.deepEqual(await run([{ exitCode: 4 }]), { got: { exitCode: 4 }, asked: 1, paused: 0 });
  assert.deepEqual(await run([three, { exitCode: 4 }]), { got: { exitCode: 4 }, asked: 2, paused: 1 });
});

test('an error of a look ends it, thrown as it came', async () => {
  let asked = 0;
  await assert.rejects(
    signalUntilTar(
      async () => {
        if (asked++ === 0) return three;
        throw new Error('docker exec failed');
      },
      async () => undefined,
    ),
    /^Error: docker exec failed$/,
  );
  assert.equal(asked, 2);
});
