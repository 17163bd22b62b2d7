#!/bin/bash
# Entrypoint of the test bed's `gluster` container (baked into the image as
# /usr/local/sbin/gluster-testbed-entrypoint). It behaves like a real data
# node's gluster container: glusterd in the foreground, the volumes FUSE-mounted
# inside the container, and everything back by itself after `docker stop` +
# `docker start`.
#
# Env: GLUSTER_MOUNTS="vol:/path[,vol2:/path2]"  volumes to keep mounted
#      GLUSTER_MOUNT_RETRY=2                      seconds between mount checks
#      GLUSTERD_LOG_LEVEL=INFO
set -u

log() { echo "[entrypoint $(date +%H:%M:%S)] $*"; }

# `docker stop`/`docker start` keeps the container filesystem, and with it the
# brick pid files: glusterd then believes the bricks are still running and
# leaves them offline until `volume start VOL force`. Nothing of the previous
# run can be alive now, so every pid file here is stale.
rm -rf /var/run/gluster/vols
find /var/run/gluster /var/run -maxdepth 3 -name '*.pid' -type f -delete 2>/dev/null
mkdir -p /var/log/glusterfs /var/lib/glusterd /var/run/gluster

IFS=', ' read -r -a MOUNTS <<<"${GLUSTER_MOUNTS:-}"

unmount_all() {
  local spec
  for spec in "${MOUNTS[@]}"; do
    [[ -n "$spec" ]] || continue
    umount -l "${spec#*:}" 2>/dev/null
  done
}

# Mount as soon as the volume exists and is started, and re-mount whenever the
# FUSE client goes away; a real install's init does the same on every boot.
mount_loop() {
  trap 'exit 0' TERM
  local spec vol path info
  while :; do
    for spec in "${MOUNTS[@]}"; do
      [[ "$spec" == *:/* ]] || { log "ignoring bad GLUSTER_MOUNTS entry '$spec'"; continue; }
      vol="${spec%%:*}" path="${spec#*:}"
      mountpoint -q "$path" 2>/dev/null && continue
      # A dead FUSE client leaves the entry in the mount table (stat gives
      # ENOTCONN); it must be detached before mounting again.
      if grep -qs " $path fuse" /proc/self/mounts; then
        log "detaching dead mount $path"
        umount -l "$path" 2>/dev/null
      fi
      info="$(timeout 20 gluster --mode=script --timeout=15 volume info "$vol" 2>/dev/null)" || continue
      grep -q '^Status: Started' <<<"$info" || continue
      mkdir -p "$path"
      if timeout 60 mount -t glusterfs "localhost:/$vol" "$path"; then
        log "mounted $vol at $path"
      else
        log "mounting $vol at $path failed; retrying"
      fi
    done
    sleep "${GLUSTER_MOUNT_RETRY:-2}" & wait $!
  done
}

stopping=0
shutdown() {
  stopping=1
  log "stopping: unmounting volumes and stopping gluster processes"
  [[ -n "${MOUNT_PID:-}" ]] && kill -TERM "$MOUNT_PID" 2>/dev/null
  unmount_all
  # Every process of this container's pid namespace except docker-init and us:
  # glusterd, bricks (glusterfsd) and FUSE clients (glusterfs).
  kill -TERM -1 2>/dev/null
}
trap shutdown TERM INT

log "starting glusterd (mounts: ${GLUSTER_MOUNTS:-none})"
glusterd -N --log-level "${GLUSTERD_LOG_LEVEL:-INFO}" &
GLUSTERD_PID=$!

if (( ${#MOUNTS[@]} > 0 )); then
  mount_loop &
  MOUNT_PID=$!
fi

# `wait` returns early when a trapped signal arrives; keep waiting until
# glusterd itself is gone, then take the container down with it.
rc=0
while kill -0 "$GLUSTERD_PID" 2>/dev/null; do
  wait "$GLUSTERD_PID"; rc=$?
done
if (( stopping )); then
  rc=0
else
  log "glusterd exited with status $rc; stopping container"
  shutdown
fi
sleep 1
log "exit (glusterd status $rc)"
exit "$rc"
