#!/usr/bin/env bash
# `npm run bench`: builds, brings up the test bed if needed, and prints each measure next to
# its reference (docker CLI over ssh, GNU tar, find) taken in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
# The bundles that ship (minified, as in the VSIX): the load-time row measures what runs.
node esbuild.mjs --production
npx tsc -p tsconfig.test.json
node out/bench/archiveIndex.bench.js
bash testbed/testbed.sh ensure
node out/bench/refresh.bench.js
node out/bench/nodes20.bench.js
node out/bench/backup.bench.js
node out/bench/validate.bench.js
node out/bench/readData.bench.js
node out/bench/restore.bench.js
node out/bench/restoreJob.bench.js
# A million files: about 50 minutes (a backup of them through FUSE is a quarter of an hour a
# side). BENCH_MILLION=0 leaves it out, and says so.
if [ "${BENCH_MILLION:-1}" = 0 ]; then
  echo "bench: the million-file rows were left out (BENCH_MILLION=0)"
else
  node out/bench/million.bench.js
fi
