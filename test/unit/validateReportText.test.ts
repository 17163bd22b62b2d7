// The validation report's text for the checksum and --read-data: a damaged archive says so first
// and names the member, a changed live file is listed by path with which side changed, and the
// one-line summary carries the same. The report comes from a real comparison of small tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EntryTable, compareArchive } from '../../src/core/archive';
import { reportLine, reportMarkdown } from '../../src/core/validate/reportText';
import type { ReadDataResult } from '../../src/core/validate/readData';
import type { ValidationResult } from '../../src/core/validate/validateBackup';

const A = '/b/datarobot-gluster-backup-2026-04-12.tar';

function result(over: Partial<ValidationResult>): ValidationResult {
  const table = EntryTable.from([{ key: 'a', type: 'file', size: 5, mtime: 1 }, { key: 'new\nline', type: 'file', size: 3, mtime: 1 }]);
  const fs = EntryTable.from([{ key: 'a', type: 'file', size: 5, mtime: 1 }, { key: 'new\nline', type: 'file', size: 3, mtime: 1 }]);
  return {
    node: 'node1',
    archive: A,
    archiveBytes: 10240,
    root: '/mnt/gluster',
    method: 'sftp-headers',
    report: compareArchive(table, fs),
    checksum: 'ok',
    cautions: [],
    startedAt: '2026-12-04T00:00:00.000Z',
    timings: { indexMs: 1, listMs: 1, totalMs: 2 },
    listingBytes: 10,
    listing: { from: 'mount', why: 'asked for' },
    ...over,
  };
}

const data = (over: Partial<ReadDataResult>): ReadDataResult => ({
  members: 2,
  from: 0,
  to: 2,
  checked: 2,
  bytesChecked: 8,
  verdict: 'ok',
  contentDiffers: { count: 0, items: [], omitted: 0 },
  changedCount: 0,
  goneCount: 0,
  cautions: [],
  ms: 5,
  ...over,
});

test('checksum states in the table and the one line', () => {
  assert.match(reportMarkdown(result({})), /\| Checksum \| sha256 of the archive matches its \.sha256 file \|/);
  assert.match(reportLine(result({})), /: complete; sha256 ok;/);
  assert.match(reportLine(result({ checksum: 'absent', checksumDetail: 'no checksum beside the archive' })), /no checksum beside the archive/);
  const bad = result({ checksum: 'mismatch', checksumDetail: `archive damaged: sha256 differs from ${A}.sha256` });
  const md = reportMarkdown(bad);
  // First thing after the title, the path as it is.
  assert.equal(md.split('\n')[2], `**ARCHIVE DAMAGED**: archive damaged: sha256 differs from ${A}.sha256.`);
  assert.match(reportLine(bad), new RegExp(`archive damaged: sha256 differs from ${A.replace(/[.]/g, '\\.')}\\.sha256`));
});

test('--read-data: a changed live file by path (escaped), a damaged member named', () => {
  const differs = result({ readData: data({ verdict: 'differs', contentDiffers: { count: 1, items: [{ path: 'new\nline' }], omitted: 0 } }) });
  const md = reportMarkdown(differs);
  assert.match(md, /## Data read/);
  assert.match(md, /- `new\\nline`/);
  assert.match(md, /the archive matches its checksum: the live files changed/);
  assert.match(reportLine(differs), /data: 1 of 2 members differ behind the same size and mtime/);
  const damaged = result({
    checksum: 'mismatch',
    checksumDetail: 'archive damaged: sha256 differs from x',
    readData: data({ verdict: 'damaged', damage: { message: 'archive damaged: sha256 differs from x; the data of member a is not what the archive held', member: { path: 'a' } }, contentDiffers: { count: 1, items: [{ path: 'a' }], omitted: 0 } }),
  });
  assert.match(reportMarkdown(damaged), /\*\*ARCHIVE DAMAGED: archive damaged: sha256 differs from x; the data of member a is not what the archive held; member `a`\.\*\*/);
  assert.match(reportLine(damaged), /data: damaged at its data, member a/);
  const subset = result({ readData: data({ from: 0, to: 1, checked: 1, subset: { percent: 50, run: 1, restarted: true, cycleComplete: false, stateFile: `${A}.read-data.json`, lockFile: `${A}.read-data.lock`, saved: true } }) });
  assert.match(reportMarkdown(subset), /Compared 1 of members 1 to 1 of 2 \(50% slice, run 1 of the cycle, started over\)/);
});

test('a link target and the job\'s reason, which a node gave, are shown escaped like the names around them', () => {
  const archive = EntryTable.from([{ key: 'l', type: 'symlink', size: 0, mtime: 1, linkKey: 'old\n- forged\x1b]0;x\x07' }]);
  const fs = EntryTable.from([{ key: 'l', type: 'symlink', size: 0, mtime: 1, linkKey: 'new' }]);
  const md = reportMarkdown(result({ report: compareArchive(archive, fs), job: { id: 'j', state: 'failed', exitCode: 2, reason: 'tar died\n## Forged\x1b[2J', lastWarnings: [] } }));
  assert.match(md, /^- `l`: link `old\\n- forged\\x1b\]0;x\\x07` → `new`$/m);
  assert.match(md, /^State: failed \(tar exit 2\): tar died\\n## Forged\\x1b\[2J\.$/m);
  assert.doesNotMatch(md, /[\x00-\x09\x0b-\x1f\x7f\u0080-\u009f]/);
});

test('the entry counts in the table: one of a kind in the singular, others in the plural', () => {
  const md = reportMarkdown(result({}));
  assert.match(md, /\| Archive entries \| 2: 2 files, 0 directories, 0 symlinks, 0 hard links \(8 B\) \|/);
  const table = EntryTable.from([
    { key: 'a', type: 'file', size: 5, mtime: 1 },
    { key: 'd', type: 'dir', size: 0, mtime: 1 },
    { key: 'l', type: 'symlink', size: 0, mtime: 1, linkKey: 'a' },
    { key: 'h', type: 'hardlink', size: 0, mtime: 1, linkKey: 'a' },
  ]);
  const fs = EntryTable.from([
    { key: 'a', type: 'file', size: 5, mtime: 1 },
    { key: 'd', type: 'dir', size: 0, mtime: 1 },
    { key: 'l', type: 'symlink', size: 0, mtime: 1, linkKey: 'a' },
  ]);
  const one = reportMarkdown(result({ report: compareArchive(table, fs) }));
  assert.match(one, /\| Archive entries \| 4: 1 file, 1 directory, 1 symlink, 1 hard link \(5 B\) \|/);
  assert.match(one, /\| Filesystem entries \| 3: 1 file, 1 directory, 1 symlink \(5 B\) \|/);
});
