#!/bin/bash
# Installs the Debian packages the test bed (testbed/) and the integration
# tests need. Idempotent and quiet: packages already present are skipped, and
# nothing is fetched when all are there.
set -euo pipefail

PKGS=(
  docker.io              # dockerd 20.10 per simulated node (+ docker CLI, docker-init)
  tini                   # subreaper holding each node's namespaces (pid 1 may not reap)
  openssh-server         # sshd per node
  openssh-client         # ssh/ssh-keygen for keys and manual checks
  mmdebstrap             # builds the GlusterFS rootfs image offline from the apt mirror
  debian-archive-keyring # lets mmdebstrap verify that mirror
  busybox-static
  iproute2               # ip netns / veth / bridge
  util-linux             # nsenter, unshare, flock, mountpoint
  bsdutils               # script: the CLI on a pseudo-terminal in the restore progress test
  procps psmisc
  zstd
  coreutils findutils tar gzip
  time                   # GNU time: the CLI's peak RSS in the scale suite and bench/million
  chromium               # headless browser for the webview page test (playwright-core drives it)
  curl                   # readiness checks of code-server
  build-essential python3 pkg-config libkrb5-dev libsecret-1-dev   # code-server native modules (4.17: keytar too) compile on install
  ripgrep                # code-server 4.17's search binary: its installer would fetch it from GitHub
  fonts-dejavu-core      # readable text in the screenshots of the browser end-to-end test
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if (( ${#missing[@]} == 0 )); then
  echo "install-deps: all ${#PKGS[@]} packages already installed"
  exit 0
fi

SUDO=()
if [[ $EUID -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive

# Package scripts would otherwise start a system dockerd and sshd in the root
# namespace (iptables rules, docker0, port 22) that the test bed neither needs
# nor wants; policy-rc.d exit 101 = "do not start services". Only added if the
# machine has none, and removed again afterwards.
POLICY=/usr/sbin/policy-rc.d
added_policy=0
if [[ ! -e "$POLICY" ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod 0755 "$POLICY"
  added_policy=1
fi
cleanup() { (( added_policy )) && "${SUDO[@]}" rm -f "$POLICY"; return 0; }
trap cleanup EXIT

"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
