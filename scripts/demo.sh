#!/usr/bin/env bash
# `npm run demo`: the main job on one machine. Installs what it needs, brings up three data
# nodes (real dockerd, sshd and GlusterFS in network namespaces), builds the CLI and the VSIX,
# and shows the nodes through the same core the extension uses.
# `npm run demo -- down` stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = down ]; then
  exec bash testbed/testbed.sh down
fi
bash .ci/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent package >/dev/null
bash testbed/testbed.sh ensure
echo
node dist/cli.js --config .testbed/config.json status
cat <<MSG

The test bed is up. Try:
  node dist/cli.js --config .testbed/config.json stop --node node2
  node dist/cli.js --config .testbed/config.json start
  bash testbed/testbed.sh cut-link node3     (and restore-link node3)
The extension: gluster-backup.vsix (install with: code --install-extension gluster-backup.vsix),
then set "glusterBackup.nodes" and "glusterBackup.knownHostsFile" as in .testbed/config.json.
Stop everything: npm run demo -- down
MSG
