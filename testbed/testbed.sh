#!/bin/bash
# Local multi-node GlusterFS test bed for Gluster Backup.
#
# Each node is a network namespace (own address on a private bridge) with its
# own mount namespace, dockerd, sshd and a real GlusterFS `gluster` container,
# laid out like a DataRobot data node (/var/run/docker.sock, /root/.ssh,
# /opt/datarobot/data/gluster, /opt/datarobot/data/backups/gluster).
#
# Usage: testbed.sh COMMAND [ARGS]
#   up                 create/repair the test bed (idempotent)
#   ensure             up only if status is not healthy (fast when already up)
#   down [--purge]     tear everything down (--purge also drops keys and logs)
#   status [-q]        health report; exit 0 only when fully healthy
#   env                shell exports for tests: eval "$(testbed/testbed.sh env)"
#   exec NODE [-- CMD...]   run CMD (default: bash) inside NODE's namespaces
#   ssh NODE [CMD...]  ssh to NODE with the test bed key and known_hosts
#   mem                resident memory per node
#   bastion-link       (re)make the private link node1 <-> node3 on the running bed (part of up)
#   light up N | light down | light status   N light nodes light01..lightNN beside the bed
#                      (sshd + dockerd + a busybox `gluster` container, no GlusterFS; own bridge
#                      and /24; config .testbed/config-light.json, known_hosts-light); light
#                      ssh NODE [CMD...]; light cut-link|restore-link|kill-sshd|start-sshd|
#                      stop-dockerd|start-dockerd|stop-gluster|pause-container|unpause-container NODE
#   Faults (each has its inverse):
#   cut-link NODE | restore-link NODE       veth down/up: packets vanish, no RST
#   kill-sshd NODE | start-sshd NODE        node's sshd and its sessions gone / back
#   stop-dockerd NODE | start-dockerd NODE  node's dockerd (and containers) gone / back
#   stop-gluster NODE | start-gluster NODE  docker stop/start gluster (as admins do)
#   pause-container NODE | unpause-container NODE   docker pause: a hung node
#   kill-brick NODE [VOL] | start-bricks [VOL]   brick process killed / volume start force
#   hang-brick NODE [VOL] | resume-brick NODE [VOL]   brick process stopped (SIGSTOP) / resumed
#   stop-volume VOL | start-volume VOL      gluster volume stop / start (and mounted again)
#   heal-off VOL | heal-on VOL              self-heal (daemon and clients) off / on, healed
#   small-dir NODE MB | remove-small-dir NODE   a MB-sized tmpfs at <backups>/small (disk full)
#   dr-volume | remove-dr-volume   volume gvdr, distributed-replicate 2 x (2 + 1 arbiter) over
#                      the three nodes, mounted on node1 at /mnt/gluster-dr
#   small-volume MB | remove-small-volume   volume gvsmall, one brick on an MB-sized tmpfs in
#                                           node1's container, mounted there at /mnt/gluster-small
#   million [N] | remove-million   volume gvmillion: N (1000000) small files, one brick on node1,
#                      mounted there at /mnt/gluster-million; kept until removed (or `down`)
#   million3 [N] | remove-million3   volume gvmillion3: the same tree distributed over a brick
#                      on each of node1-3, mounted on node1 at /mnt/gluster-million3
#
# Volumes: gv0 (distribute, every node, /mnt/gluster: the one backed up) and gvrep
# (replica 3 on node1-3, /mnt/gluster-rep), both mounted in every gluster container.
# Env: TESTBED_NODES (3), TESTBED_DIR (<repo>/.testbed), TESTBED_DATA
# (/var/lib/gluster-backup-testbed), TESTBED_CACHE (/var/cache/gluster-backup-testbed),
# TESTBED_KEEP_ON_FAIL=1 keeps a failed `up` for inspection.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=light.sh
source "$(dirname "${BASH_SOURCE[0]}")/light.sh"

LOGS="$TESTBED_DIR/logs"
KEYS="$TESTBED_DIR/keys"
CLIENT_KEY="$TESTBED_DIR/id_ed25519"
KNOWN_HOSTS="$TESTBED_DIR/known_hosts"
CONFIG_JSON="$TESTBED_DIR/config.json"
BASTION_JSON="$TESTBED_DIR/config-bastion.json"
GCLI=(gluster --mode=script --timeout=20)

need_root() { [[ $EUID -eq 0 ]] || die "the test bed needs root (network and mount namespaces)"; }

nodes() { local i; for (( i = 1; i <= TESTBED_NODES; i++ )); do echo "node$i"; done; }

# Nodes that exist right now, whatever TESTBED_NODES says: `down` must also
# clean a test bed that was brought up with another node count.
existing_nodes() {
  {
    local f
    for f in /run/netns/"${TESTBED_PREFIX}"node*; do [[ -e "$f" ]] && echo "${f##*/$TESTBED_PREFIX}"; done
    for f in "$TESTBED_DIR"/node*/ "$TESTBED_DATA"/node*/; do [[ -d "$f" ]] && basename "$f"; done
  } 2>/dev/null | grep -E '^node[0-9]+$' | sort -u -V || true
}

