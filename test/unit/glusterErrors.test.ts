// How failures surface. RECORDED_* are verbatim outputs of GlusterFS 10.3 (the testbed's
// rootfs, glusterd -N on one node) with their exit codes; failure() builds the same envelope
// for texts that could not be provoked on demand (lock contention).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GlusterCliError,
  GlusterMissing,
  glusterMissingFrom,
  checkCliResult,
  glusterErrorFromText,
  parseHealInfo,
  parsePeerStatus,
  parseVolumeInfo,
  parseVolumeStatus,
} from '../../src/core/gluster';
import { sample } from './helpers/samples';

function failure(errno: number, errstr: string): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cliOutput>
  <opRet>-1</opRet>
  <opErrno>${errno}</opErrno>
  <opErrstr>${errstr}</opErrstr>
</cliOutput>`;
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';
// `volume status gvs` on a created but not started volume: exit code 0 despite opRet -1.
const RECORDED_NOT_STARTED = `${XML_HEAD}
<cliOutput>
  <opRet>-1</opRet>
  <opErrno>30800</opErrno>
  <opErrstr>Volume gvs is not started</opErrstr>
  <cliOp>volStatus</cliOp>
  <output>Volume gvs is not started</output>
</cliOutput>`;
// `volume info nosuch` (exit code 0).
const RECORDED_INFO_MISSING = `${XML_HEAD}
<cliOutput>
  <opRet>-1</opRet>
  <opErrno>30806</opErrno>
  <opErrstr>Volume does not exist</opErrstr>
  <volInfo>
    <volumes>
      <count>0</count>
    </volumes>
  </volInfo>
</cliOutput>`;
// `volume heal nosuch info` (exit code 254).
const RECORDED_HEAL_MISSING = `${XML_HEAD}
<cliOutput>
  <healInfo>
    <bricks/>
  </healInfo>
  <opRet>-1</opRet>
  <opErrno>2</opErrno>
  <opErrstr>Volume nosuch does not exist</opErrstr>
</cliOutput>`;
// `peer status` on a node without peers (exit code 0).
const RECORDED_NO_PEERS = `${XML_HEAD}
<cliOutput>
  <opRet>0</opRet>
  <opErrno>0</opErrno>
  <opErrstr/>
  <peerStatus/>
