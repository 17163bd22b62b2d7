# shellcheck shell=bash
# Light nodes: N more data nodes for scale tests (`testbed.sh light up N`), each its own network
# namespace with its own sshd and dockerd and a container named `gluster`, but no GlusterFS in it.
# Sourced by testbed.sh (it uses start_node, stop_node and the helpers there); never run alone.
#
# They live beside the real bed and never touch it: their own bridge and /24
# ($TESTBED_LIGHT_BRIDGE, $TESTBED_LIGHT_SUBNET), names light01..lightNN (which the real bed's
# `down` and `status` do not match), their own known_hosts and config file, their own lock.
#
# The container is a busybox image (the host's busybox-static, about 2 MB) running `sleep`, not
# the bed's GlusterFS image with glusterd left off: that image is ~300 MB in every node's docker
# data-root (6 GB and a minute or more of imports for 20 nodes, on a disk others are measuring),
# while what the light nodes are for is the SSH and docker side of a refresh at scale. A light
# node answers `docker inspect gluster`, ping and SFTP like a real one; any gluster question
# fails at once (docker: "gluster": executable file not found), which the explorer shows as
# that node's gluster error, as it would for a node whose gluster CLI cannot run.

LIGHT_CONFIG="$TESTBED_DIR/config-light.json"
LIGHT_KNOWN_HOSTS="$TESTBED_DIR/known_hosts-light"
LIGHT_MAX=99

light_name() { printf 'light%02d\n' "$1"; }
light_nodes() { local i; for (( i = 1; i <= $1; i++ )); do light_name "$i"; done; }

# Light nodes that exist right now (netns, state or data directory), whatever count they came up with.
existing_light_nodes() {
  {
    local f
    for f in /run/netns/"${TESTBED_PREFIX}"light*; do [[ -e "$f" ]] && echo "${f##*/$TESTBED_PREFIX}"; done
    for f in "$TESTBED_DIR"/light*/ "$TESTBED_DATA"/light*/; do [[ -d "$f" ]] && basename "$f"; done
  } 2>/dev/null | grep -E '^light[0-9]+$' | sort -u -V || true
}

# The nodes the current config names (the count `light up` was last given).
configured_light_nodes() {
  [[ -s "$LIGHT_CONFIG" ]] || return 0
  grep -o '"name": "light[0-9]*"' "$LIGHT_CONFIG" | cut -d'"' -f4
}

light_image_tag() { echo "gbtb-light:$( { echo light-image-v1; sha256sum /bin/busybox; } | sha256sum | cut -c1-12)"; }

# A rootfs of busybox and its applets, as a tar in the cache (built once).
light_image_tar() {
  local tag tar stage a
  tag="$(light_image_tag)"
  tar="$TESTBED_CACHE/light-${tag#*:}.tar"
  if [[ ! -s "$tar" ]]; then
    [[ -x /bin/busybox ]] || die "light nodes need /bin/busybox (apt-get install busybox-static)"
    mkdir -p "$TESTBED_CACHE"
    stage="$(mktemp -d)"
    install -d "$stage/bin" "$stage/tmp" "$stage/etc" "$stage/opt/datarobot/data/backups/gluster"
    install -m 0755 /bin/busybox "$stage/bin/busybox"
    for a in $(/bin/busybox --list); do [[ "$a" == busybox ]] || ln -s busybox "$stage/bin/$a"; done
    tar -C "$stage" --numeric-owner --owner=0 --group=0 -cf "$tar.tmp.$$" . && mv -f "$tar.tmp.$$" "$tar"
    rm -rf "$stage"
  fi
  echo "$tar"
}

light_import() {
  local n="$1" tag tar
  tag="$(light_image_tag)" tar="$(light_image_tar)"
  dk "$n" image inspect "$tag" >/dev/null 2>&1 && return 0
  dk "$n" import --change 'ENV PATH=/bin' --change 'CMD ["/bin/sleep", "1000000000"]' "$tar" "$tag" >/dev/null \
    || die "$n: docker import of $tar failed"
}