dk() { local n="$1"; shift; docker -H "unix://$(node_sock "$n")" "$@"; }
# Run in the container before `docker pause` (stop) and after `docker unpause` (cont). The
# cgroup v1 freezer cannot freeze a process waiting for an answer from a FUSE mount whose
# glusterfs, in the same container, froze first: with tar reading the mount, 10 of 30 pauses
# here failed "unable to freeze". So every process but the container's init and the gluster
# daemons is stopped first (it stops once its pending request is answered); a stopped process
# freezes at once. The end state is the one a pause gives: nothing in the container runs.
PAUSE_HELPER='
self=$$
# What the fault stopped, so that cont continues those alone (a tar a test stopped on purpose stays stopped).
list=/tmp/.testbed-paused-pids
# The fields of /proc/PID/stat after the command name, which may hold spaces and parentheses.
fields() { s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; echo "${s##*) }"; }
state() { f=$(fields "$1") || return 1; echo "${f%% *}"; }
parent() { f=$(fields "$1") || return 1; f=${f#* }; echo "${f%% *}"; }
if [ "$1" = cont ]; then
  for p in $(cat "$list" 2>/dev/null); do [ "$(state "$p")" = T ] && kill -CONT "$p" 2>/dev/null; done
  rm -f "$list"
  exit 0
fi
pids=
for d in /proc/[0-9]*; do
  p=${d#/proc/}
  [ "$p" = 1 ] || [ "$p" = "$self" ] || [ "$(parent "$p")" = "$self" ] && continue
  case $(cat "$d/comm" 2>/dev/null) in glusterd|glusterfsd|glusterfs|"") continue ;; esac
  [ "$(state "$p")" = T ] && continue
  pids="$pids $p"
done
echo "$pids" > "$list"
for p in $pids; do kill -STOP "$p" 2>/dev/null; done
i=0
while [ $i -lt 200 ]; do
  left=""
  for p in $pids; do s=$(state "$p") || continue; [ "$s" = T ] || [ "$s" = Z ] || left="$left $p"; done
  [ -z "$left" ] && exit 0
  i=$((i + 1)); sleep 0.05
done
echo "still running after 10 s:$left" >&2
for p in $pids; do kill -CONT "$p" 2>/dev/null; done
rm -f "$list"
exit 1
'
init_pid()    { live_pid "$(node_state "$1")/init.pid"; }
dockerd_pid() { live_pid "$(node_state "$1")/dockerd.pid"; }
sshd_pid()    { live_pid "$(node_state "$1")/sshd.pid"; }
dockerd_ok()  { [[ -S "$(node_sock "$1")" ]] && timeout 10 docker -H "unix://$(node_sock "$1")" version >/dev/null 2>&1; }
sshd_listening() { timeout 3 bash -c "exec 3<>/dev/tcp/$(node_ip "$1")/22" 2>/dev/null; }

in_node() {
  local n="$1" pid; shift
  pid="$(init_pid "$n")" || die "$n is not running (no live init pid); run: testbed.sh up"
  nsenter -t "$pid" -n -m -u -- "$@"
}

# gluster CLI in a node's container. "Another transaction is in progress" and
# friends are glusterd's way of saying "try again in a moment".
gl() {
  local n="$1"; shift
  local out rc
  for _ in $(seq 1 20); do
    rc=0
    out="$(timeout 40 docker -H "unix://$(node_sock "$n")" exec "$TESTBED_CONTAINER" "${GCLI[@]}" "$@" 2>&1)" || rc=$?
    if (( rc != 0 )) && grep -qiE 'another transaction|locking failed|is in progress|try again|not connected|Error : Request timed out' <<<"$out"; then
      sleep 1; continue
    fi
    printf '%s\n' "$out"
    return "$rc"
  done
  printf '%s\n' "$out"
  return "$rc"
}

# ---------------------------------------------------------------- keys/config

ensure_keys() {
  mkdir -p "$KEYS" "$LOGS"
  chmod 700 "$TESTBED_DIR" "$KEYS"
  [[ -s "$CLIENT_KEY" ]] || ssh-keygen -q -t ed25519 -N '' -C gluster-backup-testbed -f "$CLIENT_KEY"
  local n
  for n in $(nodes); do
    [[ -s "$KEYS/$n-host_ed25519" ]] || ssh-keygen -q -t ed25519 -N '' -C "$n" -f "$KEYS/$n-host_ed25519"
  done
}

write_client_files() {
  local n tmp="$KNOWN_HOSTS.tmp"
  : >"$tmp"
  for n in $(nodes); do
    # Port 22: OpenSSH and ssh2-based clients look up the plain host form.
    echo "$(node_ip "$n") $(cut -d' ' -f1-2 "$KEYS/$n-host_ed25519.pub")" >>"$tmp"
  done
  if has_bastion; then
    echo "$(behind_ip) $(cut -d' ' -f1-2 "$KEYS/$BEHIND_NODE-host_ed25519.pub")" >>"$tmp"
  fi
  mv -f "$tmp" "$KNOWN_HOSTS"
  write_bastion_config

  tmp="$CONFIG_JSON.tmp"
  {
    printf '{\n  "nodes": [\n'
    local first=1
    for n in $(nodes); do
      (( first )) || printf ',\n'
      first=0
      printf '    {"name": "%s", "host": "%s", "port": 22, "user": "root", "identityFile": "%s"}' \
        "$n" "$(node_ip "$n")" "$CLIENT_KEY"
    done
    printf '\n  ],\n  "knownHostsFile": "%s",\n  "glusterPath": "%s",\n  "containerName": "%s"\n}\n' \
      "$KNOWN_HOSTS" "$TESTBED_MOUNT" "$TESTBED_CONTAINER"
  } >"$tmp"
  mv -f "$tmp" "$CONFIG_JSON"
}

write_sshd_config() {
  local n="$1" ip more=""
  ip="$(node_ip "$n")"
  # The node behind the bastion also answers on its private link (an address that is not
  # there yet is skipped by sshd, which listens on the others).
  if has_bastion && [[ "$n" == "$BEHIND_NODE" ]]; then more="ListenAddress $(behind_ip)"; fi
  cat >"$(node_state "$n")/sshd_config" <<EOF
# sshd of test bed node $n (generated by testbed.sh)
Port 22
ListenAddress $ip
$more
HostKey /run/testbed/keys/$n-host_ed25519
PidFile /run/sshd.pid
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# What the extension needs: docker.sock over direct-streamlocal. With
# AllowTcpForwarding no, OpenSSH 9.2 refuses streamlocal too.
AllowStreamLocalForwarding yes
AllowTcpForwarding local
AllowAgentForwarding no
X11Forwarding no
PrintMotd no
LogLevel VERBOSE
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
}

# ---------------------------------------------------------------- network

net_up() {
  local clash
  clash="$(ip -o -4 addr show | awk -v s="$TESTBED_SUBNET." -v b="$TESTBED_BRIDGE" 'index($4, s) == 1 && $2 != b' || true)"
  [[ -z "$clash" ]] || die "another interface already uses $TESTBED_SUBNET.0/24: $clash (set TESTBED_SUBNET)"
  if ! ip link show "$TESTBED_BRIDGE" >/dev/null 2>&1; then
    ip link add "$TESTBED_BRIDGE" type bridge
  fi
  ip addr replace "$TESTBED_SUBNET.1/24" dev "$TESTBED_BRIDGE"
  ip link set "$TESTBED_BRIDGE" up
  # With br_netfilter loaded, node-to-node frames on our bridge traverse the
  # host's iptables FORWARD chain; a host running docker has policy DROP there.
  if [[ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)" == 1 ]] && command -v iptables >/dev/null \
     && ! iptables -C FORWARD -i "$TESTBED_BRIDGE" -o "$TESTBED_BRIDGE" -j ACCEPT 2>/dev/null; then
    iptables -I FORWARD -i "$TESTBED_BRIDGE" -o "$TESTBED_BRIDGE" -j ACCEPT \
      || log "warning: could not allow forwarding on $TESTBED_BRIDGE; nodes may not reach each other"
  fi
  local n ns veth
  for n in $(nodes); do
    ns="$(node_netns "$n")" veth="$(node_veth "$n")"
    [[ -e "/run/netns/$ns" ]] || ip netns add "$ns"
    if ! ip link show "$veth" >/dev/null 2>&1; then
      ip link add "$veth" type veth peer name eth0 netns "$ns"
    fi
    ip link set "$veth" master "$TESTBED_BRIDGE" up
    ip -n "$ns" addr replace "$(node_ip "$n")/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
  done
  # Before the nodes' sshd start, so node3's listens on the link's address from the start.
  bastion_link_up
}

# ---------------------------------------------------------------- bastion link

# node3 also answers at an address only node1 can reach: a veth pair between the two
# namespaces on a /30 of its own, and on the host an `unreachable` route for that /30, so
# nothing outside node1 gets there (the nodes behind a jump host of the bastion tests).
BASTION_NODE=node1
BEHIND_NODE=node3
BASTION_SUBNET="${TESTBED_BASTION_SUBNET:-10.213.52}"
BASTION_IF="${TESTBED_PREFIX}jump"
has_bastion() { (( TESTBED_NODES >= 3 )); }
bastion_ip() { echo "$BASTION_SUBNET.1"; }
behind_ip()  { echo "$BASTION_SUBNET.2"; }

bastion_link_up() {
  has_bastion || return 0
  local a b
  a="$(node_netns "$BASTION_NODE")" b="$(node_netns "$BEHIND_NODE")"
  [[ -e "/run/netns/$a" && -e "/run/netns/$b" ]] || die "$BASTION_NODE or $BEHIND_NODE does not exist (is the test bed up?)"
  # The pair lives and dies with the namespaces: one end present means both are.
  if ! ip -n "$a" link show "$BASTION_IF" >/dev/null 2>&1; then
    ip -n "$a" link add "$BASTION_IF" type veth peer name "$BASTION_IF" netns "$b"
  fi
  ip -n "$a" addr replace "$(bastion_ip)/30" dev "$BASTION_IF"
  ip -n "$b" addr replace "$(behind_ip)/30" dev "$BASTION_IF"
  ip -n "$a" link set "$BASTION_IF" up
  ip -n "$b" link set "$BASTION_IF" up
  ip route replace unreachable "$BASTION_SUBNET.0/30"
}

bastion_reachable() { in_node "$BASTION_NODE" timeout 3 bash -c "exec 3<>/dev/tcp/$(behind_ip)/22"; }

write_bastion_config() {
  has_bastion || { rm -f "$BASTION_JSON"; return 0; }
  local tmp="$BASTION_JSON.tmp" n first=1
  # Its own (empty) ssh config: what the runner's ~/.ssh/config says must not change the tests.
  [[ -s "$TESTBED_DIR/ssh_config" ]] || echo '# the test bed ssh config: the tests write their own Host entries elsewhere' >"$TESTBED_DIR/ssh_config"
  {
    printf '{\n  "nodes": [\n'
    for n in $(nodes); do
      (( first )) || printf ',\n'
      first=0
      if [[ "$n" == "$BEHIND_NODE" ]]; then
        printf '    {"name": "%s", "host": "%s", "user": "root", "identityFile": "%s", "proxyJump": "root@%s"}' \
          "$n" "$(behind_ip)" "$CLIENT_KEY" "$(node_ip "$BASTION_NODE")"
      else
        printf '    {"name": "%s", "host": "%s", "port": 22, "user": "root", "identityFile": "%s"}' "$n" "$(node_ip "$n")" "$CLIENT_KEY"
      fi
    done
    printf '\n  ],\n  "knownHostsFile": "%s",\n  "sshConfigFile": "%s",\n  "glusterPath": "%s",\n  "containerName": "%s"\n}\n' \
      "$KNOWN_HOSTS" "$TESTBED_DIR/ssh_config" "$TESTBED_MOUNT" "$TESTBED_CONTAINER"
  } >"$tmp"
  mv -f "$tmp" "$BASTION_JSON"
}

# On a running bed: the link, node3's sshd listening on it (SIGHUP: sshd re-executes itself
# with the new config, same pid, open sessions untouched), known_hosts and the config file.
cmd_bastion_link() {
  need_root
  has_bastion || die "the bastion link needs node3 (TESTBED_NODES=$TESTBED_NODES)"
  bastion_link_up
  write_sshd_config "$BEHIND_NODE"
  local pid
  if ! bastion_reachable >/dev/null 2>&1; then
    pid="$(sshd_pid "$BEHIND_NODE")" || die "$BEHIND_NODE's sshd is not running (testbed.sh start-sshd $BEHIND_NODE)"
    kill -HUP "$pid"
    wait_for 20 "$BEHIND_NODE's sshd to listen on $(behind_ip) (log: $LOGS/$BEHIND_NODE-sshd.log)" bastion_reachable || die "no sshd at $(behind_ip) from $BASTION_NODE"
  fi
  write_client_files
  log "$BEHIND_NODE answers at $(behind_ip) through $BASTION_NODE only; config $BASTION_JSON"
}

# ---------------------------------------------------------------- nodes

prepare_node_dirs() {
  local n="$1" d s
  d="$(node_data "$n")" s="$(node_state "$n")"
  mkdir -p "$s" "$d/run/testbed" "$d/docker" \
    "$d/opt-datarobot/data/gluster/glusterd" "$d/opt-datarobot/data/gluster/bricks" \
    "$d/opt-datarobot/data/gluster/logs" "$d/opt-datarobot/data/backups/gluster"
  install -d -m 0700 "$d/root" "$d/root/.ssh"
  install -m 0600 "$CLIENT_KEY.pub" "$d/root/.ssh/authorized_keys"
  write_sshd_config "$n"
}

# Mount points for the node's private bind mounts; created on the host only if
# missing, and remembered so `down` removes exactly what we added.
ensure_host_mountpoints() {
  local p
  for p in /opt/datarobot /var/lib/docker; do
    if [[ ! -d "$p" ]]; then
      mkdir -p "$p"
      echo "$p" >>"$TESTBED_DIR/created-host-dirs"
    fi
  done
}

start_node() {
  local n="$1" pid s
  s="$(node_state "$n")"
  if pid="$(init_pid "$n")"; then
    # Node already running: bring back a daemon a test may have stopped.
    if ! dockerd_pid "$n" >/dev/null || ! sshd_pid "$n" >/dev/null; then
      log "$n: restarting missing dockerd/sshd"
      kill -USR1 "$pid"
    fi
    return 0
  fi
  log "$n: starting namespaces, dockerd and sshd ($(node_ip "$n"))"
  rm -f "$s"/*.pid
  prepare_node_dirs "$n"
  # Run a private copy: bash reads scripts lazily, so editing the repo's
  # node-init.sh under a running node would feed it garbage.
  install -m 0755 "$TESTBED_SRC/node-init.sh" "$s/node-init.sh"
  # nsenter/unshare, not `ip netns exec`: the latter remounts /sys, hiding
  # the cgroup v1 hierarchies dockerd needs ("Devices cgroup isn't mounted").
  TESTBED_DIR="$TESTBED_DIR" TESTBED_DATA="$TESTBED_DATA" TESTBED_PREFIX="$TESTBED_PREFIX" \
    setsid nsenter --net="/run/netns/$(node_netns "$n")" \
    unshare -m -u --propagation private \
    tini -s -- bash "$s/node-init.sh" "$n" \
    </dev/null >>"$LOGS/$n-init.log" 2>&1 8>&- &
}

wait_node_daemons() {
  local n="$1"
  wait_for 20 "$n init to start (log: $LOGS/$n-init.log)" init_pid "$n" || return 1
  wait_for 60 "$n dockerd to answer on $(node_sock "$n") (log: $LOGS/$n-dockerd.log)" dockerd_ok "$n" || return 1
  wait_for 20 "$n sshd to listen on $(node_ip "$n"):22 (log: $LOGS/$n-sshd.log)" sshd_listening "$n" || return 1
}

# ---------------------------------------------------------------- gluster

container_state() { dk "$1" inspect -f '{{.State.Status}} {{.Config.Image}}' "$TESTBED_CONTAINER" 2>/dev/null || true; }

ensure_container() {
  local n="$1" tag="$2" state img i
  read -r state img <<<"$(container_state "$n")" || true
  if [[ -n "${state:-}" && "$img" != "$tag" ]]; then
    log "$n: gluster container runs $img, recreating with $tag (brick data is kept)"
    dk "$n" rm -f "$TESTBED_CONTAINER" >/dev/null
    state=""
  fi
  case "${state:-}" in
    running) return 0 ;;
    paused) log "$n: unpausing gluster"; dk "$n" unpause "$TESTBED_CONTAINER" >/dev/null; return 0 ;;
    "") ;;
    *) log "$n: starting stopped gluster container ($state)"; dk "$n" start "$TESTBED_CONTAINER" >/dev/null; return 0 ;;
  esac
  local hosts=() m
  for m in $(nodes); do hosts+=(--add-host "gluster-$m:$(node_ip "$m")" --add-host "$m:$(node_ip "$m")"); done
  log "$n: creating gluster container"
  # --privileged fails on this kernel (bounding set lacks CAP_SYS_RESOURCE);
  # these options grant what glusterd, bricks and FUSE need.
  dk "$n" run -d --name "$TESTBED_CONTAINER" --hostname "gluster-$n" \
    --network host --init --restart no \
    --cap-add ALL --cap-drop SYS_RESOURCE --device /dev/fuse \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    -v /opt/datarobot/data/gluster/glusterd:/var/lib/glusterd \
    -v /opt/datarobot/data/gluster/bricks:/bricks \
    -v /opt/datarobot/data/gluster/logs:/var/log/glusterfs \
    --mount type=bind,src=/opt/datarobot/data/backups/gluster,dst=/opt/datarobot/data/backups/gluster,bind-propagation=rslave \
    -e "GLUSTER_MOUNTS=$(gluster_mounts)" \
    --label gluster-backup-testbed=1 \
    "${hosts[@]}" "$tag" >/dev/null
}

glusterd_ok() { timeout 15 docker -H "unix://$(node_sock "$1")" exec "$TESTBED_CONTAINER" gluster --mode=script --timeout=5 pool list >/dev/null 2>&1; }

connected_peers() {
  timeout 15 docker -H "unix://$(node_sock "$1")" exec "$TESTBED_CONTAINER" gluster --mode=script --timeout=5 pool list 2>/dev/null \
    | awk 'NR > 1 && $NF == "Connected"' | wc -l
}
all_peers_connected() {
  local n
  for n in $(nodes); do [[ "$(connected_peers "$n")" -eq "$TESTBED_NODES" ]] || return 1; done
}

# ---------------------------------------------------------------- volumes

# The replica volume needs two nodes at least; its bricks are on the first three.
rep_bricks() { (( TESTBED_NODES >= 3 )) && echo 3 || echo "$TESTBED_NODES"; }
volumes() {
  echo "$TESTBED_VOLUME"
  (( $(rep_bricks) >= 2 )) && echo "$TESTBED_REP_VOLUME"
  return 0
}
mount_of() {
  case "$1" in
    "$TESTBED_VOLUME") echo "$TESTBED_MOUNT" ;;
    "$TESTBED_REP_VOLUME") echo "$TESTBED_REP_MOUNT" ;;
    *) die "unknown volume '$1' (the test bed has: $(volumes | tr '\n' ' '))" ;;
  esac
}
brick_count() { [[ "$1" == "$TESTBED_REP_VOLUME" ]] && rep_bricks || echo "$TESTBED_NODES"; }
gluster_mounts() { local v sep=""; for v in $(volumes); do printf '%s%s:%s' "$sep" "$v" "$(mount_of "$v")"; sep=","; done; }
# (No `volumes | grep -q`: under pipefail grep's early exit fails the pipeline with SIGPIPE.)
has_volume() { local v; for v in $(volumes); do [[ "$v" == "$1" ]] && return 0; done; return 1; }
volume_arg() {
  local v="${1:-$TESTBED_VOLUME}"
  has_volume "$v" || die "unknown volume '$v' (the test bed has: $(volumes | tr '\n' ' '))"
  echo "$v"
}

# Online bricks of VOL from `volume status --xml` as NODE's glusterd sees it
# (default node1; a stopped node's bricks vanish from it, a dead brick has
# <status>0</status>).
online_bricks() {
  timeout 30 docker -H "unix://$(node_sock "${2:-node1}")" exec "$TESTBED_CONTAINER" \
    gluster --mode=script --timeout=20 volume status "$1" --xml 2>/dev/null \
    | tr -d '\n' | grep -o '<node>.*</node>' | sed 's,</node>,\n,g' \
    | grep '<path>/' | grep -c '<status>1</status>' || true
}
# Every node's glusterd must see every brick online: after a link comes back, one
# node's glusterd can still hold a remote brick as offline while another already
# has it (seen in a CI rehearsal: node1 3/3, node2 2/3), and the explorer shows
# each node's own view.
bricks_online() {
  local n
  for n in $(nodes); do [[ "$(online_bricks "$1" "$n")" -eq "$(brick_count "$1")" ]] || return 1; done
}
all_bricks_online() { local v; for v in $(volumes); do bricks_online "$v" || return 1; done; }

# Bricks online is not enough after a restart: the FUSE clients reconnect a
# few seconds later, and until then their mounts silently miss that brick's
# files. Each mount's own client says which bricks it reaches: one
# `<vol>-client-N` translator per brick in its .meta view, `connected = 1`.
# Prints "connected total" for MOUNT in NODE's container ("0 0" when unreadable).
mount_reach() {
  timeout 10 docker -H "unix://$(node_sock "$1")" exec "$TESTBED_CONTAINER" sh -c \
    'c=0; t=0; for f in "$1"/.meta/graphs/active/*-client-*/private; do [ -r "$f" ] || continue; t=$((t+1)); grep -q "^connected = 1" "$f" && c=$((c+1)); done; echo "$c $t"' \
    testbed "$2" 2>/dev/null || echo "0 0"
}
mount_connected() {
  local c t want
  want="$(brick_count "$2")"
  read -r c t <<<"$(mount_reach "$1" "$(mount_of "$2")")"
  [[ "$c" -eq "$want" && "$t" -eq "$want" ]]
}
# Every brick of every volume online, and every node's mount of it reaching each brick.
all_clients_connected() {
  local v n
  for v in $(volumes); do
    bricks_online "$v" || return 1
    for n in $(nodes); do mount_connected "$n" "$v" || return 1; done
  done
}

# Entries pending heal on a replica volume, summed over its bricks (empty when unreadable).
heal_pending() {
  timeout 30 docker -H "unix://$(node_sock node1)" exec "$TESTBED_CONTAINER" \
    gluster --mode=script --timeout=20 volume heal "$1" info summary --xml 2>/dev/null \
    | sed -n 's,.*<totalNumberOfEntries>\([0-9]*\)</totalNumberOfEntries>.*,\1,p' \
    | awk '{ s += $1; n++ } END { if (n) print s }'
}

mounted() { timeout 10 docker -H "unix://$(node_sock "$1")" exec "$TESTBED_CONTAINER" mountpoint -q "${2:-$TESTBED_MOUNT}" 2>/dev/null; }
all_mounted() {
  local n v
  for v in $(volumes); do for n in $(nodes); do mounted "$n" "$(mount_of "$v")" || return 1; done; done
}

create_volume() {
  local vol="$1" out m bricks=() kind=distribute i=0
  gl node1 volume info "$vol" >/dev/null 2>&1 && return 0
  for m in $(nodes); do
    (( i++ < $(brick_count "$vol") )) || break
    bricks+=("$(node_ip "$m"):/bricks/$vol")
  done
  local layout=()
  if [[ "$vol" == "$TESTBED_REP_VOLUME" ]]; then kind="replica ${#bricks[@]}"; layout=(replica "${#bricks[@]}"); fi
  log "creating $kind volume $vol on ${bricks[*]}"
  # force: the bricks live on the root filesystem of the node (and replica 2 would ask).
  out="$(gl node1 volume create "$vol" "${layout[@]}" transport tcp "${bricks[@]}" force)" \
    || die "volume create $vol failed: $out"
}

start_volume() {
  local vol="$1" out
  if ! gl node1 volume info "$vol" | grep -q '^Status: Started'; then
    log "starting volume $vol"
    # The look above can miss a started volume (node1's glusterd still syncing after a restart
    # answers volume info without it): "already started" is the state wanted, not a failure.
    out="$(gl node1 volume start "$vol")" || [[ "$out" == *"already started"* ]] || die "volume start $vol failed: $out"
  fi
  if ! wait_for 15 "all $(brick_count "$vol") bricks of $vol online" bricks_online "$vol"; then
    log "bricks offline; trying volume start $vol force"
    gl node1 volume start "$vol" force >/dev/null || true
    wait_for 30 "all bricks of $vol online after volume start force" bricks_online "$vol" || return 1
  fi
}

ensure_volume() {
  local n out m v
  for n in $(nodes); do
    wait_for 60 "glusterd in $n's gluster container (log: $(node_data "$n")/opt-datarobot/data/gluster/logs/glusterd.log)" glusterd_ok "$n" || return 1
  done
  for m in $(nodes); do
    [[ "$m" == node1 ]] && continue
    out="$(gl node1 peer probe "$(node_ip "$m")")" || die "peer probe $m failed: $out"
  done
  wait_for 60 "all $TESTBED_NODES gluster peers to be Connected on every node" all_peers_connected || return 1
  for v in $(volumes); do create_volume "$v"; done
  for v in $(volumes); do start_volume "$v" || return 1; done
  wait_for 90 "$(gluster_mounts) mounted in every gluster container" all_mounted || return 1
  wait_for 30 "every mount to connect to every brick" all_clients_connected || return 1
}

SAMPLE_MARK=".testbed-sample-v1"

# Built on the host and sent as one tar stream: forking per file inside the container over
# FUSE is several times slower. The manifest (sha256 of every file) lets tests check a
# round trip byte for byte.
send_sample() {
  local vol="$1" tmp="$2" mount manifest
  mount="$(mount_of "$vol")"
  manifest="$TESTBED_DIR/sample-manifest-$vol.sha256"
  (cd "$tmp" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$manifest"
  [[ "$vol" == "$TESTBED_VOLUME" ]] && cp "$manifest" "$TESTBED_DIR/sample-manifest.sha256"
  date -u +%FT%TZ >"$tmp/$SAMPLE_MARK"
  tar -C "$tmp" -cf - . | dk node1 exec -i "$TESTBED_CONTAINER" tar -xf - -C "$mount" \
    || { rm -rf "$tmp"; die "writing sample data into $mount failed"; }
  rm -rf "$tmp"
}

write_sample_data() {
  if ! dk node1 exec "$TESTBED_CONTAINER" test -e "$TESTBED_MOUNT/$SAMPLE_MARK"; then
    log "writing sample data into $TESTBED_VOLUME"
    local tmp
    tmp="$(mktemp -d)"
    chmod 0755 "$tmp"  # tar applies it to the volume root
    # Several directories so the distribute hash puts files on every brick; names with
    # spaces/unicode, a symlink, an empty dir, and MB-sized files (random and compressible).
    (
      set -euo pipefail
      cd "$tmp"
      local dirs=(projects/alpha projects/beta "projects/with space" datasets/raw datasets/clean
                  models/v1 models/v2 logs/2024 "unicode/données") d i
      for d in "${dirs[@]}"; do mkdir -p "$d"; done
      mkdir -p big empty/nested
      head -c 400000 /dev/urandom | base64 -w 76 >.pool
      for i in $(seq 1 200); do
        d="${dirs[$(( i % ${#dirs[@]} ))]}"
        { printf 'sample file %d of the gluster-backup test bed\n' "$i"; head -n $(( 1 + i % 40 )) <(tail -n +"$i" .pool); } >"$d/file-$i.txt"
      done
      rm -f .pool
      printf 'naïve — ünïcödé\n' >"unicode/données/résumé é.txt"
      head -c 3145728 /dev/urandom >big/random-3m.bin
      head -c 1048576 /dev/urandom >big/random-1m.bin
      { yes 'gluster backup compressible line 0123456789' || true; } | head -c 5242880 >big/text-5m.log
      ln -s projects/alpha latest
    )
    send_sample "$TESTBED_VOLUME" "$tmp"
  fi
  has_volume "$TESTBED_REP_VOLUME" || return 0
  if ! dk node1 exec "$TESTBED_CONTAINER" test -e "$TESTBED_REP_MOUNT/$SAMPLE_MARK"; then
    log "writing sample data into $TESTBED_REP_VOLUME"
    local tmp
    tmp="$(mktemp -d)"
    chmod 0755 "$tmp"
    # A smaller tree of its own: every file on every brick (replica), so its size is the
    # volume's, and names that differ from gv0's so a mix-up of volumes shows in a listing.
    (
      set -euo pipefail
      cd "$tmp"
      local d i
      for d in shared/config shared/models "replica space/ünï"; do mkdir -p "$d"; done
      for i in $(seq 1 60); do
        d=shared/config; (( i % 3 == 1 )) && d=shared/models; (( i % 3 == 2 )) && d="replica space/ünï"
        { printf 'replica file %d of the gluster-backup test bed\n' "$i"; seq 1 $(( i * 20 )); } >"$d/rep-$i.txt"
      done
      head -c 2097152 /dev/urandom >shared/models/weights-2m.bin
      ln -s shared/config current
    )
    send_sample "$TESTBED_REP_VOLUME" "$tmp"
  fi
}

# ---------------------------------------------------------------- a million files

# A volume of one brick on a tmpfs mounted in node1's container (gvsmall, gvmillion): made and
# removed without the host's disk, and gone with the container's mount namespace.
in_node1() { dk node1 exec "$TESTBED_CONTAINER" "$@"; }
in_gluster_of() { local n="$1"; shift; dk "$n" exec "$TESTBED_CONTAINER" "$@"; }
# [NODE] ROOT SIZE NAME: the tmpfs at ROOT (in node1's container unless NODE is given), the
# brick directory ROOT/b in it (idempotent).
tmpfs_brick() {
  local n=node1
  [[ "$1" == node* ]] && { n="$1"; shift; }
  in_gluster_of "$n" sh -c "mkdir -p $1 && (mountpoint -q $1 || mount -t tmpfs -o size=$2,nr_inodes=0 $3 $1) && mkdir -p $1/b" \
    || die "$n: no tmpfs at $1"
}
# NODE DIR: unmounted if it is a mount point, then removed if empty; fails with umount's own
# words when the mount stays. Busy, a brick's tmpfs kept its files and the mark that says
# "complete" while the removal said "removed"; the next build then started a deleted volume.
unmount_once() { in_gluster_of "$1" sh -c "if mountpoint -q $2; then umount $2 || exit 1; fi; rmdir $2 2>/dev/null || true"; }
# A brick's process may still be ending just after its volume stopped: a few seconds' grace.
unmount_in_gluster_of() { wait_for 15 "$1: $2 unmounted" unmount_once "$1" "$2" || die "$1: $2 not unmounted"; }
unmount_in_node1() { unmount_in_gluster_of node1 "$1"; }
# VOL N: node1's glusterd sees N bricks of VOL online.
node1_sees_bricks_online() { [[ "$(online_bricks "$1" node1)" -eq "$2" ]]; }
# VOL MOUNT [N]: started (if it is not), its N (1) bricks online, mounted in node1's container at MOUNT.
start_and_mount_in_node1() {
  local n="${3:-1}"
  gl node1 volume info "$1" | grep -q '^Status: Started' || gl node1 volume start "$1" >/dev/null || die "volume start $1 failed"
  wait_for $(( 30 * n )) "the $n brick(s) of $1 online" node1_sees_bricks_online "$1" "$n" || die "$1: brick(s) offline"
  in_node1 sh -c "mkdir -p $2 && (mountpoint -q $2 || mount -t glusterfs localhost:/$1 $2)" || die "node1: $1 not mounted"
}
# VOL MOUNT N MARK: the mount must show N files (every one looked up once); then VOL is marked
# complete at MARK, beside its brick.
count_and_mark() {
  local got
  got="$(in_node1 sh -c "find $2 -type f -printf . | wc -c")"
  [[ "$got" == "$3" ]] || die "$1: the mount shows $got files, $3 were written"
  in_node1 touch "$4" || die "node1: could not mark $1 complete"
}
# VOL MOUNT ROOT [NODE...]: unmounted from node1, stopped, deleted, the tmpfs at ROOT unmounted
# in each NODE's container (node1's when none is named).
remove_tmpfs_volume() {
  local vol="$1" mnt="$2" root="$3" n; shift 3
  unmount_in_node1 "$mnt"
  if gl node1 volume info "$vol" >/dev/null 2>&1; then
    gl node1 volume stop "$vol" force >/dev/null 2>&1 || true
    gl node1 volume delete "$vol" >/dev/null || die "volume delete $vol failed"
  fi
  for n in "${@:-node1}"; do unmount_in_gluster_of "$n" "$root"; done
}

MILLION_VOLUME=gvmillion
MILLION_MOUNT=/mnt/gluster-million
# The brick is a tmpfs mounted inside node1's container: removing a million files and their
# handles from the host's disk took over four minutes, an unmount takes none. The volume (and the
# mark that says it is complete) go with the container's mount namespace, as gvsmall's do.
MILLION_ROOT=/bricks-million
MILLION_BRICK=$MILLION_ROOT/b
# A million files of 0 to 1 KiB took 3.9 GiB of memory there (a page each, the inodes, the
# handles, the xattrs), and a restore of the volume into a directory of itself (bench/million)
# as much again: at 8g, 4.1 GiB were free for it. The bound only stops a runaway build from
# taking the machine's memory.
MILLION_TMPFS_SIZE=12g

# VOL MARK: VOL was built to the end: its mark is there, beside a volume that exists. A brick left
# behind by a removal that failed half way is built again, not started.
built_and_marked() { in_node1 test -e "$2" 2>/dev/null && gl node1 volume info "$1" >/dev/null 2>&1; }

million_mounted() { in_node1 mountpoint -q "$MILLION_MOUNT" 2>/dev/null; }

# The scale benchmarks' volume. Its brick is written in node1's container before the volume
# starts (million.py says why and how); then every file is looked up once through the mount, so
# the first measurement does not pay for DHT's directory layouts or the brick's first lookups.
cmd_million() {
  need_root
  local n="${1:-1000000}" mark out
  [[ "$n" =~ ^[0-9]+$ ]] || die "usage: million [N]"
  # Beside the brick, not in it: a file on a brick that gluster did not write shows in the volume.
  mark="$MILLION_ROOT/complete-$n"
  local complete=0
  built_and_marked "$MILLION_VOLUME" "$mark" && complete=1
  if (( complete )) && million_mounted; then log "$MILLION_VOLUME: $n files, mounted on node1 at $MILLION_MOUNT"; return 0; fi
  if (( ! complete )); then
    cmd_remove_million
    tmpfs_brick "$MILLION_ROOT" "$MILLION_TMPFS_SIZE" gbtb-million
    out="$(gl node1 volume create "$MILLION_VOLUME" transport tcp "$(node_ip node1):$MILLION_BRICK" force)" \
      || die "volume create $MILLION_VOLUME failed: $out"
    local t0=$SECONDS
    dk node1 exec -i "$TESTBED_CONTAINER" python3 - "$MILLION_BRICK" "$n" <"$(dirname "${BASH_SOURCE[0]}")/million.py" \
      || die "writing $n files into $MILLION_BRICK failed"
    log "$n files written on the brick in $(( SECONDS - t0 )) s"
  fi
  start_and_mount_in_node1 "$MILLION_VOLUME" "$MILLION_MOUNT"
  local t1=$SECONDS
  count_and_mark "$MILLION_VOLUME" "$MILLION_MOUNT" "$n" "$mark"
  log "$MILLION_VOLUME: $n files, each looked up once in $(( SECONDS - t1 )) s; mounted on node1 at $MILLION_MOUNT"
}

cmd_remove_million() {
  need_root
  remove_tmpfs_volume "$MILLION_VOLUME" "$MILLION_MOUNT" "$MILLION_ROOT"
  # Where earlier versions of this script put the brick, on the host's disk.
  rm -rf "$(node_data node1)/opt-datarobot/data/gluster/bricks/$MILLION_VOLUME"{,.complete-*}
}

MILLION3_VOLUME=gvmillion3
MILLION3_MOUNT=/mnt/gluster-million3
MILLION3_ROOT=/bricks-million3
MILLION3_BRICK=$MILLION3_ROOT/b
# A third of the one-brick build's memory on each node, with the same margin.
MILLION3_TMPFS_SIZE=4g
MILLION3_NODES=(node1 node2 node3)

# ARGS...: million.py with ARGS in every node's container at once, each on its own brick.
million_py_on_every_node() {
  local n pids=() failed=0
  for n in "${MILLION3_NODES[@]}"; do
    dk "$n" exec -i "$TESTBED_CONTAINER" python3 - "$@" <"$(dirname "${BASH_SOURCE[0]}")/million.py" &
    pids+=($!)
  done
  for n in "${pids[@]}"; do wait "$n" || failed=1; done
  (( ! failed ))
}
# DHT link files (mode ---------T, no bytes) on NODE's brick of gvmillion3.
million3_link_files() {
  in_gluster_of "$1" sh -c "find $MILLION3_BRICK -path $MILLION3_BRICK/.glusterfs -prune -o -type f -perm -1000 -size 0 -print | wc -l"
}

# The scale suite's tree (million.py) as a distribute volume over the three nodes, each file on
# the brick DHT hashes its name to, so nothing is found by a lookup everywhere and no link file
# is made: the state a volume is in when its files were written through the mount. Checked
# after the build: every file through the mount, a sample looked up by name, no link file.
cmd_million3() {
  need_root
  local n="${1:-1000000}" mark out node ips=()
  [[ "$n" =~ ^[0-9]+$ ]] || die "usage: million3 [N]"
  mark="$MILLION3_ROOT/complete-$n"
  local complete=0
  built_and_marked "$MILLION3_VOLUME" "$mark" && complete=1
  if (( complete )) && in_node1 mountpoint -q "$MILLION3_MOUNT" 2>/dev/null; then log "$MILLION3_VOLUME: $n files, mounted on node1 at $MILLION3_MOUNT"; return 0; fi
  if (( ! complete )); then
    cmd_remove_million3
    for node in "${MILLION3_NODES[@]}"; do
      tmpfs_brick "$node" "$MILLION3_ROOT" "$MILLION3_TMPFS_SIZE" gbtb-million3
      ips+=("$(node_ip "$node"):$MILLION3_BRICK")
    done
    out="$(gl node1 volume create "$MILLION3_VOLUME" transport tcp "${ips[@]}" force)" \
      || die "volume create $MILLION3_VOLUME failed: $out"
    local t0=$SECONDS
    million_py_on_every_node --dirs "$MILLION3_BRICK" "$n" || die "writing the directories of $MILLION3_VOLUME failed"
    # DHT writes each directory's layout on its first lookup through the mount.
    start_and_mount_in_node1 "$MILLION3_VOLUME" "$MILLION3_MOUNT" 3
    out="$(in_node1 sh -c "find $MILLION3_MOUNT -type d | wc -l")"
    [[ "$out" == 1011 ]] || die "$MILLION3_VOLUME: $out directories through the mount, 1011 laid down"
    unmount_in_node1 "$MILLION3_MOUNT"
    gl node1 volume stop "$MILLION3_VOLUME" force >/dev/null || die "volume stop $MILLION3_VOLUME failed"
    million_py_on_every_node --files "$MILLION3_BRICK" "$n" || die "writing the files of $MILLION3_VOLUME failed"
    log "$n files written on three bricks in $(( SECONDS - t0 )) s"
  fi
  start_and_mount_in_node1 "$MILLION3_VOLUME" "$MILLION3_MOUNT" 3
  if (( ! complete )); then
    local t1=$SECONDS got
    # A file on another brick than its name hashes to is found only by a lookup everywhere,
    # which leaves a link file on the hashed brick. So one file in 97 is asked by name first,
    # on this new mount, before any listing could tell the client where the files are.
    in_node1 python3 -c "
import os, sys
per = $n // 1000
missing = [p for p in (f'$MILLION3_MOUNT/t{i // (per * 100)}/m{i // per % 100:02d}/f{i % per:05d}.dat' for i in range(0, $n, 97)) if not os.path.isfile(p)]
sys.exit(f'{len(missing)} files not found by name, the first {missing[:3]}' if missing else 0)" || die "$MILLION3_VOLUME: files not found by name"
    for node in "${MILLION3_NODES[@]}"; do
      got="$(million3_link_files "$node")"
      [[ "$got" == 0 ]] || die "$MILLION3_VOLUME: $got DHT link files on $node's brick (files placed on another brick than DHT hashes them to)"
    done
    local t2=$SECONDS
    count_and_mark "$MILLION3_VOLUME" "$MILLION3_MOUNT" "$n" "$mark"
    log "$MILLION3_VOLUME: $n files over three bricks, checked in $(( SECONDS - t1 )) s (by name and for link files $(( t2 - t1 )) s, counted through the mount $(( SECONDS - t2 )) s); mounted on node1 at $MILLION3_MOUNT"
  fi
}

cmd_remove_million3() {
  need_root
  remove_tmpfs_volume "$MILLION3_VOLUME" "$MILLION3_MOUNT" "$MILLION3_ROOT" "${MILLION3_NODES[@]}"
}

# ---------------------------------------------------------------- diagnostics

dump_logs() {
  local n f
  log "---- diagnostics ----"
  for n in $(existing_nodes); do
    for f in "$LOGS/$n-init.log" "$LOGS/$n-dockerd.log" "$LOGS/$n-sshd.log"; do
      [[ -s "$f" ]] && { echo "== tail $f"; tail -n 15 "$f"; }
    done
    if dockerd_ok "$n"; then
      echo "== $n: docker ps -a"; dk "$n" ps -a 2>&1 | tail -n 5
      echo "== $n: docker logs gluster"; dk "$n" logs --tail 20 "$TESTBED_CONTAINER" 2>&1 || true
    fi
    f="$(node_data "$n")/opt-datarobot/data/gluster/logs/glusterd.log"
    [[ -s "$f" ]] && { echo "== tail $f"; grep -E '\] [EW] \[' "$f" | tail -n 10; }
  done >&2
  log "---- end of diagnostics (full logs in $LOGS and $TESTBED_DATA/NODE/opt-datarobot/data/gluster/logs) ----"
}

# ---------------------------------------------------------------- commands

cmd_up() {
  need_root
  local start=$SECONDS n tag
  mkdir -p "$TESTBED_DIR" "$LOGS"
  ensure_keys
  up_failed() {
    local rc=$?
    (( rc == 0 )) && return 0
    log "up FAILED (exit $rc)"
    dump_logs || true
    if [[ "${TESTBED_KEEP_ON_FAIL:-0}" == 1 ]]; then
      log "TESTBED_KEEP_ON_FAIL=1: leaving the partial test bed; clean it with: testbed.sh down"
    else
      log "cleaning up the partial test bed (TESTBED_KEEP_ON_FAIL=1 keeps it)"
      cmd_down_locked || true
    fi
    exit "$rc"
  }
  trap up_failed EXIT

  local count_file="$TESTBED_DIR/node-count"
  if [[ -s "$count_file" && "$(cat "$count_file")" != "$TESTBED_NODES" ]]; then
    log "test bed has $(cat "$count_file") nodes, $TESTBED_NODES wanted: recreating"
    cmd_down_locked
    ensure_keys
  fi
  echo "$TESTBED_NODES" >"$count_file"

  # Image build (the slow part on a cold cache) first, while nothing runs.
  tag="$("$TESTBED_SRC/build-image.sh" | sed -n 's/^IMAGE_TAG=//p')"
  [[ -n "$tag" ]] || die "build-image.sh did not report an image tag"
  ensure_host_mountpoints
  net_up
  for n in $(nodes); do start_node "$n"; done
  for n in $(nodes); do wait_node_daemons "$n" || die "$n did not come up"; done
  if has_bastion; then
    wait_for 20 "$BEHIND_NODE's sshd at $(behind_ip) from $BASTION_NODE" bastion_reachable || die "the bastion link does not answer"
  fi
  log "nodes up after $((SECONDS - start)) s; importing image $tag"
  local pids=() p
  for n in $(nodes); do
    "$TESTBED_SRC/build-image.sh" --import "unix://$(node_sock "$n")" >/dev/null &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || die "image import failed"; done
  pids=()
  for n in $(nodes); do ensure_container "$n" "$tag" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || die "could not start the gluster containers"; done
  ensure_volume || die "gluster volume setup failed"
  write_sample_data
  write_client_files
  ensure_operator_user
  trap - EXIT
  log "test bed up in $((SECONDS - start)) s: $TESTBED_NODES nodes, config $CONFIG_JSON"
}

kill_node_processes() {
  local n="$1" ns pids pid deadline
  ns="$(node_netns "$n")"
  [[ -e "/run/netns/$ns" ]] || return 0
  # Everything left in the node's netns (gluster processes, ssh sessions,
  # shims): found by namespace, never by process name.
  deadline=$(( SECONDS + 10 ))
  while pids="$(ip netns pids "$ns" 2>/dev/null)" && [[ -n "$pids" ]]; do
    local sig=TERM
    (( SECONDS >= deadline - 5 )) && sig=KILL
    for pid in $pids; do kill "-$sig" "$pid" 2>/dev/null || true; done
    (( SECONDS >= deadline )) && { log "$n: processes still alive: $pids"; break; }
    sleep 0.3
  done
}

stop_node() {
  local n="$1" pid deadline
  if dockerd_ok "$n"; then
    # Removing the container first is quicker than dockerd's 10 s stop timeout.
    timeout 30 docker -H "unix://$(node_sock "$n")" rm -f "$TESTBED_CONTAINER" >/dev/null 2>&1 || true
  fi
  if pid="$(init_pid "$n")"; then
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$(( SECONDS + 25 ))
    while live_pid "$(node_state "$n")/holder.pid" >/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
  fi
  kill_node_processes "$n"
  local h; h="$(live_pid "$(node_state "$n")/holder.pid")" && kill -KILL "$h" 2>/dev/null || true
  ip netns del "$(node_netns "$n")" 2>/dev/null || true
  ip link del "$(node_veth "$n")" 2>/dev/null || true
  # Empty cgroups dockerd created under --cgroup-parent (deepest first).
  local cg
  for cg in /sys/fs/cgroup/*/"${TESTBED_PREFIX}$n"; do
    [[ -d "$cg" ]] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  if [[ -d "$(node_data "$n")" ]]; then
    # --one-file-system: never follow into a mount should one have leaked.
    rm -rf --one-file-system "$(node_data "$n")" || log "$n: could not remove all of $(node_data "$n")"
  fi
  rm -rf "$(node_state "$n")"
}

cmd_down_locked() {
  local n start=$SECONDS
  for n in $(existing_nodes); do stop_node "$n" & done
  wait
  ip link del "$TESTBED_BRIDGE" 2>/dev/null || true
  ip route del unreachable "$BASTION_SUBNET.0/30" 2>/dev/null || true
  while command -v iptables >/dev/null && iptables -D FORWARD -i "$TESTBED_BRIDGE" -o "$TESTBED_BRIDGE" -j ACCEPT 2>/dev/null; do :; done
  if [[ -s "$TESTBED_DIR/created-host-dirs" ]]; then
    local p
    while read -r p; do rmdir "$p" 2>/dev/null || true; done <"$TESTBED_DIR/created-host-dirs"
    rm -f "$TESTBED_DIR/created-host-dirs"
  fi
  rmdir "$TESTBED_DATA" 2>/dev/null || true
  rm -f "$CONFIG_JSON" "$BASTION_JSON" "$TESTBED_DIR/ssh_config" "$KNOWN_HOSTS" "$TESTBED_DIR/node-count" "$TESTBED_DIR"/sample-manifest*.sha256
  log "down in $((SECONDS - start)) s"
}

cmd_down() {
  need_root
  cmd_down_locked
  if [[ "${1:-}" == --purge ]]; then
    rm -rf "$TESTBED_DIR"
    log "purged $TESTBED_DIR"
  fi
}

# Prints one line per check; returns non-zero if anything is unhealthy.
cmd_status() {
  local quiet=0 bad=0 n line v online c t
  [[ "${1:-}" == -q ]] && quiet=1
  say() { (( quiet )) || echo "$@"; }
  check() {  # check LABEL CMD...
    local label="$1"; shift
    if "$@" >/dev/null 2>&1; then say "  ok   $label"; else say "  FAIL $label"; bad=1; fi
  }
  if [[ ! -s "$CONFIG_JSON" ]]; then
    say "test bed is down (no $CONFIG_JSON)"
    return 1
  fi
  [[ "$(cat "$TESTBED_DIR/node-count" 2>/dev/null)" == "$TESTBED_NODES" ]] \
    || { say "test bed has $(cat "$TESTBED_DIR/node-count" 2>/dev/null || echo '?') nodes, TESTBED_NODES=$TESTBED_NODES"; return 1; }
  for n in $(nodes); do
    say "$n $(node_ip "$n")"
    check "link up" bash -c "ip -o link show $(node_veth "$n") | grep -q 'state UP'"
    check "init running" init_pid "$n"
    check "dockerd answering" dockerd_ok "$n"
    check "sshd listening" sshd_listening "$n"
    line="$(container_state "$n")"
    check "gluster container running (${line%% *})" test "${line%% *}" = running
    for v in $(volumes); do
      check "$v mounted at $(mount_of "$v")" mounted "$n" "$(mount_of "$v")"
    done
  done
  if has_bastion; then
    say "bastion link $BASTION_NODE -> $BEHIND_NODE $(behind_ip)"
    check "$BEHIND_NODE's sshd answers at $(behind_ip) from $BASTION_NODE" bastion_reachable
    check "no route from the host to $BASTION_SUBNET.0/30" bash -c "ip route show type unreachable $BASTION_SUBNET.0/30 | grep -q ."
  fi
  for v in $(volumes); do
    for n in $(nodes); do
      online="$(online_bricks "$v" "$n")"
      check "$v bricks online as $n's glusterd sees them: $online/$(brick_count "$v")" test "$online" = "$(brick_count "$v")"
    done
    for n in $(nodes); do
      read -r c t <<<"$(mount_reach "$n" "$(mount_of "$v")")"
      check "$n's mount of $v reaches every brick: $c/$t of $(brick_count "$v")" test "$c/$t" = "$(brick_count "$v")/$(brick_count "$v")"
    done
  done
  if has_volume "$TESTBED_REP_VOLUME"; then
    c="$(heal_pending "$TESTBED_REP_VOLUME")"
    check "$TESTBED_REP_VOLUME heal entries pending: ${c:-unknown}" test "${c:-x}" = 0
  fi
  (( bad == 0 )) && say "healthy" || say "NOT healthy"
  return "$bad"
}

# A non-root operator on every node, as the field has them: `gbops` (uid 1500), in the docker
# group, logging in with the test bed's client key. Only the node's own view of /etc/passwd,
# /etc/group and /etc/shadow knows it (files bound over them in the node's mount namespace):
# the machine's accounts are never touched. Idempotent; `up` and `ensure` apply it, and it
# can be applied to a running bed (testbed.sh operator-user).
OPS_USER=gbops
OPS_UID=1500
ensure_operator_user() {
  local dir="$TESTBED_DIR/users" n docker_gid
  mkdir -p "$dir"
  docker_gid="$(getent group docker | cut -d: -f3)"
  [[ -n "$docker_gid" ]] || die "no docker group on this machine: the nodes' sockets would be root's only"
  grep -v "^$OPS_USER:" /etc/passwd >"$dir/passwd.tmp"
  # Home in the node's own /run: the test bed directory is root's alone, and sshd reads
  # authorized_keys as the user.
  echo "$OPS_USER:x:$OPS_UID:$OPS_UID:gluster-backup test operator:/run/home/$OPS_USER:/bin/sh" >>"$dir/passwd.tmp"
  grep -v "^$OPS_USER:" /etc/group | awk -F: -v OFS=: -v u="$OPS_USER" '$1 == "docker" { $4 = ($4 == "" ? u : $4 "," u) } { print }' >"$dir/group.tmp"
  echo "$OPS_USER:x:$OPS_UID:" >>"$dir/group.tmp"
  grep -v "^$OPS_USER:" /etc/shadow >"$dir/shadow.tmp"
  echo "$OPS_USER:*:19000:0:99999:7:::" >>"$dir/shadow.tmp"
  chmod 0644 "$dir/passwd.tmp" "$dir/group.tmp"; chmod 0640 "$dir/shadow.tmp"
  local f
  for f in passwd group shadow; do
    # Rewritten in place: a node's bind mount holds on to the file it was made with.
    if [[ -e "$dir/$f" ]]; then cat "$dir/$f.tmp" >"$dir/$f" && rm -f "$dir/$f.tmp"; else mv -f "$dir/$f.tmp" "$dir/$f"; fi
  done
  for n in $(existing_nodes); do
    local home
    home="$(node_data "$n")/run/home/$OPS_USER"
    install -d -m 0755 "$(node_data "$n")/run/home"
    install -d -m 0755 -o "$OPS_UID" -g "$OPS_UID" "$home"
    install -d -m 0700 -o "$OPS_UID" -g "$OPS_UID" "$home/.ssh"
    install -m 0600 -o "$OPS_UID" -g "$OPS_UID" "$CLIENT_KEY.pub" "$home/.ssh/authorized_keys"
    in_node "$n" sh -c '
      for f in passwd group shadow; do
        # Bound afresh each time: an earlier bind may hold a file since replaced.
        while findmnt -rn "/etc/$f" >/dev/null 2>&1; do umount "/etc/$f"; done
        mount --bind "/run/testbed/users/$f" "/etc/$f"
      done' || die "$n: could not give the node its operator user"
  done
}

cmd_ensure() {
  need_root
  if cmd_status -q; then
    ensure_operator_user
    log "test bed already healthy"
    return 0
  fi
  cmd_up
}

cmd_env() {
  local n u
  echo "export TESTBED_DIR='$TESTBED_DIR'"
  echo "export TESTBED_DATA='$TESTBED_DATA'"
  echo "export TESTBED_NODES='$TESTBED_NODES'"
  echo "export TESTBED_CONFIG='$CONFIG_JSON'"
  echo "export TESTBED_SSH_KEY='$CLIENT_KEY'"
  echo "export TESTBED_KNOWN_HOSTS='$KNOWN_HOSTS'"
  echo "export TESTBED_VOLUME='$TESTBED_VOLUME'"
  echo "export TESTBED_MOUNT='$TESTBED_MOUNT'"
  echo "export TESTBED_REP_VOLUME='$TESTBED_REP_VOLUME'"
  echo "export TESTBED_REP_MOUNT='$TESTBED_REP_MOUNT'"
  echo "export TESTBED_SCRIPT='$TESTBED_SRC/testbed.sh'"
  if has_bastion; then
    echo "export TESTBED_BASTION_CONFIG='$BASTION_JSON'"
    echo "export TESTBED_BEHIND_IP='$(behind_ip)'"
  fi
  for n in $(nodes); do
    u="${n^^}"
    echo "export TESTBED_${u}_IP='$(node_ip "$n")'"
    echo "export TESTBED_${u}_DOCKER_HOST='unix://$(node_sock "$n")'"
  done
  cat <<EOF
# tb_docker NODE ARGS...: docker CLI against that node's dockerd
tb_docker() { local n="\$1"; shift; docker -H "unix://$TESTBED_DATA/\$n/run/docker.sock" "\$@"; }
# tb_ssh NODE [CMD...]: ssh to the node as the extension would
tb_ssh() { local n="\$1"; shift; ssh -i '$CLIENT_KEY' -o UserKnownHostsFile='$KNOWN_HOSTS' -o StrictHostKeyChecking=yes -o BatchMode=yes "root@$TESTBED_SUBNET.\$((10 + \${n#node}))" "\$@"; }
EOF
}

cmd_exec() {
  need_root
  local n="${1:?usage: testbed.sh exec NODE [-- CMD...]}"; shift
  [[ "${1:-}" == -- ]] && shift
  (( $# )) || set -- bash
  in_node "$n" "$@"
}

cmd_ssh() {
  local n="${1:?usage: testbed.sh ssh NODE [CMD...]}"; shift
  exec ssh -i "$CLIENT_KEY" -o UserKnownHostsFile="$KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
    -o BatchMode=yes -o ConnectTimeout=5 "root@$(node_ip "$n")" "$@"
}

cmd_mem() {
  local n pids total pid kb
  for n in $(existing_nodes); do
    total=0
    pids="$(ip netns pids "$(node_netns "$n")" 2>/dev/null || true)"
    for pid in $pids; do
      kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
      total=$(( total + ${kb:-0} ))
    done
    echo "$n: $(( total / 1024 )) MB RSS in $(wc -w <<<"$pids") processes"
  done
}

node_arg() {
  local n="${1:?this command needs a NODE (node1..node$TESTBED_NODES)}"
  # A light node comes here only through `testbed.sh light FAULT NODE`, which checked it.
  [[ "$n" =~ ^light[0-9]+$ ]] || node_index "$n" >/dev/null
  [[ -e "/run/netns/$(node_netns "$n")" ]] || die "$n does not exist (is the test bed up?)"
  echo "$n"
}

# Children found through the parent pid of each process, recursively (never by name).
descendants() {
  local c
  for c in $(pgrep -P "$1" || true); do descendants "$c"; echo "$c"; done
}

fault() {
  need_root
  local what="$1" n pid; shift
  case "$what" in
    start-bricks|stop-volume|start-volume|heal-off|heal-on|small-volume|remove-small-volume|dr-volume|remove-dr-volume) n=node1 ;;
    *) n="$(node_arg "${1:-}")" ;;
  esac
  case "$what" in
    cut-link)     ip link set "$(node_veth "$n")" down; log "$n: link cut" ;;
    restore-link) ip link set "$(node_veth "$n")" up; log "$n: link restored" ;;
    kill-sshd)
      pid="$(sshd_pid "$n")" || { log "$n: sshd not running"; return 0; }
      # The listener and every session it forked, as when sshd crashes or the host is
      # shutting down: open connections drop too (a killed listener alone leaves them up).
      local victims; victims="$(descendants "$pid") $pid"
      # shellcheck disable=SC2086
      kill -TERM $victims 2>/dev/null || true
      wait_for 10 "$n sshd to exit" bash -c "! kill -0 $pid"; log "$n: sshd and its sessions killed" ;;
    start-sshd|start-dockerd)
      pid="$(init_pid "$n")" || die "$n init is not running; use testbed.sh up"
      kill -USR1 "$pid"
      if [[ "$what" == start-sshd ]]; then
        wait_for 20 "$n sshd to listen" sshd_listening "$n" || die "sshd did not start (log: $LOGS/$n-sshd.log)"
      else
        wait_for 60 "$n dockerd to answer" dockerd_ok "$n" || die "dockerd did not start (log: $LOGS/$n-dockerd.log)"
      fi
      log "$n: ${what#start-} running" ;;
    stop-dockerd)
      pid="$(dockerd_pid "$n")" || { log "$n: dockerd not running"; return 0; }
      kill -TERM "$pid"; wait_for 30 "$n dockerd to exit" bash -c "! kill -0 $pid" || die "dockerd did not stop"
      log "$n: dockerd stopped (its containers stopped with it)" ;;
    stop-gluster)  dk "$n" stop "$TESTBED_CONTAINER" >/dev/null; log "$n: gluster container stopped" ;;
    start-gluster)
      dk "$n" start "$TESTBED_CONTAINER" >/dev/null
      wait_for 60 "$n to mount $(gluster_mounts) again" all_mounted || die "$n: volumes not re-mounted"
      wait_for 60 "bricks online and every mount reconnected" all_clients_connected || die "volumes not fully connected again"
      log "$n: gluster container started, bricks online, mounts reconnected" ;;
    unpause-container)
      dk "$n" unpause "$TESTBED_CONTAINER" >/dev/null
      dk "$n" exec "$TESTBED_CONTAINER" sh -c "$PAUSE_HELPER" testbed cont || die "$n: the processes stopped before the pause did not continue"
      log "$n: gluster container unpaused" ;;
    pause-container)
      dk "$n" exec "$TESTBED_CONTAINER" sh -c "$PAUSE_HELPER" testbed stop || die "$n: the container's processes did not stop before the pause"
      dk "$n" pause "$TESTBED_CONTAINER" >/dev/null; log "$n: gluster container paused" ;;
    kill-brick)
      local vol; vol="$(volume_arg "${2:-}")"
      dk "$n" exec "$TESTBED_CONTAINER" bash -c \
        "for f in /var/run/gluster/vols/$vol/*.pid; do kill -KILL \$(cat \"\$f\"); done" \
        || die "$n: no brick pid of $vol found"
      log "$n: brick process of $vol killed" ;;
    hang-brick|resume-brick)
      # SIGSTOP: the brick process is alive but answers nothing, as a brick on a stalled disk.
      local vol sig=STOP; vol="$(volume_arg "${2:-}")"
      [[ "$what" == resume-brick ]] && sig=CONT
      dk "$n" exec "$TESTBED_CONTAINER" sh -c 'for f in /var/run/gluster/vols/"$1"/*.pid; do kill -"$2" "$(cat "$f")"; done' testbed "$vol" "$sig" \
        || die "$n: no brick pid of $vol found"
      log "$n: brick process of $vol $([[ $sig == STOP ]] && echo 'stopped (hung)' || echo resumed)" ;;
    small-dir)
      local mb="${2:?usage: small-dir NODE MB}" dir=/opt/datarobot/data/backups/gluster/small
      in_node "$n" sh -c "mkdir -p $dir && (mountpoint -q $dir || mount -t tmpfs -o size=${mb}m gbtb-small $dir)"
      dk "$n" exec "$TESTBED_CONTAINER" mountpoint -q "$dir" || die "$n: $dir did not reach the container"
      log "$n: ${mb} MB tmpfs at $dir" ;;
    remove-small-dir)
      local dir=/opt/datarobot/data/backups/gluster/small
      in_node "$n" sh -c "if mountpoint -q $dir; then umount $dir; fi; rmdir $dir 2>/dev/null || true"
      log "$n: $dir removed" ;;
    small-volume)
      # A full volume is a restore's disk-full case; gv0 and gvrep live on the host's disk.
      local mb="${1:?usage: small-volume MB}"
      tmpfs_brick /bricks-small "${mb}m" gbtb-small-volume
      if ! gl node1 volume info gvsmall >/dev/null 2>&1; then
        gl node1 volume create gvsmall transport tcp "$(node_ip node1):/bricks-small/b" force >/dev/null || die "volume create gvsmall failed"
      fi
      start_and_mount_in_node1 gvsmall /mnt/gluster-small
      log "gvsmall: ${mb} MB, mounted on node1 at /mnt/gluster-small" ;;
    remove-small-volume)
      remove_tmpfs_volume gvsmall /mnt/gluster-small /bricks-small
      log "gvsmall removed" ;;
    dr-volume)
      # Distributed-replicate with an arbiter, 2 x (2 + 1) over the three nodes: two replica
      # sets for DHT to spread files (and leave link files) between, each with a brick that
      # holds names and no data. Made for the tests that need the layout, then removed.
      local set m bricks=()
      if ! gl node1 volume info gvdr >/dev/null 2>&1; then
        for set in a b; do
          for m in $(nodes); do
            dk "$m" exec "$TESTBED_CONTAINER" sh -c "rm -rf /bricks/gvdr-$set && mkdir -p /bricks/gvdr-$set" || die "$m: no brick directory for gvdr"
            bricks+=("$(node_ip "$m"):/bricks/gvdr-$set")
          done
        done
        gl node1 volume create gvdr replica 3 arbiter 1 transport tcp "${bricks[@]}" force >/dev/null || die "volume create gvdr failed"
      fi
      gl node1 volume info gvdr | grep -q '^Status: Started' || gl node1 volume start gvdr >/dev/null || die "volume start gvdr failed"
      online() { [[ "$(online_bricks gvdr node1)" -eq 6 ]]; }
      wait_for 30 "the six bricks of gvdr online" online || die "gvdr's bricks offline"
      in_node1 sh -c "mkdir -p /mnt/gluster-dr && (mountpoint -q /mnt/gluster-dr || mount -t glusterfs localhost:/gvdr /mnt/gluster-dr)" || die "node1: gvdr not mounted"
      log "gvdr: distributed-replicate 2 x (2 + 1 arbiter), mounted on node1 at /mnt/gluster-dr" ;;
    remove-dr-volume)
      unmount_in_node1 /mnt/gluster-dr
      if gl node1 volume info gvdr >/dev/null 2>&1; then
        gl node1 volume stop gvdr force >/dev/null 2>&1 || true
        gl node1 volume delete gvdr >/dev/null || die "volume delete gvdr failed"
      fi
      for m in $(nodes); do dk "$m" exec "$TESTBED_CONTAINER" rm -rf /bricks/gvdr-a /bricks/gvdr-b || true; done
      log "gvdr removed" ;;
    start-bricks)
      local vol; vol="$(volume_arg "${1:-}")"
      gl node1 volume start "$vol" force >/dev/null || die "volume start $vol force failed"
      wait_for 30 "all bricks online and connected" all_clients_connected || die "bricks still offline"
      log "all bricks of $vol online" ;;
    stop-volume)
      local vol; vol="$(volume_arg "${1:?usage: stop-volume VOL}")"
      gl node1 volume stop "$vol" >/dev/null || die "volume stop $vol failed"
      log "volume $vol stopped" ;;
    start-volume)
      local vol; vol="$(volume_arg "${1:?usage: start-volume VOL}")"
      start_volume "$vol" || die "volume $vol did not start"
      wait_for 60 "$(mount_of "$vol") mounted again everywhere" all_mounted || die "$vol not re-mounted"
      wait_for 60 "every mount of $vol to reach every brick" all_clients_connected || die "$vol not fully connected"
      log "volume $vol started and mounted" ;;
    heal-off|heal-on)
      # Off: neither the self-heal daemon nor a client's lookup repairs anything, so entries
      # that need healing stay pending, as on a cluster whose heal is slow or stuck.
      local vol o state="${what#heal-}"; vol="$(volume_arg "${1:?usage: $what VOL}")"
      for o in cluster.self-heal-daemon cluster.data-self-heal cluster.metadata-self-heal cluster.entry-self-heal; do
        gl node1 volume set "$vol" "$o" "$state" >/dev/null || die "volume set $vol $o $state failed"
      done
      if [[ "$state" == on ]]; then
        wait_heal() { gl node1 volume heal "$vol" >/dev/null 2>&1 || true; [[ "$(heal_pending "$vol")" == 0 ]]; }
        wait_for 120 "$vol to heal every pending entry" wait_heal || die "$vol still has entries pending heal"
      fi
      log "self-heal of $vol $state$([[ $state == on ]] && echo ', nothing pending')" ;;
  esac
}

# fd 8 carries the lock; start_node closes it for the node daemons, which
# would otherwise hold the lock for as long as the test bed runs.
with_lock() {
  mkdir -p "$TESTBED_DIR"
  exec 8>"$TESTBED_DIR/.lock"
  flock -w 600 8 || die "another testbed.sh up/down holds $TESTBED_DIR/.lock"
  "$@"
}

main() {
  local cmd="${1:-}"; shift || true
  case "$cmd" in
    up)      with_lock cmd_up ;;
    down)    with_lock cmd_down "$@" ;;
    ensure)  with_lock cmd_ensure ;;
    operator-user) need_root; ensure_operator_user ;;
    status)  cmd_status "$@" ;;
    env)     cmd_env ;;
    exec)    cmd_exec "$@" ;;
    ssh)     cmd_ssh "$@" ;;
    mem)     cmd_mem ;;
    light)   cmd_light "$@" ;;
    million) with_lock cmd_million "$@" ;;
    remove-million) with_lock cmd_remove_million; log "$MILLION_VOLUME removed" ;;
    million3) with_lock cmd_million3 "$@" ;;
    remove-million3) with_lock cmd_remove_million3; log "$MILLION3_VOLUME removed" ;;
    bastion-link) with_lock cmd_bastion_link ;;
    cut-link|restore-link|kill-sshd|start-sshd|stop-dockerd|start-dockerd|stop-gluster|start-gluster|\
    pause-container|unpause-container|kill-brick|start-bricks|small-dir|remove-small-dir|small-volume|remove-small-volume|\
    dr-volume|remove-dr-volume|stop-volume|start-volume|heal-off|heal-on|hang-brick|resume-brick)
             fault "$cmd" "$@" ;;
    -h|--help|help|"") sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' ;;
    *) die "unknown command '$cmd' (see testbed.sh --help)" ;;
  esac
}

main "$@"
