// The long-lived gluster prompt the explorer's refreshes type at, against real GlusterFS in the
// test bed's containers: same answers as the one-shot CLI, every way it can fail ends in a clear
// error or a fallback, and no prompt outlives its use.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { Cluster } from '../../src/core/cluster';
import { healInfoArgv, parsePeerStatus, parsePoolList, parseVolumeInfo, parseVolumeStatus, poolListArgv, volumeInfoArgv, volumeStatusArgv } from '../../src/core/gluster';
import { GlusterShell, ShellCommandFailed, ShellUnavailable } from '../../src/core/gluster/glusterShell';
import { cliTimeoutS, glusterShellFor } from '../../src/core/gluster/volumeProbe';
import { inGluster, testbedSettings, waitFor } from './helpers/testbed';

/** gluster prompts running in a node's container (the one-shot CLI ends within a second). */
function prompts(node: string): number {
  const r = inGluster(node, ['sh', '-c', 'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline 2>/dev/null; echo; done | grep -c "^gluster --mode=script --xml --timeout=[0-9]* $" || true']);
  return Number(r.stdout.trim());
}

/** Until the prompts of clients closed just before have exited (they go once their stdin closes). */
function noPromptsLeft(node = 'node1'): Promise<unknown> {
  return waitFor(`the prompts of earlier clients on ${node} to exit`, 15_000, () => (prompts(node) === 0 ? true : undefined));
}

/**
 * A call at the prompt, asked again while glusterd says another transaction holds the volume's
 * lock (right after a peer reconnects it does, for a few seconds), as the product's caller does.
 */
