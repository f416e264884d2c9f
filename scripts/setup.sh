#!/usr/bin/env bash
# Install everything the platform and its tests need, idempotently:
#   the Python venv (.venv) with the orchestrator and its dev tools, the pinned helm binary
#   (.tools/bin/helm, checksum-verified), the dashboard's npm packages, Debian's restic and
#   MariaDB client for the backup tests, Debian's prometheus (for promtool) and, for the browser
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

# Debian packages, installed only when missing: restic and the MariaDB client run the store's
# backup scripts for real in tests/chart/test_backup_scripts.py; promtool (Debian's prometheus)
# runs the alert rules' unit tests; nginx serves the store chart's maintenance page in
# tests/chart/test_maintenance.py; chromium runs the browser tests; PHP's command line parses the
# store chart's PHP files (php -l).
# restic is pinned: the scripts read its messages and exit codes. The MariaDB client follows
# Debian's security updates, whose exact versions come and go.
debian_packages=()
command -v restic >/dev/null || debian_packages+=("restic=0.14.0-1+b5")
command -v mariadb-dump >/dev/null || debian_packages+=(mariadb-client)
command -v php >/dev/null || debian_packages+=(php-cli)
[ -x /usr/bin/promtool ] || debian_packages+=(prometheus)
[ -x /usr/sbin/nginx ] || debian_packages+=(nginx-light)
if [ "$with_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  debian_packages+=(chromium)
fi
if [ "${#debian_packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${debian_packages[@]}" >/dev/null
  else
    echo "setup: missing Debian packages; install them with: sudo apt-get install ${debian_packages[*]}" >&2
    exit 1
  fi
fi
