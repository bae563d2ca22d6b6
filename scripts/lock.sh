#!/usr/bin/env bash
# Write constraints.txt: the exact version of every package in the test install (.venv,
# "dev"), which scripts/setup.sh then installs whatever the extras. A new release of a
# dependency (splink 5 dropped pandas) cannot then change a fresh install behind the
# tests' back. To move to newer versions: delete .venv, run this, run the tests, commit.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f constraints.txt ] || [ ! -x .venv/bin/python ]; then
  rm -f constraints.txt
  scripts/setup.sh dev
fi
{
  echo "# Exact versions for scripts/setup.sh; written by scripts/lock.sh on $(date -u +%F)"
  echo "# with $(.venv/bin/python -c 'import platform; print("Python", platform.python_version())'). Regenerate with scripts/lock.sh."
  .venv/bin/python -m pip freeze --exclude-editable | grep -v -i '^custodes'
} > constraints.txt.new
mv constraints.txt.new constraints.txt
echo "wrote constraints.txt ($(grep -vc '^#' constraints.txt) packages)"
