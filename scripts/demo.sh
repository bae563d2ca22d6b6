#!/usr/bin/env bash
# The main job: set up, build the store from the data it finds, and summarise it.
# Data: ../shared/data/usaspending when present, else the project's own small fixtures.
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
.venv/bin/custodes ingest "$data"
.venv/bin/custodes stats
# Last: the web app on the store just built; it prints its address (Ctrl+C stops it).
exec .venv/bin/custodes serve --host 127.0.0.1 --port "${CUSTODES_PORT:-8000}"