async function ask(shell: GlusterShell, argv: string[]): Promise<string> {
  const end = Date.now() + 30_000;
  for (;;) {
    const xml = await shell.run(argv, 20_000);
    if (!/<opErrno>30802<\/opErrno>/.test(xml) || Date.now() > end) return xml;
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('gluster prompt (GlusterShell) on the test bed', () => {
  const settings = testbedSettings();
  const o = { timeoutS: cliTimeoutS(settings) };
  let cluster: Cluster;
  let docker: Docker;
  before(async () => {
    cluster = new Cluster(settings);
    docker = await cluster.connection('node1').docker();
  });
  after(() => cluster.dispose());

  test('answers volume info, volume status and pool list as the one-shot CLI does, from one process', async () => {
    // Counted while earlier clients' prompts are still going, the count would depend on timing.
    await noPromptsLeft();
    const shell = glusterShellFor(docker, settings);
    try {
      const before = prompts('node1');
      for (let round = 0; round < 3; round++) {
        const info = parseVolumeInfo(await ask(shell, volumeInfoArgv(undefined, o)), 0);
        const byHand = parseVolumeInfo(inGluster('node1', volumeInfoArgv(undefined, o)).stdout, 0);
        assert.deepEqual(info, byHand);
        assert.ok(info.some((v) => v.name === 'gv0'));
        const status = parseVolumeStatus(await ask(shell, volumeStatusArgv('gv0', false, o)), 0);
        assert.equal(status.bricks.length, 3);
        assert.ok(status.bricks.every((b) => b.online), JSON.stringify(status.bricks));
        const peers = parsePoolList(await ask(shell, poolListArgv(o)), 0);
        assert.equal(peers.length, 3);
      }
      assert.equal(prompts('node1'), before + 1, 'one prompt served every call');
    } finally {
      shell.close();
    }
    await waitFor('the closed prompt to exit', 10_000, () => (prompts('node1') === 0 ? true : undefined));
  });

  test('calls made at once are answered in order, each with its own document', async () => {
    const shell = glusterShellFor(docker, settings);
    try {
      const [a, b, c] = await Promise.all([
        shell.run(poolListArgv(o), 20_000),
        shell.run(volumeInfoArgv('gv0', o), 20_000),
        shell.run(volumeStatusArgv('gv0', false, o), 20_000),
      ]);
      assert.match(a, /<peerStatus>/);
      assert.match(b, /<volInfo>/);
      // (or glusterd's "another transaction is in progress", also a volume status answer)
      assert.match(c, /<volStatus>|<cliOp>volStatus<\/cliOp>/);
    } finally {
      shell.close();
    }
  });

  test('a gluster error comes back in the XML and the prompt stays usable', async () => {
    const shell = glusterShellFor(docker, settings);
    try {
      const xml = await shell.run(volumeStatusArgv('nosuchvolume', false, o), 20_000);
      assert.throws(() => parseVolumeStatus(xml, 0), /Volume nosuchvolume does not exist/);
      assert.match(await shell.run(poolListArgv(o), 20_000), /<peerStatus>/);
    } finally {
      shell.close();
    }
  });

  test('a prompt that ends fails that call as unavailable, and the next call starts a new one', async () => {
    // `head -n 1` stands in for a prompt that exits after one line (as gluster does after a
    // usage text): the call gets no XML, only the end.
    const shell = new GlusterShell(docker, { container: settings.containerName, program: 'head', globalArgs: ['-n', '1'] });
    try {
      await assert.rejects(shell.run(['head', '-n', '1', 'pool', 'list'], 20_000), (e: Error) => e instanceof ShellUnavailable && /ended/.test(e.message));
      // Not "closed": a fresh process was started for it, and ended the same way.
      await assert.rejects(shell.run(['head', '-n', '1', 'pool', 'list'], 20_000), (e: Error) => e instanceof ShellUnavailable && /ended/.test(e.message));
    } finally {
      shell.close();
    }
  });

  test('only the commands measured at the prompt go there: heal info, on any volume, never does', async () => {
    await noPromptsLeft();
    const shell = glusterShellFor(docker, settings);
    try {
      for (const argv of [volumeInfoArgv(undefined, o), volumeInfoArgv('gvrep', o), volumeStatusArgv('gvrep', false, o), volumeStatusArgv('gvrep', true, o), poolListArgv(o)]) {
        assert.equal(shell.accepts(argv), true, argv.join(' '));
      }
      for (const vol of ['gv0', 'gvrep']) {
        for (const summary of [false, true]) {
          const argv = healInfoArgv(vol, summary, o);
          assert.equal(shell.accepts(argv), false, argv.join(' '));
          await assert.rejects(shell.run(argv, 5_000), (e: Error) => e instanceof ShellUnavailable && /not for the prompt/.test(e.message));
        }
      }
      const head = poolListArgv(o).slice(0, -2);
      assert.equal(shell.accepts([...head, 'volume', 'bogusword']), false);
      assert.equal(prompts('node1'), 0, 'none of these started a prompt');
      // And on the replica volume the prompt answers every command it takes, like the one-shot CLI.
      const status = parseVolumeStatus(await ask(shell, volumeStatusArgv('gvrep', false, o)), 0);
      assert.deepEqual(status.bricks.map((b) => b.online), [true, true, true]);
      const detail = parseVolumeStatus(await ask(shell, volumeStatusArgv('gvrep', true, o)), 0);
      assert.deepEqual(detail.bricks.map((b) => b.online), [true, true, true]);
      const clients = await ask(shell, [...head, 'volume', 'status', 'gvrep', 'clients']);
      assert.match(clients, /<clientsStatus>|<clientCount>/);
      assert.equal(parseVolumeInfo(await ask(shell, volumeInfoArgv('gvrep', o)), 0)[0]?.type, 'Replicate');
      assert.equal(parsePeerStatus(await ask(shell, [...head, 'peer', 'status']), 0).length, 2);
    } finally {
      shell.close();
    }
  });

  test('words that are not plain (blanks, newlines, quotes) never reach the prompt', async () => {
    await noPromptsLeft();
    const shell = glusterShellFor(docker, settings);
    try {
      const head = poolListArgv(o).slice(0, -2);
      for (const bad of ['gv0\npeer detach x', 'gv 0', "gv0'", '$(id)']) {
        assert.equal(shell.accepts([...head, 'volume', 'status', bad]), false, JSON.stringify(bad));
        await assert.rejects(shell.run([...head, 'volume', 'status', bad], 5_000), ShellUnavailable);
      }
      assert.equal(prompts('node1'), 0, 'no prompt was even started');
    } finally {
      shell.close();
    }
  });

  // The failure paths with a real process in the real container standing in for the prompt:
  // glusterd cannot be made to hang or to answer on stderr on demand.
  test('no answer within the deadline fails the call with the command and the time, and a later call starts afresh', async () => {
    const shell = new GlusterShell(docker, { container: settings.containerName, program: 'cat', globalArgs: [] });
    try {
      await assert.rejects(shell.run(['cat', 'volume', 'info'], 600), /volume info did not answer within 1 s/);
      await assert.rejects(shell.run(['cat', 'pool', 'list'], 600), /did not answer/);
    } finally {
      shell.close();
    }
  });

  test('text on stderr instead of XML fails the call with that text', async () => {
    // `sh` reads the command line as a shell would and says on stderr that it has no such command.
    const shell = new GlusterShell(docker, { container: settings.containerName, program: 'sh', globalArgs: [] });
    try {
      await assert.rejects(shell.run(['sh', 'volume', 'info'], 5_000), (e: Error) => e instanceof ShellCommandFailed && /volume: not found/.test(e.message));
    } finally {
      shell.close();
    }
  });

  test('a character the prompt writes to stderr in two pieces is whole in the failure, not two replacement characters', async () => {
    // A stand-in that reads the command, then says on stderr, in two writes a moment apart (two
    // of docker's frames), a word whose character is cut between them.
    const script = "read -r l; printf 'caf\\303' >&2; sleep 0.05; printf '\\251: no such volume\\n' >&2; sleep 5";
    const shell = new GlusterShell(docker, { container: settings.containerName, program: 'sh', globalArgs: ['-c', script, 'stand-in'] });
    try {
      await assert.rejects(shell.run(['sh', '-c', script, 'stand-in', 'volume', 'info'], 5_000), (e: Error) => {
        assert.ok(e instanceof ShellCommandFailed, String(e));
        assert.equal(e.message, 'caf\u00e9: no such volume');
        return true;
      });
    } finally {
      shell.close();
    }
  });

  test('the explorer keeps one prompt per node across refreshes, and none after dispose', async () => {
    for (const n of ['node1', 'node2', 'node3']) await noPromptsLeft(n);
    const c = new Cluster(settings);
    try {
      for (let i = 0; i < 3; i++) {
        const all = await c.refreshAll();
        for (const s of all) {
          assert.ok(s.volumes.some((v) => v.name === 'gv0' && v.bricksOnline === 3), `${s.name}: ${s.glusterError}`);
          assert.ok(s.volumes.some((v) => v.name === 'gvrep' && v.bricksOnline === 3 && v.healEntries === 0), `${s.name}: ${JSON.stringify(s.volumes.find((v) => v.name === 'gvrep'))}`);
        }
      }
      for (const n of ['node1', 'node2', 'node3']) assert.equal(prompts(n), 1, n);
    } finally {
      c.dispose();
    }
    for (const n of ['node1', 'node2', 'node3']) {
      await waitFor(`the prompt on ${n} to exit after dispose`, 10_000, () => (prompts(n) === 0 ? true : undefined));
    }
  });

  test('with the container stopped the refresh says so, and after a start the volume is read again', async () => {
    const c = new Cluster(settings);
    try {
      const first = await c.refreshNode('node2');
      assert.ok(first.volumes.some((v) => v.name === 'gv0'), first.glusterError);
      await c.act('stop', ['node2']);
      const stopped = await c.refreshNode('node2');
      assert.equal(stopped.container?.state, 'exited');
      assert.deepEqual(stopped.volumes, []);
      await c.act('start', ['node2']);
      const back = await waitFor('node2 to show gv0 with every brick online again', 60_000, async () => {
        const s = await c.refreshNode('node2');
        return s.volumes.some((v) => v.name === 'gv0' && v.bricksOnline === 3) ? s : undefined;
      });
      assert.equal(back.glusterError, undefined);
    } finally {
      c.dispose();
    }
  });
});
