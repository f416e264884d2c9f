#!/usr/bin/env bash
# Install everything the platform and its tests need, idempotently:
#   the Python venv (.venv) with the orchestrator and its dev tools, the pinned helm binary
#   (.tools/bin/helm, checksum-verified), the dashboard's npm packages, and, for the browser
#   tests, Debian's chromium.
# Usage: scripts/setup.sh [--no-browser]
set -euo pipefail
cd "$(dirname "$0")/.."

with_browser=1
[ "${1:-}" = "--no-browser" ] && with_browser=0

# Each install runs only when what it installs from changed since it last succeeded: a stamp
# beside the installed packages holds the checksum of pyproject.toml or package-lock.json.
stamp_matches() { [ -f "$2" ] && [ "$(cat "$2")" = "$(sha256sum "$1" | cut -d' ' -f1)" ]; }
write_stamp() { sha256sum "$1" | cut -d' ' -f1 >"$2"; }

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
if ! stamp_matches pyproject.toml .venv/.pyproject.sha256; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e '.[dev]'
  write_stamp pyproject.toml .venv/.pyproject.sha256
fi
.venv/bin/python scripts/install_helm.py >/dev/null

if [ -f dashboard/package-lock.json ] &&
  ! stamp_matches dashboard/package-lock.json dashboard/node_modules/.package-lock.sha256; then
  (cd dashboard && npm ci --no-audit --no-fund --loglevel=error)
  write_stamp dashboard/package-lock.json dashboard/node_modules/.package-lock.sha256
fi

if [ "$with_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: /usr/bin/chromium is missing; install Debian's chromium (sudo apt-get install chromium)" >&2
    exit 1
  fi
fi
