# shellcheck shell=bash
# Shared settings and helpers for the Gluster Backup test bed. Sourced by
# build-image.sh and testbed.sh; never run on its own.

TESTBED_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$TESTBED_SRC/.." && pwd)"

# Runtime state (pids, logs, keys, config.json) lives in the repo so tests find
# it without configuration; .testbed/ is gitignored.
TESTBED_DIR="${TESTBED_DIR:-$REPO_ROOT/.testbed}"
# The bulky per-node trees (docker data-root with the ~300 MB image per node,
# bricks) stay OUT of the repo so editors, file watchers and packagers never
# walk them.
TESTBED_DATA="${TESTBED_DATA:-/var/lib/gluster-backup-testbed}"
TESTBED_CACHE="${TESTBED_CACHE:-/var/cache/gluster-backup-testbed}"

TESTBED_NODES="${TESTBED_NODES:-3}"
# A /24 that is only ever configured on our own bridge: nothing leaves the box.
TESTBED_SUBNET="${TESTBED_SUBNET:-10.213.51}"
TESTBED_BRIDGE="${TESTBED_BRIDGE:-gbtb0}"
# The light nodes' own network (testbed.sh light): never the real nodes' bridge, so bringing
# them up or down leaves the three GlusterFS nodes and their volumes alone.
TESTBED_LIGHT_SUBNET="${TESTBED_LIGHT_SUBNET:-10.213.53}"
TESTBED_LIGHT_BRIDGE="${TESTBED_LIGHT_BRIDGE:-gbtbl0}"
# Prefix keeps our netns/veth names from colliding with anything else named "node1".
TESTBED_PREFIX="${TESTBED_PREFIX:-gbtb-}"
# Two volumes, as operators run them: the distribute volume the backups are made of, and a
# replica 3 volume beside it (heal, replica-only gluster behaviour, a second volume in every
# listing). Both are mounted in every node's gluster container.
TESTBED_VOLUME="${TESTBED_VOLUME:-gv0}"
TESTBED_MOUNT="${TESTBED_MOUNT:-/mnt/gluster}"
TESTBED_REP_VOLUME="${TESTBED_REP_VOLUME:-gvrep}"
TESTBED_REP_MOUNT="${TESTBED_REP_MOUNT:-/mnt/gluster-rep}"
TESTBED_CONTAINER="gluster"

# Packages of the GlusterFS node image. Changing this list (or entrypoint.sh)
# changes the image hash and forces a rebuild.
TESTBED_PACKAGES="glusterfs-server,glusterfs-client,mount,procps,iproute2,tar,gzip,pigz,coreutils,findutils"
TESTBED_SUITE="bookworm"
TESTBED_VARIANT="essential"

log()  { printf '[testbed %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die()  { printf '[testbed %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

node_name()  { echo "node$1"; }
node_index() { local n="${1#node}"; [[ "$n" =~ ^[0-9]+$ ]] || die "bad node name '$1' (expected node1..node$TESTBED_NODES)"; echo "$n"; }
# Light nodes (testbed.sh light, light.sh) have their own /24 and bridge: lightNN is
# $TESTBED_LIGHT_SUBNET.(10+NN), so the nodes' shared helpers serve both kinds.
node_ip() {
  case "$1" in
    light[0-9]*) echo "$TESTBED_LIGHT_SUBNET.$((10 + 10#${1#light}))" ;;
    *) echo "$TESTBED_SUBNET.$((10 + $(node_index "$1")))" ;;
  esac
}
node_netns() { echo "${TESTBED_PREFIX}$1"; }
node_veth()  { echo "${TESTBED_PREFIX}$1"; }
node_data()  { echo "$TESTBED_DATA/$1"; }
node_state() { echo "$TESTBED_DIR/$1"; }
node_sock()  { echo "$(node_data "$1")/run/docker.sock"; }

# Reads a pid file and prints the pid only if that process is still alive and
# not a zombie, so callers never signal a recycled or dead pid.
live_pid() {
  local f="$1" pid state
  [[ -s "$f" ]] || return 1
  pid="$(tr -dc '0-9' <"$f")"
  [[ -n "$pid" ]] || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]] || return 1
  echo "$pid"
}

# Waits for a command to succeed; prints a clear message on timeout.
wait_for() {
  local limit="$1" what="$2"; shift 2
  local deadline=$(( SECONDS + limit )) err
  # The condition runs in the command substitution's subshell: one that dies there (an unset
  # variable under set -u) fails this poll and is named below. Run in this shell with stderr
  # on /dev/null, it ended the whole script, and the EXIT trap's report went to /dev/null too.
  until err="$("$@" 2>&1 >/dev/null)"; do
    if (( SECONDS >= deadline )); then
      log "timed out after $limit s waiting for: $what${err:+ (its last error: ${err##*$'\n'})}"
      return 1
    fi
    sleep 0.3
  done
}

image_hash() {
  {
    echo "suite=$TESTBED_SUITE variant=$TESTBED_VARIANT"
    tr ',' '\n' <<<"$TESTBED_PACKAGES" | sort -u
    cat "$TESTBED_SRC/entrypoint.sh"
  } | sha256sum | cut -c1-12
}

rootfs_hash() {
  {
    echo "suite=$TESTBED_SUITE variant=$TESTBED_VARIANT"
    tr ',' '\n' <<<"$TESTBED_PACKAGES" | sort -u
  } | sha256sum | cut -c1-12
}
