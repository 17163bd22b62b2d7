// The volume behind a path of the gluster container, from its mount table. The lines below are
// the test bed's container's own /proc/self/mountinfo, as a node prints it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MOUNT_LINES, mountAt, parseGlusterSource, parseMountinfo } from '../../src/core/gluster/mounts';

const TABLE = [
  '192 180 0:70 / / rw,relatime master:9 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/ABC,upperdir=/x/diff,workdir=/x/work',
  '216 192 254:0 /var/lib/gluster-backup-testbed/node1/opt-datarobot/data/backups/gluster /opt/datarobot/data/backups/gluster rw,relatime master:5 - ext4 /dev/vda rw,discard',
  '186 192 0:74 / /mnt/gluster rw,relatime - fuse.glusterfs localhost:/gv0 rw,user_id=0,group_id=0,default_permissions,allow_other,max_read=131072',
  '188 192 0:76 / /mnt/gluster-rep rw,relatime - fuse.glusterfs localhost:/gvrep rw,user_id=0,group_id=0,default_permissions,allow_other,max_read=131072',
  '',
].join('\n');

test('each path lies on the mount with the longest mount point above it', () => {
  const t = parseMountinfo(TABLE);
  assert.equal(t.length, 4);
  assert.deepEqual(mountAt(t, '/mnt/gluster'), { kind: 'gluster', mount: { mountPoint: '/mnt/gluster', server: 'localhost', volume: 'gv0' } });
  assert.deepEqual(mountAt(t, '/mnt/gluster-rep'), { kind: 'gluster', mount: { mountPoint: '/mnt/gluster-rep', server: 'localhost', volume: 'gvrep' } });
  // A directory inside the volume is that volume; a sibling whose name only starts alike is not.
  assert.deepEqual(mountAt(t, '/mnt/gluster/projects/alpha'), { kind: 'gluster', mount: { mountPoint: '/mnt/gluster', server: 'localhost', volume: 'gv0' } });
  assert.deepEqual(mountAt(t, '/mnt/glusterfs'), { kind: 'other', fsType: 'overlay', mountPoint: '/' });
  assert.deepEqual(mountAt(t, '/opt/datarobot/data/backups/gluster/x'), { kind: 'other', fsType: 'ext4', mountPoint: '/opt/datarobot/data/backups/gluster' });
  assert.deepEqual(mountAt([], '/mnt/gluster'), { kind: 'none' });
});

test('an unmounted volume: the mount point is a directory of the container filesystem', () => {
  const t = parseMountinfo(TABLE.split('\n').filter((l) => !l.includes('localhost:/gv0')).join('\n'));
  assert.deepEqual(mountAt(t, '/mnt/gluster'), { kind: 'other', fsType: 'overlay', mountPoint: '/' });
});

test('the last mount at one point hides the ones before it', () => {
  const t = parseMountinfo(`${TABLE}300 186 0:90 / /mnt/gluster rw - tmpfs tmpfs rw\n`);
  assert.deepEqual(mountAt(t, '/mnt/gluster'), { kind: 'other', fsType: 'tmpfs', mountPoint: '/mnt/gluster' });
});

test('escaped mount points (space as \\040) and gluster sources: server, volume, subdirectory', () => {
  const t = parseMountinfo('190 192 0:80 / /mnt/with\\040space rw - fuse.glusterfs node2:/gv0/platform/data rw\n');
  assert.deepEqual(mountAt(t, '/mnt/with space'), { kind: 'gluster', mount: { mountPoint: '/mnt/with space', server: 'node2', volume: 'gv0', subdir: '/platform/data' } });
  assert.deepEqual(parseGlusterSource('[fd00::1]:/gvrep'), { server: '[fd00::1]', volume: 'gvrep' });
  assert.deepEqual(parseGlusterSource('10.0.0.1://gv0/'), { server: '10.0.0.1', volume: 'gv0' });
  for (const bad of ['gv0', 'localhost:gv0', ':/gv0', 'localhost:/-gv0', 'localhost:/', '']) assert.equal(parseGlusterSource(bad), undefined, bad);
});

test('lines that are not mountinfo lines are skipped, and the table is read to a bound', () => {
  const t = parseMountinfo(`garbage\n1 2 3 - x\n- - - - - - - -\n${TABLE}`);
  assert.equal(t.filter((e) => e.fsType === 'fuse.glusterfs').length, 2);
  const huge = '1 1 0:1 / /m rw - tmpfs tmpfs rw\n'.repeat(MAX_MOUNT_LINES + 50);
  assert.equal(parseMountinfo(huge).length, MAX_MOUNT_LINES);
});
