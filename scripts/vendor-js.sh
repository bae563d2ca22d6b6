#!/usr/bin/env bash
# Refresh the front-end libraries the web app ships (custodes/serve/static/vendor/).
# Installs them from the npm registry in a temporary directory and copies their
# distribution files in; the copies are committed, so nothing is fetched at run time.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/custodes/serve/static/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts cytoscape@3 >/dev/null
mkdir -p "$dest"
cp node_modules/cytoscape/dist/cytoscape.min.js "$dest/cytoscape.min.js"
cp node_modules/cytoscape/LICENSE "$dest/cytoscape.LICENSE"
node -e 'console.log("cytoscape " + require("./node_modules/cytoscape/package.json").version)' \
  > "$dest/VERSIONS"
echo "vendored into $dest:"; cat "$dest/VERSIONS"
