#!/usr/bin/env bash
# The dashboard's CI (after `npm ci`, which scripts/setup.sh runs): check the generated API client, type check, lint, build, unit
# tests, browser tests against the real orchestrator; then one `N passed, N failed` line per suite.
# Needs Node >= 20.19, Debian's chromium (/usr/bin/chromium or CHROMIUM_PATH) and the repository's
# Python virtualenv (.venv, or WOO_PYTHON) with the orchestrator and kube_standin importable.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

status=0
step() {
  echo "::: dashboard: $*"
  "$@" || { echo "::: dashboard: FAILED: $*"; status=1; return 1; }
}

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ ! -x "$chromium" ]]; then
  echo "::: dashboard: no Chromium at $chromium (apt-get install -y chromium)"
  exit 1
fi

rm -rf test-results
step npm run check:api
step npm run typecheck
step npm run lint
step npm run build
step node scripts/check-no-inline-script.mjs
step npm run test -- --reporter=default --reporter=json --outputFile.json=test-results/vitest.json
# `npm run e2e` would build again; the browser tests load the build made above.
step npx playwright test
node scripts/test-counts.mjs vitest test-results/vitest.json playwright test-results/playwright.json || status=1
exit "$status"
