#!/usr/bin/env bash
# Create .venv and install custodes into it. Usage: scripts/setup.sh [EXTRAS]
# EXTRAS defaults to "all" (resolution, charts, web app, graph); tests use "dev".
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-all}"
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "custodes needs Python 3.11 or newer")'
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=".venv/.custodes-installed-$extras"
# constraints.txt pins every package to the versions the tests last passed with
# (scripts/lock.sh writes it).
constraints=()
[ -f constraints.txt ] && constraints=(-c constraints.txt)
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet ${constraints[@]+"${constraints[@]}"} -e ".[$extras]"
  touch "$stamp"
fi
