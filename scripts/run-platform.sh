#!/usr/bin/env bash
# Start the platform: the orchestrator (API + reconciler) serving the built dashboard on
# http://127.0.0.1:${WOO_PORT:-8000}/ui/.
#
# It drives the cluster your kubeconfig points at (WOO_KUBECONFIG, else KUBECONFIG, else
# ~/.kube/config). With no cluster at all it starts in demo mode: the Kubernetes API stand-in
# (kube_standin/) answers on 127.0.0.1:${WOO_STANDIN_PORT:-6443} instead, with workloads that
# become ready at once — enough to try the API and the dashboard, not a place to run shops.
# Demo mode runs without authentication (WOO_AUTH=off, which the orchestrator and the dashboard
# both announce) unless WOO_AUTH is set; against a real cluster the API needs a token:
#   .venv/bin/python -m orchestrator tokens create NAME --scope admin
#
# Demo mode keeps its cluster and its database together in ${WOO_DATA_DIR:-var}/demo/: the
# stand-in's objects (cluster.json) and the orchestrator's SQLite file. A restart carries on
# both; when one of them is missing, both start clean. Stores named `fail-…` fail their setup on
# purpose, to show a Failed store and Retry.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --no-browser
# Build the dashboard only when a source is newer than the last build.
if [ ! -f dashboard/dist/index.html ] ||
  [ -n "$(find dashboard/src dashboard/public dashboard/index.html dashboard/vite.config.ts \
    dashboard/package-lock.json -newer dashboard/dist/index.html -print -quit)" ]; then
  (cd dashboard && npm run --silent build >/dev/null)
fi

if [ -z "${WOO_KUBECONFIG:-}" ]; then
  if [ -n "${KUBECONFIG:-}" ]; then
    export WOO_KUBECONFIG="$KUBECONFIG"
  elif [ -f "$HOME/.kube/config" ]; then
    export WOO_KUBECONFIG="$HOME/.kube/config"
  else
    demo="${WOO_DATA_DIR:-$PWD/var}/demo"
    standin_port="${WOO_STANDIN_PORT:-6443}"
    mkdir -p "$demo"
    if [ -z "${WOO_DATABASE_URL:-}" ]; then
      export WOO_DATABASE_URL="sqlite:///$demo/woo-platform.sqlite3"
      if [ ! -f "$demo/cluster.json" ] || [ ! -f "$demo/woo-platform.sqlite3" ]; then
        rm -f "$demo/cluster.json" "$demo/woo-platform.sqlite3"
      fi
    fi
    echo "run-platform: no kubeconfig found; demo mode against the Kubernetes API stand-in on port $standin_port (state in $demo)" >&2
    export WOO_AUTH="${WOO_AUTH:-off}"
    rm -f "$demo/kubeconfig"
    .venv/bin/python -m kube_standin --port "$standin_port" --kubeconfig "$demo/kubeconfig" \
      --kubelet ready --state-file "$demo/cluster.json" --fail-prefix fail- \
      >"$demo/kube-standin.log" 2>&1 &
    standin=$!
    trap 'kill "$standin" 2>/dev/null || true; wait "$standin" 2>/dev/null || true' EXIT
    until [ -s "$demo/kubeconfig" ]; do
      if ! kill -0 "$standin" 2>/dev/null; then
        echo "run-platform: the stand-in did not start: $(tail -n 1 "$demo/kube-standin.log"); set WOO_STANDIN_PORT to use another port" >&2
        exit 1
      fi
      sleep 0.1
    done
    export WOO_KUBECONFIG="$demo/kubeconfig"
  fi
fi

echo "run-platform: dashboard at http://${WOO_HOST:-127.0.0.1}:${WOO_PORT:-8000}/ui/ (API docs at /docs)" >&2
.venv/bin/python -m orchestrator
