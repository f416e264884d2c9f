#!/usr/bin/env bash
# `make cluster`: the platform deployed on a local kind cluster, the way a cluster operator
# would run it. Idempotent: run it again after a change and it rebuilds the images and upgrades
# the releases in place.
#
#   1. a kind cluster (WOO_KIND_CLUSTER, default woo-platform) whose host port 80 reaches the
#      Gateway (cluster.yaml);
#   2. Envoy Gateway (pinned chart, with the Gateway API CRDs), then gateway.yaml: an EnvoyProxy
#      that makes the proxies' Service a NodePort, the GatewayClass and the shared Gateway
#      woo-platform in woo-gateway, which both the platform and the stores attach routes to;
#   3. the platform image (Dockerfile) and the prebuilt WordPress+WooCommerce image that
#      values-local.yaml names (helm/woocommerce/prebuilt), both loaded into the cluster;
#   4. namespace woo-platform (Pod Security `restricted`) with a generated API token Secret;
#      the backup target: MinIO in woo-backups (backup-target.yaml) with a generated key pair,
#      copied into woo-platform for the orchestrator (platform-values.yaml: settings.backup*);
#   5. helm/platform with platform-values.yaml (development PostgreSQL, HTTPRoute on the
#      Gateway), `helm test` (GET /readyz), then /readyz through the Gateway from the host;
#   6. prints the dashboard URL and how to read the token.
#
# Needs Docker, kind (v0.32 or newer), kubectl, curl, Python >= 3.11, port 80 free.
# `make cluster-down` removes the cluster.
set -euo pipefail
cd "$(dirname "$0")/../.."

cluster=${WOO_KIND_CLUSTER:-woo-platform}
namespace=woo-platform
release=woo-platform
host=platform.localhost
backup_namespace=woo-backups
backup_credentials=woo-platform-backup-credentials
# Envoy Gateway's chart, pinned; it installs the Gateway API CRDs (v1.6.1, the version the store
# chart's HTTPRoute is checked against) and supports Kubernetes 1.33 to 1.36.
envoy_gateway_chart=oci://docker.io/envoyproxy/gateway-helm
envoy_gateway_version=v1.9.0
envoy_gateway_namespace=envoy-gateway-system

log() { printf '\n==> %s\n' "$*"; }
for tool in docker kind kubectl curl; do
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

log "installing Envoy Gateway $envoy_gateway_version and the shared Gateway"
"$helm" upgrade --install eg "$envoy_gateway_chart" --version "$envoy_gateway_version" \
  --kube-context "$context" -n "$envoy_gateway_namespace" --create-namespace --wait --timeout 5m
kube -n "$envoy_gateway_namespace" wait --for=condition=Available deployment/envoy-gateway --timeout=300s
kube apply -f scripts/kind/gateway.yaml >/dev/null
kube wait --for=condition=Accepted gatewayclass/envoy --timeout=120s
# Programmed: the proxies run and their NodePort Service exists.
kube -n woo-gateway wait --for=condition=Programmed gateway/woo-platform --timeout=300s

log "building the platform image and the prebuilt store image"
docker build --quiet --build-arg "REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
  -t woo-platform:build .
# Tag by content: a rebuilt image gets a new tag, so the upgrade rolls the pods.
tag="dev-$(docker image inspect -f '{{.Id}}' woo-platform:build | cut -d: -f2 | cut -c1-12)"
docker tag woo-platform:build "woo-platform:$tag"
kind load docker-image --name "$cluster" "woo-platform:$tag"
# The image local stores run (values-local.yaml: wordpress.image); the Dockerfile's defaults are
# the versions its tag names (tests/chart keeps them in step).
store_image=$(awk '/^wordpress:/ { w = 1 } w && /repository:/ { r = $2 } w && /tag:/ { print r ":" $2; exit }' values-local.yaml)
docker build --quiet -t "$store_image" helm/woocommerce/prebuilt >/dev/null
kind load docker-image --name "$cluster" "$store_image"

log "preparing namespace $namespace"
kube create namespace "$namespace" --dry-run=client -o yaml | kube apply -f - >/dev/null
kube label namespace "$namespace" --overwrite pod-security.kubernetes.io/enforce=restricted >/dev/null
if ! kube -n "$namespace" get secret woo-platform-api-token >/dev/null 2>&1; then
  token=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
  kube -n "$namespace" create secret generic woo-platform-api-token --from-literal=token="$token" >/dev/null
fi

log "deploying the backup target (MinIO) in $backup_namespace"
kube create namespace "$backup_namespace" --dry-run=client -o yaml | kube apply -f - >/dev/null
# Generated once; the key pair is read from files, so it never is on a command line.
if ! kube -n "$backup_namespace" get secret minio-credentials >/dev/null 2>&1; then
  kube -n "$backup_namespace" create secret generic minio-credentials \
    --from-file=root-user=<(python3 -c 'import secrets; print("woo" + secrets.token_hex(8), end="")') \
    --from-file=root-password=<(python3 -c 'import secrets; print(secrets.token_hex(24), end="")') >/dev/null
fi
kube apply -f scripts/kind/backup-target.yaml >/dev/null
kube -n "$backup_namespace" rollout status deployment/minio --timeout=300s >/dev/null
minio_key() { kube -n "$backup_namespace" get secret minio-credentials -o "jsonpath={.data.$1}" | base64 -d; }
# The orchestrator's copy (settings.backupCredentialsSecret), with the keys a store's backup
# Secret has; it hands them to each store's backup Jobs.
kube -n "$namespace" create secret generic "$backup_credentials" \
  --from-file=aws-access-key-id=<(minio_key root-user) \
  --from-file=aws-secret-access-key=<(minio_key root-password) \
  --dry-run=client -o yaml | kube apply -f - >/dev/null

log "installing helm/platform ($tag) with the development database, routed through the Gateway"
"$helm" upgrade --install "$release" helm/platform --kube-context "$context" -n "$namespace" \
  -f scripts/kind/platform-values.yaml --set image.tag="$tag" --wait --timeout 10m
"$helm" test "$release" --kube-context "$context" -n "$namespace" --logs >/dev/null

# The whole way in, as a browser takes it: host port 80, the NodePort, Envoy, the HTTPRoute and
# the NetworkPolicy that admits the Gateway's proxies.
for attempt in $(seq 60); do
  curl -fsS -o /dev/null --resolve "$host:80:127.0.0.1" "http://$host/readyz" && break
  [ "$attempt" -lt 60 ] || { echo "cluster-up: http://$host/readyz does not answer through the Gateway" >&2; exit 1; }
  sleep 2
done

cat <<DONE

The platform runs in kind cluster "$cluster" (kubectl context $context).
  Dashboard:  http://$host/ui/
  API:        http://$host/stores
  Token:      kubectl --context $context -n $namespace get secret woo-platform-api-token -o jsonpath='{.data.token}' | base64 -d
  Logs:       kubectl --context $context -n $namespace logs deploy/$release -f
  Backups:    s3 bucket woo-backups on MinIO (namespace $backup_namespace, Service minio:9000)
  Remove it:  make cluster-down
DONE
