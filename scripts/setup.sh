#!/usr/bin/env bash
# Install everything the platform and its tests need, idempotently:
#   the Python venv (.venv) with the orchestrator and its dev tools, the pinned helm binary
#   (.tools/bin/helm, checksum-verified), the dashboard's npm packages, Debian's prometheus
#   (for promtool) and, for the browser tests, Debian's chromium.
# Usage: scripts/setup.sh [--no-browser]
set -euo pipefail
cd "$(dirname "$0")/.."

with_browser=1
[ "${1:-}" = "--no-browser" ] && with_browser=0

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'
.venv/bin/python scripts/install_helm.py >/dev/null

if [ -f dashboard/package-lock.json ]; then
  (cd dashboard && npm ci --no-audit --no-fund --loglevel=error)
fi

# Debian packages: promtool (the alert rules' unit tests) always, chromium for the browser
# tests; the package lists are refreshed once, and only when something is missing.
packages=()
[ -x /usr/bin/promtool ] || packages+=(prometheus)
if [ "$with_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  packages+=(chromium)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
  else
    echo "setup: missing Debian packages; install them: sudo apt-get install ${packages[*]}" >&2
    exit 1
  fi
fi
