#!/usr/bin/env bash
# The code checks that scripts/test.sh (so CI) runs before the tests, stopping at the
# first that fails: ruff's lint rules, ruff's formatting, and mypy's type check of the
# package, all configured in pyproject.toml. Needs the "dev" install (scripts/setup.sh dev).
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(custodes tests bench scripts)

fail() {
  echo "scripts/lint.sh: $1 failed (see above). $2" >&2
  exit 1
}

echo "ruff check ${paths[*]}"
.venv/bin/ruff check "${paths[@]}" ||
  fail "ruff check" "Fix those lines; .venv/bin/ruff check --fix ${paths[*]} mends some."
echo "ruff format --check ${paths[*]}"
.venv/bin/ruff format --check "${paths[@]}" ||
  fail "ruff format --check" "Run: .venv/bin/ruff format ${paths[*]}"
echo "mypy (the custodes package)"
.venv/bin/mypy ||
  fail "mypy" "Fix the types above; the settings are [tool.mypy] in pyproject.toml."
echo "lint: ruff check, ruff format and mypy passed"
