#!/usr/bin/env bash
# `make cluster`: the platform deployed on a local kind cluster, the way a cluster operator
# would run it. Idempotent: run it again after a change and it rebuilds the image and upgrades
# the release in place.
#
#   1. a kind cluster (WOO_KIND_CLUSTER, default woo-platform) serving ports 80/443 on the host;
#   2. ingress-nginx;
#   3. the image built from the Dockerfile, tagged by its content, loaded into the cluster;
#   4. namespace woo-platform (Pod Security `restricted`) with a generated API token Secret;
#   5. helm/platform with the development PostgreSQL, then `helm test` (GET /readyz);
#   6. prints the dashboard URL and how to read the token.
#
# Needs Docker, kind, kubectl, Python >= 3.11. `make cluster-down` removes the cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."

cluster=${WOO_KIND_CLUSTER:-woo-platform}
namespace=woo-platform
release=woo-platform
host=${WOO_PLATFORM_HOST:-platform.localhost}
ingress_manifest=${WOO_INGRESS_MANIFEST:-https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.12.1/deploy/static/provider/kind/deploy.yaml}

log() { printf '\n==> %s\n' "$*"; }
for tool in docker kind kubectl; do
  command -v "$tool" >/dev/null || { echo "cluster-up: $tool is required" >&2; exit 1; }
done

if [ ! -x .tools/bin/helm ]; then
  python3 scripts/install_helm.py >/dev/null
fi
helm=.tools/bin/helm

if kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  log "kind cluster $cluster exists"
else
  log "creating kind cluster $cluster"
  kind create cluster --name "$cluster" --config scripts/kind/cluster.yaml --wait 180s
fi
context="kind-$cluster"
kube() { kubectl --context "$context" "$@"; }

log "installing ingress-nginx"
kube apply -f "$ingress_manifest" >/dev/null
kube -n ingress-nginx wait --for=condition=Available deployment/ingress-nginx-controller --timeout=300s
# Its admission webhook answers only once these Jobs made its certificate.
kube -n ingress-nginx wait --for=condition=Complete job --all --timeout=300s

log "building the platform image"
docker build --quiet --build-arg "REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
  -t woo-platform:build .
# Tag by content: a rebuilt image gets a new tag, so the upgrade rolls the pods.
tag="dev-$(docker image inspect -f '{{.Id}}' woo-platform:build | cut -d: -f2 | cut -c1-12)"
docker tag woo-platform:build "woo-platform:$tag"
kind load docker-image --name "$cluster" "woo-platform:$tag"

log "preparing namespace $namespace"
kube create namespace "$namespace" --dry-run=client -o yaml | kube apply -f - >/dev/null
kube label namespace "$namespace" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
if ! kube -n "$namespace" get secret woo-platform-api-token >/dev/null 2>&1; then
  token=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
  kube -n "$namespace" create secret generic woo-platform-api-token --from-literal=token="$token" >/dev/null
fi

log "installing helm/platform ($tag) with the development database"
"$helm" upgrade --install "$release" helm/platform --kube-context "$context" -n "$namespace" \
  --set image.tag="$tag" --set postgresql.enabled=true --set exposure.host="$host" \
  --wait --timeout 10m
"$helm" test "$release" --kube-context "$context" -n "$namespace" --logs >/dev/null

cat <<DONE

The platform runs in kind cluster "$cluster" (kubectl context $context).
  Dashboard:  http://$host/ui/
  API:        http://$host/stores
  Token:      kubectl --context $context -n $namespace get secret woo-platform-api-token -o jsonpath='{.data.token}' | base64 -d
  Logs:       kubectl --context $context -n $namespace logs deploy/$release -f
  Remove it:  make cluster-down
DONE
