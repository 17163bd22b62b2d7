#!/usr/bin/env bash
# The README's test command (`npm test`): installs what the tests need, builds, brings up the
# real test bed (dockerd + sshd + GlusterFS in network namespaces) and runs every suite.
# A suite that cannot run fails the whole command; nothing is skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ "$(id -u)" != 0 ]; then
  echo "test-all: the test bed needs root (network namespaces, dockerd); run as root" >&2
  exit 1
fi

bash .ci/install-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

npm run --silent build
npm run --silent typecheck
npx tsc -p tsconfig.test.json

tally=$(mktemp)
export GB_TEST_TALLY=$tally
# Each failed test with its error, printed again at the end: a run's last lines name what failed.
failures=$(mktemp)
export GB_TEST_FAILURES=$failures
# Test files that kept a handle open after their tests (made to exit; see test-exit-guard.cjs).
held=$(mktemp)
export GB_TEST_HELD_LOG=$held
# Real-VS-Code runs whose workbench failed to start before any suite began, and were started once more.
restarts=$(mktemp)
export GB_TEST_RESTARTS=$restarts
status=0

keep=${KEEP_TESTBED:-0}
cleanup() {
  if [ -n "${cs_pid:-}" ]; then kill -- -"$cs_pid" 2>/dev/null || true; fi
  if [ -n "${bed_pid:-}" ]; then kill -- -"$bed_pid" 2>/dev/null || true; wait "$bed_pid" 2>/dev/null || true; fi
  rm -f "${cs_log:-}" "${bed_log:-}"
  if [ "$keep" != 1 ]; then bash testbed/testbed.sh down >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
# Real VS Code (code-server; desktop VS Code cannot be downloaded here) for the extension-host
# suites, in the newest release and in the oldest that engines.vscode claims. On a machine with
# an empty cache each install is minutes of downloads and native compiles: they run beside the
# unit and integration suites at the lowest CPU and I/O priority, so they take only what those
# leave idle (the integration suite mostly waits on the nodes), and are awaited just before the
# suites that need them.
newest=$(bash scripts/code-server.sh newest)
oldest=$(bash scripts/code-server.sh oldest)
cs_log=$(mktemp)
cs_t0=$SECONDS
low=(nice -n 19)
if command -v ionice >/dev/null; then low+=(ionice -c 3); fi
# Its own session, so a run that ends early stops the whole install with it.
setsid "${low[@]}" bash -c 'bash scripts/code-server.sh install "$1" && bash scripts/code-server.sh install "$2"' install "$newest" "$oldest" >"$cs_log" 2>&1 &
cs_pid=$!

# A fresh test bed every run: whatever an earlier run or a developer left on the volume (a
# 100k-file tree made the whole-volume backups of CI crawl) must not decide this run's outcome.
# TESTBED_REUSE=1 keeps a healthy one for a quicker local rerun.
fresh_testbed() {
  if [ "${TESTBED_REUSE:-0}" = 1 ]; then bash testbed/testbed.sh ensure; return; fi
  bash testbed/testbed.sh down && bash testbed/testbed.sh up
}
# The unit and webview suites never touch the test bed: it comes up beside them (a minute,
# mostly waiting on image imports and glusterd) instead of after them. Its log is printed when
# it is awaited, so the suites' output stays whole. Its own session, so a run that ends early
# stops it with it.
bed_log=$(mktemp)
setsid bash -c "$(declare -f fresh_testbed); fresh_testbed" >"$bed_log" 2>&1 &
bed_pid=$!

node scripts/run-node-tests.mjs --label=unit out/test/unit || status=1
# The progress webview page in real headless Chromium, fed recorded messages.
node scripts/run-node-tests.mjs --label=webview out/test/webview || status=1

# The extension-host suites run while the test bed is still up, then the packaged VSIX driven
# through Chromium.
vscode_labels=("vscode-$newest" "vscode-$oldest" e2e)
t=$SECONDS
bed_ok=1
wait "$bed_pid" || bed_ok=0
bed_pid=
cat "$bed_log"
echo "test-all: waited $((SECONDS - t)) s for the test bed after the unit and webview suites"
if [ "$bed_ok" = 1 ]; then
  node scripts/run-node-tests.mjs --label=integration out/test/integration || status=1
  t=$SECONDS
  if wait "$cs_pid"; then
    cat "$cs_log"
    echo "test-all: code-server $newest and $oldest ready $((SECONDS - cs_t0)) s after their install began; waited $((SECONDS - t)) s for them"
    t=$SECONDS
    node out/test/vscode/launch/codeServer.js --label="vscode-$newest" --version="$newest" || status=1
    echo "test-all: vscode-$newest took $((SECONDS - t)) s"; t=$SECONDS
    node out/test/vscode/launch/codeServer.js --label="vscode-$oldest" --version="$oldest" || status=1
    echo "test-all: vscode-$oldest took $((SECONDS - t)) s"; t=$SECONDS
    npm run --silent package >/dev/null
    node scripts/run-node-tests.mjs --label=e2e out/test/e2e || status=1
    echo "test-all: e2e took $((SECONDS - t)) s"
  else
    cat "$cs_log" >&2
    echo "test-all: CODE-SERVER COULD NOT BE INSTALLED: the real-VS-Code suites cannot run; failing" >&2
    for l in "${vscode_labels[@]}"; do echo "$l 0 1 0" >> "$tally"; done
    status=1
  fi
  # Last: it adds a volume of a million files to node1 for its run (gvmillion, removed after).
  t=$SECONDS
  node scripts/run-node-tests.mjs --label=scale out/test/scale || status=1
  echo "test-all: scale took $((SECONDS - t)) s"
else
  echo "test-all: THE TEST BED DID NOT COME UP: integration, real-VS-Code and scale suites cannot run; failing" >&2
  for l in integration "${vscode_labels[@]}" scale; do echo "$l 0 1 0" >> "$tally"; done
  status=1
fi

if [ -s "$failures" ]; then
  echo "failed tests:"
  sed 's/^/  /' "$failures"
fi
rm -f "$failures"
if [ -s "$held" ]; then
  echo "held open after their tests (not a failure; a handle to find):"
  sed 's/^/  /' "$held"
fi
rm -f "$held"
if [ -s "$restarts" ]; then
  echo "started once more (the workbench ended before any suite began; every suite then ran in a second code-server):"
  sed 's/^/  /' "$restarts"
fi
rm -f "$restarts"
awk '{p+=$2; f+=$3; s+=$4} END {printf "total: %d passed, %d failed%s\n", p, f, (s ? sprintf(", %d skipped", s) : "")}' "$tally"
rm -f "$tally"
exit $status