light_container() {
  local n="$1" tag state
  tag="$(light_image_tag)"
  state="$(dk "$n" inspect -f '{{.State.Status}}' "$TESTBED_CONTAINER" 2>/dev/null || true)"
  case "$state" in
    running) return 0 ;;
    paused) dk "$n" unpause "$TESTBED_CONTAINER" >/dev/null; return 0 ;;
    "") ;;
    *) dk "$n" start "$TESTBED_CONTAINER" >/dev/null; return 0 ;;
  esac
  # --init: sleep as pid 1 would ignore docker stop's SIGTERM and wait out its 10 s.
  dk "$n" run -d --name "$TESTBED_CONTAINER" --hostname "gluster-$n" --network host --init --restart no \
    -v /opt/datarobot/data/backups/gluster:/opt/datarobot/data/backups/gluster \
    --label gluster-backup-testbed=light "$tag" >/dev/null
}

light_net_up() {
  local n ns veth clash
  clash="$(ip -o -4 addr show | awk -v s="$TESTBED_LIGHT_SUBNET." -v b="$TESTBED_LIGHT_BRIDGE" 'index($4, s) == 1 && $2 != b' || true)"
  [[ -z "$clash" ]] || die "another interface already uses $TESTBED_LIGHT_SUBNET.0/24: $clash (set TESTBED_LIGHT_SUBNET)"
  ip link show "$TESTBED_LIGHT_BRIDGE" >/dev/null 2>&1 || ip link add "$TESTBED_LIGHT_BRIDGE" type bridge
  ip addr replace "$TESTBED_LIGHT_SUBNET.1/24" dev "$TESTBED_LIGHT_BRIDGE"
  ip link set "$TESTBED_LIGHT_BRIDGE" up
  for n in "$@"; do
    ns="$(node_netns "$n")" veth="$(node_veth "$n")"
    [[ -e "/run/netns/$ns" ]] || ip netns add "$ns"
    ip link show "$veth" >/dev/null 2>&1 || ip link add "$veth" type veth peer name eth0 netns "$ns"
    ip link set "$veth" master "$TESTBED_LIGHT_BRIDGE" up
    ip -n "$ns" addr replace "$(node_ip "$n")/24" dev eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
  done
}

light_client_files() {
  local n tmp="$LIGHT_KNOWN_HOSTS.tmp" first=1
  : >"$tmp"
  for n in "$@"; do echo "$(node_ip "$n") $(cut -d' ' -f1-2 "$KEYS/$n-host_ed25519.pub")" >>"$tmp"; done
  mv -f "$tmp" "$LIGHT_KNOWN_HOSTS"
  tmp="$LIGHT_CONFIG.tmp"
  {
    printf '{\n  "nodes": [\n'
    for n in "$@"; do
      (( first )) || printf ',\n'
      first=0
      printf '    {"name": "%s", "host": "%s", "port": 22, "user": "root", "identityFile": "%s"}' "$n" "$(node_ip "$n")" "$CLIENT_KEY"
    done
    printf '\n  ],\n  "knownHostsFile": "%s",\n  "glusterPath": "%s",\n  "containerName": "%s"\n}\n' \
      "$LIGHT_KNOWN_HOSTS" "$TESTBED_MOUNT" "$TESTBED_CONTAINER"
  } >"$tmp"
  mv -f "$tmp" "$LIGHT_CONFIG"
}