</cliOutput>`;

function expectError(fn: () => unknown, kind: string, message: RegExp, retryable = false): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GlusterCliError, `not a GlusterCliError: ${String(e)}`);
    assert.equal(e.kind, kind);
    assert.match(e.message, message);
    assert.equal(e.retryable, retryable);
    return true;
  });
}

test('empty output says gluster printed nothing', () => {
  expectError(() => parseVolumeInfo(''), 'empty', /^gluster printed nothing$/);
  expectError(() => parsePeerStatus(' \n\t\n', 1), 'empty', /^gluster printed nothing \(exit code 1\)$/);
});

test('another transaction in progress is retryable', () => {
  const xml = failure(30800, 'Another transaction is in progress for gv0. Please try again after some time.');
  expectError(() => parseVolumeStatus(xml, 1), 'busy', /^Another transaction is in progress for gv0/, true);
  expectError(() => parseVolumeStatus(failure(30800, 'Locking failed on gluster-node2. Please check log file for details.')), 'busy', /Locking failed/, true);
});

test('volume not started and unknown volume keep gluster words, whatever the exit code', () => {
  expectError(() => parseVolumeStatus(RECORDED_NOT_STARTED, 0), 'notStarted', /^Volume gvs is not started$/);
  expectError(() => parseVolumeInfo(RECORDED_INFO_MISSING, 0), 'notFound', /^Volume does not exist$/);
  expectError(() => parseHealInfo(RECORDED_HEAL_MISSING, 254), 'notFound', /^Volume nosuch does not exist$/);
});

test('a node without peers answers an empty list', () => {
  assert.deepEqual(parsePeerStatus(RECORDED_NO_PEERS), []);
});

test('a failure without text still names opRet and opErrno', () => {
  expectError(() => parseVolumeInfo(failure(5, '')), 'failed', /opRet -1, opErrno 5/);
});

test('cut-off XML is malformed, not a partial result', () => {
  const full = sample('status-healthy', 'vol-status-gvrep.xml').stdout;
  expectError(() => parseVolumeStatus(full.slice(0, Math.floor(full.length / 2))), 'malformed', /incomplete XML/);
});

// Recorded: glusterd not running -> "Connection failed..." on stdout, exit 1; glusterd frozen
// (SIGSTOP) with --timeout=3 -> "Error : Request timed out" after 3 s, exit 1.
test('plain text instead of XML is classified by its words', () => {
  expectError(
    () => parsePeerStatus('Connection failed. Please check if gluster daemon is operational.\n', 1),
    'daemonDown',
    /^Connection failed/,
  );
  expectError(() => parsePeerStatus('Error : Request timed out\n', 1), 'timeout', /Request timed out/, true);
  expectError(() => parsePeerStatus('unrecognized option --bogus\n', 1), 'malformed', /no XML: unrecognized option --bogus/);
  expectError(() => parsePeerStatus('<html>nope</html>'), 'malformed', /no <cliOutput>/);
  assert.equal(glusterErrorFromText('', 2).message, 'gluster printed nothing (exit code 2)');
});

test('checkCliResult passes opRet 0 and throws otherwise', () => {
  checkCliResult(sample('status-healthy', 'peer-status.xml').stdout);
  expectError(() => checkCliResult(failure(30800, 'Another transaction is in progress for gvrep.')), 'busy', /gvrep/, true);
});

test('missing fields and lone elements: defaults instead of crashes', () => {
  const [vol] = parseVolumeInfo(`<cliOutput><opRet>0</opRet><volInfo><volumes><volume>
      <name>x</name><bricks><brick>h:/b</brick></bricks></volume></volumes></volInfo></cliOutput>`);
  assert.deepEqual(vol, {
    name: 'x',
    id: '',
    status: 'Unknown',
    type: 'Unknown',
    brickCount: 1,
    distCount: undefined,
    replicaCount: undefined,
    arbiterCount: undefined,
    disperseCount: undefined,
    redundancyCount: undefined,
    bricks: [{ name: 'h:/b', host: 'h', path: '/b', hostUuid: undefined, isArbiter: false }],
    options: {},
  });
  // Numeric status code only (older releases): 2 = Stopped.
  const [old] = parseVolumeInfo('<cliOutput><opRet>0</opRet><volInfo><volumes><volume><name>y</name><status>2</status></volume></volumes></volInfo></cliOutput>');
  assert.equal(old!.status, 'Stopped');
  assert.deepEqual(parseVolumeInfo('<cliOutput><opRet>0</opRet><volInfo><volumes><count>0</count></volumes></volInfo></cliOutput>'), []);
  expectError(() => parseVolumeStatus('<cliOutput><opRet>0</opRet><volStatus><volumes/></volStatus></cliOutput>'), 'malformed', /listed no volume/);
  expectError(() => parsePeerStatus('<cliOutput><peerStatus/></cliOutput>'), 'malformed', /no <opRet>/);
  // A brick whose pid/port gluster prints as N/A or -1.
  const s = parseVolumeStatus(`<cliOutput><opRet>0</opRet><volStatus><volumes><volume><volName>v</volName>
      <node><hostname>h</hostname><path>/b</path><status>0</status><port>N/A</port><pid>-1</pid></node>
      </volume></volumes></volStatus></cliOutput>`);
  assert.deepEqual(s.bricks.map((b) => [b.online, b.pid, b.port, b.peerId]), [[false, undefined, undefined, undefined]]);
});

test('a container that cannot run the gluster program: both the exit code and the runtime\'s words', () => {
  const oci = 'OCI runtime exec failed: exec failed: unable to start container process: exec: "gluster": executable file not found in $PATH: unknown';
  for (const code of [126, 127]) {
    const e = glusterMissingFrom(code, oci, 'gluster', 'gluster');
    assert.ok(e instanceof GlusterMissing, `exit ${code}`);
    assert.equal(e.message, `the gluster container cannot run gluster (executable file not found): it answers no gluster question; asked again once the container is restarted or replaced. docker said: ${oci}`);
  }
  assert.match(glusterMissingFrom(126, 'OCI runtime exec failed: exec failed: unable to start container process: exec: "gluster": permission denied: unknown', 'gluster', 'gl')?.message ?? '', /^the gl container cannot run gluster \(permission denied\)/);
  // gluster's own failures, and the words without the code, are not this.
  assert.equal(glusterMissingFrom(1, oci, 'gluster', 'gluster'), undefined);
  assert.equal(glusterMissingFrom(0, oci, 'gluster', 'gluster'), undefined);
  assert.equal(glusterMissingFrom(127, 'Connection failed. Please check if gluster daemon is operational.', 'gluster', 'gluster'), undefined);
  assert.equal(glusterMissingFrom(127, '', 'gluster', 'gluster'), undefined);
  // What a node prints is bounded in the message.
  const long = glusterMissingFrom(127, `${oci}${'x'.repeat(100_000)}\nmore`, 'gluster', 'gluster');
  assert.ok(long && long.message.length < 600, `message length ${long?.message.length}`);
});

test('a hostile exit-127 text is looked at line by line, in bounded time', { timeout: 10_000 }, () => {
  // Quadratic on the old whole-text regex: 12 s at 256 KiB, and the prompt's stderr had no cap.
  assert.equal(glusterMissingFrom(127, 'exec: '.repeat(64 * 1024), 'gluster', 'gluster'), undefined);
  const e = glusterMissingFrom(127, `${'noise '.repeat(5_000)}\nexec: "gluster": executable file not found in $PATH\n`, 'gluster', 'gluster');
  assert.ok(e instanceof GlusterMissing);
});
