#!/usr/bin/env bash
# `make cluster-down`: delete the kind cluster `make cluster` created (and everything in it).
set -euo pipefail
cluster=${WOO_KIND_CLUSTER:-woo-platform}
if kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  kind delete cluster --name "$cluster"
else
  echo "cluster-down: no kind cluster named $cluster"
fi
