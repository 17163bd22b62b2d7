#!/usr/bin/env bash
# `npm run demo`: the main job on one machine. Installs what it needs, brings up three data
# nodes (real dockerd, sshd and GlusterFS in network namespaces) with sample data, builds the
# VSIX and starts a real VS Code (code-server) with it installed and its settings pointing at
# the nodes, then prints the URL. `npm run demo -- down` stops it all.
# DEMO_PORT (8080) and DEMO_BIND (127.0.0.1) choose where code-server listens.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${DEMO_PORT:-8080}
bind=${DEMO_BIND:-127.0.0.1}

if [ "${1:-}" = down ]; then
  bash scripts/code-server.sh stop demo
  exec bash testbed/testbed.sh down
fi
if [ "$(id -u)" != 0 ]; then
  echo "demo: the test bed needs root (network namespaces, dockerd); run as root" >&2
  exit 1
fi

bash .ci/install-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent package >/dev/null
bash testbed/testbed.sh ensure

settings=$(mktemp)
trap 'rm -f "$settings"' EXIT
node -e '
const c = require("./.testbed/config.json");
process.stdout.write(JSON.stringify({ "glusterBackup.nodes": c.nodes, "glusterBackup.knownHostsFile": c.knownHostsFile }, null, 2));
' >"$settings"
bash scripts/code-server.sh start demo --port "$port" --bind "$bind" --vsix gluster-backup.vsix --settings "$settings"
url=$(bash scripts/code-server.sh url demo)

echo
node dist/cli.js --config .testbed/config.json status
cat <<MSG

Gluster Backup is running in VS Code (code-server, no password; listening on $bind:$port only):

  $url

Open it, then the Gluster Backup icon in the activity bar: three data nodes with real GlusterFS.
Try Stop/Start Gluster on All Nodes, Back Up… (progress panel), Validate Backup… on an archive,
Restore… on an archive (plan first, into a subdirectory to compare before replacing),
and a network fault from a shell:  bash testbed/testbed.sh cut-link node3   (restore-link node3)
The same nodes from the CLI:        node dist/cli.js --config .testbed/config.json status
Stop everything:                    npm run demo -- down
MSG
