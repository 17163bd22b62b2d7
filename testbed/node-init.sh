#!/bin/bash
# Init of one simulated data node. testbed.sh starts it as
#   nsenter --net=/run/netns/<ns> unshare -m -u --propagation private tini -s -- node-init.sh NODE
# so it runs in the node's own network, mount and UTS namespaces. tini is a
# child subreaper: on this machine pid 1 does not reap orphans, and docker's
# shims are orphans by design.
#
# It gives the node its own /run (docker.sock, sshd privsep dir), /root (the
# .ssh of the node), /opt/datarobot (gluster data and backups) and
# /var/lib/docker, starts the node's dockerd and sshd as children, then idles.
#   SIGUSR1: start whichever of dockerd/sshd is not running (start-sshd etc.)
#   SIGTERM: stop both and exit, which ends the node's namespaces.
set -euo pipefail

NODE="$1"
: "${TESTBED_DIR:?}" "${TESTBED_DATA:?}"
DATA="$TESTBED_DATA/$NODE"

say() { echo "[node-init $NODE $(date +%H:%M:%S)] $*"; }

# The repo (and with it .testbed/) may live under /root or another path we are
# about to shadow. Bind it below the node's /run first; the recursive bind of
# /run below carries it along, so inside the node it is always /run/testbed.
mkdir -p "$DATA/run/testbed"
mount --bind "$TESTBED_DIR" "$DATA/run/testbed"
mount --rbind "$DATA/run" /run
mount --bind "$DATA/root" /root
mount --bind "$DATA/opt-datarobot" /opt/datarobot
# Shared, so that a filesystem mounted later below the backups directory (the small tmpfs
# of the disk-full tests) propagates into the gluster container's rslave bind of it.
mount --make-rshared /opt/datarobot
mount --bind "$DATA/docker" /var/lib/docker
hostname "$NODE"

S="/run/testbed/$NODE"
L="/run/testbed/logs"
echo $$ >"$S/init.pid"
echo "$PPID" >"$S/holder.pid"

alive() { [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_dockerd() {
  alive "$S/dockerd.pid" && return 0
  say "starting dockerd"
  # --cgroup-parent keeps the nodes' containers apart in the shared cgroup v1
  # tree; no iptables/bridge: the gluster container uses the node's network.
  setsid dockerd \
    --host unix:///var/run/docker.sock \
    --data-root /var/lib/docker \
    --exec-root /var/run/docker \
    --pidfile /var/run/docker.pid \
    --storage-driver overlay2 \
    --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --bridge=none \
    --cgroup-parent "/${TESTBED_PREFIX:-gbtb-}$NODE" \
    </dev/null >>"$L/$NODE-dockerd.log" 2>&1 &
  echo $! >"$S/dockerd.pid"
}

start_sshd() {
  alive "$S/sshd.pid" && return 0
  say "starting sshd"
  install -d -m 0755 /run/sshd
  setsid /usr/sbin/sshd -D -e -f "$S/sshd_config" </dev/null >>"$L/$NODE-sshd.log" 2>&1 &
  echo $! >"$S/sshd.pid"
}

stopping=0
stop_all() {
  stopping=1
  say "stopping"
  local f pid deadline
  for f in "$S/sshd.pid" "$S/dockerd.pid"; do
    alive "$f" && kill -TERM "$(cat "$f")" 2>/dev/null || true
  done
  # dockerd stops its containers and containerd before exiting; give it time.
  deadline=$(( SECONDS + 20 ))
  for f in "$S/sshd.pid" "$S/dockerd.pid"; do
    while alive "$f" && (( SECONDS < deadline )); do sleep 0.2; done
    if alive "$f"; then pid="$(cat "$f")"; say "pid $pid ignored SIGTERM; killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  done
}

trap 'start_dockerd; start_sshd' USR1
trap 'stop_all' TERM INT

start_dockerd
start_sshd
say "up (init $$, holder $PPID)"
while (( ! stopping )); do
  # Keep the sleeper's pid: a trap that runs during `wait` starts daemons and
  # thereby changes $!.
  sleep 1000000000 &
  sleeper=$!
  wait "$sleeper" || true
  kill "$sleeper" 2>/dev/null || true
done
say "exit"
