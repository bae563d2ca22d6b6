#!/usr/bin/env bash
# Set up everything the tests need (Python packages, and system packages where the
# tests use real servers or browsers), run the code checks (scripts/lint.sh: ruff and
# mypy; a failure stops here, before the tests), then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
scripts/lint.sh
scripts/system-deps.sh
.venv/bin/python -m pytest "$@"
