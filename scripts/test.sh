#!/usr/bin/env bash
# Set up everything the tests need (Python packages, and system packages where the
# tests use real servers or browsers), run the code checks (scripts/lint.sh: ruff and
# mypy; a failure stops here, before the tests), then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
scripts/lint.sh
scripts/system-deps.sh
# One pytest worker per core (pytest-xdist): a test file stays on one
# worker (--dist loadfile), so its module fixtures (a store built once, a browser, a
# server) are built once; arguments given here come after, so `-n 0` runs it plainly.
.venv/bin/python -m pytest -n auto --dist loadfile "$@"
