#!/bin/bash
# helm test: the storefront answers and the WooCommerce REST API (Store API) lists the sample
# product. Requests go to the WordPress Service with the store's public Host and scheme, as the
# ingress controller would send them, so WordPress does not redirect to its canonical URL.
set -Eeuo pipefail

fetch() {
	curl --silent --show-error --fail --max-time 20 --retry 3 --retry-delay 2 --retry-all-errors \
		--header "Host: ${STORE_HOST}" --header "X-Forwarded-Proto: ${STORE_SCHEME}" \
		"http://${WORDPRESS_SERVICE}$1"
}

echo "storefront: GET / on ${STORE_HOST}"
home="$(fetch /)"
if ! grep -q 'woocommerce' <<<"${home}"; then
	echo "FAIL: the storefront answered, but not with a WooCommerce page" >&2
	exit 1
fi

echo "REST API: GET /wp-json/wc/store/v1/products"
products="$(fetch "/wp-json/wc/store/v1/products?per_page=100")"
if ! grep -q "\"sku\":\"${SAMPLE_PRODUCT_SKU}\"" <<<"${products}"; then
	echo "FAIL: the Store API did not list the product with SKU ${SAMPLE_PRODUCT_SKU}" >&2
	exit 1
fi

echo "PASS: storefront and WooCommerce REST API answer"
