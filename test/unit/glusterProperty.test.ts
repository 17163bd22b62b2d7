// Property tests for what gluster and the container's mount table print: the recorded outputs of
// a real cluster, mutated at random (bytes flipped, cut anywhere, lines duplicated, numbers
// rewritten). Every parser must return a result or throw its own typed error, never loop,
// never hand back more than its input could hold. Fixed seeds: the runs are the same each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { GlusterCliError, mountAt, parseHealSummary, parseMountinfo, parsePeerStatus, parsePoolList, parseVolumeInfo, parseVolumeStatus } from '../../src/core/gluster';
import { parseMountReach } from '../../src/core/node/containerActions';
import { SCENARIOS, samplesDir } from './helpers/samples';
import { applyMutation as apply, mutation } from './helpers/textMutation';

const SEED = 20261203;

/** Every recorded XML output, by the parser that reads it. */
function recorded(): { file: string; text: string; parse: (s: string) => unknown }[] {
  const parsers: [RegExp, (s: string) => unknown][] = [
    [/^vol-info\.xml/, (s) => parseVolumeInfo(s, 0)],
    [/^vol-status-.*\.xml/, (s) => parseVolumeStatus(s, 0)],
    [/^pool-list\.xml/, (s) => parsePoolList(s, 0)],
    [/^peer-status\.xml/, (s) => parsePeerStatus(s, 0)],
    [/^heal-(info|summary)-gvrep\.xml/, (s) => parseHealSummary(s, 0)],
  ];
  const out: { file: string; text: string; parse: (s: string) => unknown }[] = [];
  for (const sc of SCENARIOS) {
    for (const f of fs.readdirSync(path.join(samplesDir(), sc)).sort()) {
      const p = parsers.find(([re]) => re.test(f));
      if (!p) continue;
      const raw = fs.readFileSync(path.join(samplesDir(), sc, f), 'utf8');
      out.push({ file: `${sc}/${f}`, text: raw.replace(/\n?rc=\d+\s*$/, ''), parse: p[1] });
    }
  }
  return out;
}

test('gluster XML parsers: mutated real outputs give a result or a GlusterCliError, bounded by the input', () => {
  const samples = recorded();
  assert.ok(samples.length >= 20, `recorded outputs found: ${samples.length}`);
  fc.assert(
    fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (pick, ms) => {
      const s = samples[pick % samples.length];
      const text = ms.reduce(apply, s.text);
      let r: unknown;
      try {
        r = s.parse(text);
      } catch (e) {
        assert.ok(e instanceof GlusterCliError, `${s.file}: ${(e as Error)?.stack ?? e}`);
        return;
      }
      // Whatever came back fits in what was read: no entry is made from nothing.
      assert.ok(JSON.stringify(r).length <= 4 * text.length + 1024, `${s.file}: result larger than its input`);
    }),
    { seed: SEED, numRuns: 1500 },
  );
});

test('mount table: mutated real tables never throw and resolve every path to one answer', () => {
  const table = [
    '192 180 0:70 / / rw,relatime master:9 - overlay overlay rw,lowerdir=/a:/b',
    '186 192 0:74 / /mnt/gluster rw,relatime - fuse.glusterfs localhost:/gv0 rw,user_id=0',
    '188 192 0:76 / /mnt/gluster-rep rw,relatime - fuse.glusterfs localhost:/gvrep rw',
    '190 192 0:80 / /mnt/with\\040space rw - fuse.glusterfs node2:/gv0/sub rw',
  ].join('\n');
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), fc.constantFrom('/mnt/gluster', '/mnt/gluster-rep', '/mnt/with space/x', '/'), (ms, p) => {
      const text = ms.reduce(apply, table);
      const entries = parseMountinfo(text);
      assert.ok(entries.length <= text.split('\n').length);
      const at = mountAt(entries, p);
      assert.ok(['gluster', 'other', 'none'].includes(at.kind));
      if (at.kind === 'gluster') assert.match(at.mount.volume, /^[A-Za-z0-9_][A-Za-z0-9_-]*$/);
    }),
    { seed: SEED, numRuns: 2000 },
  );
});

test('mount reach (.meta connected flags): mutated text gives counts no larger than its lines', () => {
  const text = 'connected = 1\nconnected = 1\nconnected = 0\n';
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 5 }), (ms) => {
      const t = ms.reduce(apply, text);
      const r = parseMountReach(t);
      if (r) assert.ok(r.connected <= r.total && r.total <= t.split('\n').length);
    }),
    { seed: SEED, numRuns: 1000 },
  );
});
