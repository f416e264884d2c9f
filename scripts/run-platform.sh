#!/usr/bin/env bash
# Start the platform: the orchestrator (API + reconciler) serving the built dashboard on
# http://127.0.0.1:${WOO_PORT:-8000}/ui/.
#
# It drives the cluster your kubeconfig points at (WOO_KUBECONFIG, else KUBECONFIG, else
# ~/.kube/config). With no cluster at all it starts in demo mode: the Kubernetes API stand-in
# (kube_standin/) answers instead, with workloads that become ready at once — enough to try
# the API and the dashboard, not a place to run shops. Demo mode runs without authentication
# (WOO_AUTH=off, which the orchestrator and the dashboard both announce) unless WOO_AUTH is set;
# against a real cluster the API needs a token:
#   .venv/bin/python -m orchestrator tokens create NAME --scope admin
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --no-browser
(cd dashboard && npm run --silent build >/dev/null)

mkdir -p var
if [ -z "${WOO_KUBECONFIG:-}" ]; then
  if [ -n "${KUBECONFIG:-}" ]; then
    export WOO_KUBECONFIG="$KUBECONFIG"
  elif [ -f "$HOME/.kube/config" ]; then
    export WOO_KUBECONFIG="$HOME/.kube/config"
  else
    echo "run-platform: no kubeconfig found; starting in demo mode against the Kubernetes API stand-in" >&2
    export WOO_AUTH="${WOO_AUTH:-off}"
    .venv/bin/python -m kube_standin --port "${WOO_STANDIN_PORT:-6443}" \
      --kubeconfig var/standin-kubeconfig --kubelet ready &
    standin=$!
    trap 'kill "$standin" 2>/dev/null || true' EXIT
    for _ in $(seq 50); do [ -s var/standin-kubeconfig ] && break; sleep 0.1; done
    export WOO_KUBECONFIG="$PWD/var/standin-kubeconfig"
  fi
fi

echo "run-platform: dashboard at http://${WOO_HOST:-127.0.0.1}:${WOO_PORT:-8000}/ui/ (API docs at /docs)" >&2
.venv/bin/python -m orchestrator
