#!/usr/bin/env bash
# End-to-end smoke test on a real cluster (kind): the platform creates a store, a shopper puts
# the sample product in the cart and checks out with Cash on Delivery through the WooCommerce
# Store API, the order is read back inside the store, `helm test` passes, the store is deleted
# and its namespace is verified gone.
#
# Needs: Docker, kind, kubectl, curl, Python >= 3.11, Node >= 20.19 (for the dashboard build),
# ports 80/443 free. One command:   scripts/kind/smoke.sh
# KEEP_CLUSTER=1 keeps the cluster afterwards; WOO_SMOKE_CLUSTER names it (default woo-smoke).
set -euo pipefail
cd "$(dirname "$0")/../.."

cluster=${WOO_SMOKE_CLUSTER:-woo-smoke}
ingress_manifest=${WOO_INGRESS_MANIFEST:-https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.12.1/deploy/static/provider/kind/deploy.yaml}
work=$(mktemp -d)
port=8765
api="http://127.0.0.1:${port}"
host="smoke.localhost"

log() { printf '\n==> %s\n' "$*"; }
fail() { printf '\nSMOKE FAILED: %s\n' "$*" >&2; exit 1; }
json() { .venv/bin/python -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

cleanup() {
  status=$?
  [ -n "${orchestrator_pid:-}" ] && kill "$orchestrator_pid" 2>/dev/null || true
  if [ "$status" -ne 0 ] && [ -f "$work/orchestrator.log" ]; then
    echo "--- orchestrator log (last 60 lines)"; tail -60 "$work/orchestrator.log"
    kubectl get pods,events -A --kubeconfig "$work/kubeconfig" 2>/dev/null | tail -60 || true
  fi
  [ "${KEEP_CLUSTER:-0}" = 1 ] || kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

for tool in docker kind kubectl curl; do
  command -v "$tool" >/dev/null || fail "$tool is required"
done

log "installing the platform's Python environment and helm"
scripts/setup.sh --no-browser >/dev/null

log "creating kind cluster $cluster"
kind create cluster --name "$cluster" --config scripts/kind/cluster.yaml --wait 180s
kind get kubeconfig --name "$cluster" > "$work/kubeconfig"
export KUBECONFIG="$work/kubeconfig"

log "installing ingress-nginx"
kubectl apply -f "$ingress_manifest"
kubectl -n ingress-nginx wait --for=condition=Available deployment/ingress-nginx-controller --timeout=300s
kubectl -n ingress-nginx wait --for=condition=Complete job --all --timeout=300s

log "issuing an API token (the API needs one, as in production)"
token=$(WOO_DATA_DIR="$work/var" .venv/bin/python -m orchestrator tokens create smoke --scope write | tail -1)
# The store API, with the token.
api_call() { curl -fsS -H "Authorization: Bearer $token" "$@"; }

log "starting the orchestrator against the cluster"
WOO_PORT=$port WOO_KUBECONFIG="$KUBECONFIG" WOO_DATA_DIR="$work/var" \
  WOO_READY_DEADLINE_SECONDS=1200 .venv/bin/python -m orchestrator >"$work/orchestrator.log" 2>&1 &
orchestrator_pid=$!
for _ in $(seq 120); do
  curl -fsS "$api/readyz" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "$api/readyz" >/dev/null || fail "the orchestrator is not ready: $(curl -s "$api/readyz")"

log "creating store $host"
store=$(api_call -X POST "$api/stores" -H 'Content-Type: application/json' \
  -d "{\"store_name\":\"smoke\",\"domain\":\"$host\",\"environment\":\"local\"}")
store_id=$(echo "$store" | json 'd["id"]')
namespace=$(echo "$store" | json 'd["namespace"]')
echo "store $store_id in namespace $namespace"

status=""
for _ in $(seq 360); do
  current=$(api_call "$api/stores/$store_id")
  status=$(echo "$current" | json 'd["status"]')
  reason=$(echo "$current" | json 'd["status_reason"]')
  echo "  $status: $reason"
  [ "$status" = Ready ] && break
  [ "$status" = Failed ] && fail "store failed: $reason"
  sleep 5
done
[ "$status" = Ready ] || fail "store not Ready after 30 minutes"

log "storefront answers through the ingress"
shop() { curl -fsS --resolve "$host:80:127.0.0.1" "$@"; }
shop -o /dev/null "http://$host/" || fail "storefront did not answer"

log "placing a Cash on Delivery order through the Store API"
headers="$work/headers"
shop -D "$headers" -o /dev/null "http://$host/wp-json/wc/store/v1/cart"
nonce=$(grep -i '^nonce:' "$headers" | tr -d '\r' | awk '{print $2}')
cart_token=$(grep -i '^cart-token:' "$headers" | tr -d '\r' | awk '{print $2}')
[ -n "$cart_token" ] || fail "the Store API gave no Cart-Token"
product_id=$(shop "http://$host/wp-json/wc/store/v1/products" | json 'd[0]["id"]')
shop -o /dev/null -X POST "http://$host/wp-json/wc/store/v1/cart/add-item" \
  -H "Nonce: $nonce" -H "Cart-Token: $cart_token" -H 'Content-Type: application/json' \
  -d "{\"id\": $product_id, \"quantity\": 1}"
address='{"first_name":"Smoke","last_name":"Test","address_1":"1 Test Street","city":"Testville","postcode":"10115","country":"DE","email":"shopper@example.com","phone":"0123456"}'
order=$(shop -X POST "http://$host/wp-json/wc/store/v1/checkout" \
  -H "Nonce: $nonce" -H "Cart-Token: $cart_token" -H 'Content-Type: application/json' \
  -d "{\"billing_address\": $address, \"shipping_address\": $address, \"payment_method\": \"cod\"}")
order_id=$(echo "$order" | json 'd["order_id"]')
echo "order $order_id: $(echo "$order" | json 'd["status"]')"

log "reading the order back inside the store"
order_status=$(kubectl -n "$namespace" exec deploy/store-wordpress -c wordpress -- \
  php -r "require '/var/www/html/wp-load.php'; echo wc_get_order($order_id)->get_status();")
echo "order $order_id is '$order_status' in WooCommerce"
case "$order_status" in processing|on-hold) ;; *) fail "unexpected order status '$order_status'" ;; esac

log "helm test"
.tools/bin/helm test store -n "$namespace" --kubeconfig "$KUBECONFIG" --logs

log "deleting the store"
api_call -X DELETE "$api/stores/$store_id" >/dev/null
for _ in $(seq 120); do
  status=$(api_call "$api/stores/$store_id" | json 'd["status"]')
  [ "$status" = Deleted ] && break
  [ "$status" = Failed ] && fail "deletion failed: $(api_call "$api/stores/$store_id")"
  sleep 5
done
[ "$status" = Deleted ] || fail "store not Deleted after 10 minutes"
if kubectl get namespace "$namespace" >/dev/null 2>&1; then
  fail "namespace $namespace still exists after delete"
fi

log "smoke test passed: store created, order $order_id placed with Cash on Delivery, store removed"
