#!/usr/bin/env bash
# Every test of the project, in the order that fails fastest. `make test` runs setup first;
# CI (.ci/run) runs `make test`. Each suite prints its own `N passed, N failed` line.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

status=0
run() {
  echo "::: $*"
  "$@" || { echo "::: FAILED: $*"; status=1; }
}

run .venv/bin/ruff check .
run .venv/bin/ruff format --check .
run .venv/bin/mypy
run .venv/bin/lint-imports
# In parallel (pytest-xdist): -n and --dist are explained in DEVELOPERS.md ("Running the tests").
run .venv/bin/python -m pytest -n 4 --dist loadfile
run dashboard/scripts/ci.sh
exit "$status"