light_up() {
  need_root
  local count="${1:?usage: testbed.sh light up N}" start=$SECONDS n pids=() p
  local -a want
  [[ "$count" =~ ^[0-9]+$ ]] && (( count >= 1 && count <= LIGHT_MAX )) || die "light up N: N is 1..$LIGHT_MAX, not '$count'"
  mkdir -p "$TESTBED_DIR" "$LOGS" "$KEYS"
  chmod 700 "$TESTBED_DIR" "$KEYS"
  [[ -s "$CLIENT_KEY" ]] || ssh-keygen -q -t ed25519 -N '' -C gluster-backup-testbed -f "$CLIENT_KEY"
  mapfile -t want < <(light_nodes "$count")
  # Idempotent for any count: nodes beyond N (an earlier, bigger `light up`) go.
  for n in $(existing_light_nodes); do
    (( 10#${n#light} > count )) && { stop_node "$n" & }
  done
  wait
  for n in "${want[@]}"; do
    [[ -s "$KEYS/$n-host_ed25519" ]] || ssh-keygen -q -t ed25519 -N '' -C "$n" -f "$KEYS/$n-host_ed25519"
  done
  # The nodes bind their own directories over these; the real bed made them, or we do.
  for p in /opt/datarobot /var/lib/docker; do
    [[ -d "$p" ]] && continue
    mkdir -p "$p"
    echo "$p" >>"$TESTBED_DIR/light-created-host-dirs"
  done
  light_image_tar >/dev/null
  light_net_up "${want[@]}"
  for n in "${want[@]}"; do start_node "$n"; done
  for n in "${want[@]}"; do wait_node_daemons "$n" || die "$n did not come up (logs: $LOGS/$n-*.log)"; done
  for n in "${want[@]}"; do { light_import "$n" && light_container "$n"; } & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || die "a light node's gluster container did not start"; done
  light_client_files "${want[@]}"
  log "light nodes up in $((SECONDS - start)) s: ${want[0]}..${want[-1]} on $TESTBED_LIGHT_SUBNET.0/24, config $LIGHT_CONFIG"
}

light_down() {
  need_root
  local n start=$SECONDS
  for n in $(existing_light_nodes); do stop_node "$n" & done
  wait
  ip link del "$TESTBED_LIGHT_BRIDGE" 2>/dev/null || true
  rm -f "$LIGHT_CONFIG" "$LIGHT_KNOWN_HOSTS"
  # Host directories we made, unless the real nodes (which bind over them too) are up.
  if [[ -s "$TESTBED_DIR/light-created-host-dirs" ]] && ! compgen -G "/run/netns/${TESTBED_PREFIX}node*" >/dev/null; then
    local p
    while read -r p; do rmdir "$p" 2>/dev/null || true; done <"$TESTBED_DIR/light-created-host-dirs"
    rm -f "$TESTBED_DIR/light-created-host-dirs"
  fi
  local left
  left="$(ip netns list | grep -c "^${TESTBED_PREFIX}light" || true)"
  (( left == 0 )) || die "light down left $left network namespaces: $(ip netns list | grep "^${TESTBED_PREFIX}light" | tr '\n' ' ')"
  log "light nodes down in $((SECONDS - start)) s"
}

# One line per check; non-zero when any configured light node is not fully up.
light_status() {
  local n bad=0 line
  local -a ns
  mapfile -t ns < <(configured_light_nodes)
  if (( ${#ns[@]} == 0 )); then
    echo "light nodes are down (no $LIGHT_CONFIG)"
    return 1
  fi
  light_check() { if "${@:2}" >/dev/null 2>&1; then echo "  ok   $1"; else echo "  FAIL $1"; bad=1; fi; }
  for n in "${ns[@]}"; do
    echo "$n $(node_ip "$n")"
    light_check "link up" bash -c "ip -o link show $(node_veth "$n") | grep -q 'state UP'"
    light_check "init running" init_pid "$n"
    light_check "dockerd answering" dockerd_ok "$n"
    light_check "sshd listening" sshd_listening "$n"
    line="$(dk "$n" inspect -f '{{.State.Status}}' "$TESTBED_CONTAINER" 2>/dev/null || true)"
    light_check "gluster container running (${line:-missing})" test "$line" = running
  done
  return "$bad"
}

light_node_arg() {
  local n="${1:?this command needs a light node (light01..)}"
  [[ "$n" =~ ^light[0-9]+$ && -e "/run/netns/$(node_netns "$n")" ]] || die "$n is not a running light node (testbed.sh light status)"
  echo "$n"
}

# `testbed.sh light COMMAND`: its own lock, so a light up/down never waits on the real bed's.
cmd_light() {
  local what="${1:-}"; shift || true
  case "$what" in
    up|down)
      mkdir -p "$TESTBED_DIR"
      exec 8>"$TESTBED_DIR/.light.lock"
      flock -w 600 8 || die "another testbed.sh light up/down holds $TESTBED_DIR/.light.lock"
      "light_$what" "$@" ;;
    status) light_status ;;
    ssh)
      local n; n="$(light_node_arg "${1:-}")"; shift
      exec ssh -i "$CLIENT_KEY" -o UserKnownHostsFile="$LIGHT_KNOWN_HOSTS" -o StrictHostKeyChecking=yes \
        -o BatchMode=yes -o ConnectTimeout=5 "root@$(node_ip "$n")" "$@" ;;
    cut-link|restore-link|kill-sshd|start-sshd|stop-dockerd|start-dockerd|stop-gluster|pause-container|unpause-container)
      light_node_arg "${1:-}" >/dev/null
      fault "$what" "$1" ;;
    *) die "usage: testbed.sh light up N | down | status | ssh NODE [CMD...] | cut-link|restore-link|kill-sshd|start-sshd|stop-dockerd|start-dockerd|stop-gluster|pause-container|unpause-container NODE" ;;
  esac
}
