#!/usr/bin/env bash
# The main job: set up, build the store from the data it finds, resolve vendors, classify
# awards, print the summary, and serve the web app on it.
# Data: ../shared/data/usaspending when present, else the project's own small fixtures.
# Set CUSTODES_DEMO_NO_SERVE=1 to stop after the summary; CUSTODES_PORT to choose the port.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh all
export CUSTODES_DB="${CUSTODES_DB:-$PWD/var/custodes.duckdb}"
if [ -d ../shared/data/usaspending ]; then
  data=../shared/data/usaspending
else
  echo "../shared/data not found: using the small fixtures in tests/fixtures/usaspending"
  data=tests/fixtures/usaspending
fi
custodes=.venv/bin/custodes
$custodes ingest "$data"
$custodes resolve
$custodes classify
$custodes analyse prepare
$custodes check
$custodes stats
if [ -z "${CUSTODES_DEMO_NO_SERVE:-}" ]; then
  port="${CUSTODES_PORT:-${PORT:-8000}}"
  echo
  echo "custodes web app: http://127.0.0.1:$port/  (API: http://127.0.0.1:$port/openapi.json; Ctrl-C stops it)"
  exec $custodes serve --host 127.0.0.1 --port "$port"
fi
