#!/bin/bash
# Setup Job of a woo-platform store, run by WP-CLI in the official wordpress:cli image.
#
# Brings WordPress and WooCommerce to the state the chart's values describe. Every step first
# reads the current state and changes only what differs, so the Job runs again safely on every
# Helm revision (retry, upgrade, changed settings).
#
# Exit status: 1 = failed, a new pod may succeed (the Job retries up to its backoffLimit);
#              3 = configuration error or an image without a working WP-CLI, retrying cannot
#                  help (the Job fails at once).
#
# With ADOPT_RESTORED_SITE=true (setup.adoptRestoredSite, after a restore or a clone) the run
# first makes the restored database this store's: its site URL becomes WORDPRESS_HOME_URL, and
# the admin user's email and password become the Secret's.
set -Eeuo pipefail

# Where the Job pod mounts the store's wp-content volume and the image's bundled WooCommerce.
readonly WP_CONTENT_DIR="${WP_CONTENT_DIR:-/var/www/html/wp-content}"
readonly BUNDLED_WOOCOMMERCE="${BUNDLED_WOOCOMMERCE:-/bundled/woocommerce}"
readonly SCRIPTS_DIR="${BASH_SOURCE[0]%/*}"
readonly PLUGIN_DIR="${WP_CONTENT_DIR}/plugins/woocommerce"
# A new WooCommerce is assembled and verified here, on the same volume as the live plugin, and
# then renamed into place: WordPress never sees a half-written plugin, and a run that dies
# half-way leaves only this directory, which the next run clears.
readonly STAGING_ROOT="${WP_CONTENT_DIR}/upgrade/woo-platform-woocommerce"
readonly DOWNLOAD_BASE="${DOWNLOAD_BASE:-https://downloads.wordpress.org/plugin}"
readonly PERMALINK_STRUCTURE='/%postname%/'
readonly SAMPLE_PRODUCT_MARKER=woo_platform_sample_product

log() {
	printf '[setup] %s\n' "$*"
}

config_error() {
	printf '[setup] configuration error: %s\n' "$*" >&2
	exit 3
}

trap 'printf "[setup] failed (line %s): %s\n" "${LINENO}" "${BASH_COMMAND}" >&2' ERR

main() {
	require_environment
	require_wp_cli
	wait_for_database
	seed_database_if_empty
	ensure_wordpress_installed
	adopt_restored_site
	ensure_admin_password
	ensure_wordpress_database_current
	ensure_woocommerce_files
	ensure_woocommerce_active
	ensure_woocommerce_database_current
	ensure_store_settings
	ensure_shop_pages
	ensure_cash_on_delivery
	ensure_sample_product
	log "store is set up: ${WORDPRESS_HOME_URL}"
}

require_environment() {
	local name
	for name in WORDPRESS_DB_HOST WORDPRESS_DB_NAME WORDPRESS_DB_USER WORDPRESS_DB_PASSWORD \
		WORDPRESS_HOME_URL WORDPRESS_ADMIN_USER WORDPRESS_ADMIN_PASSWORD WORDPRESS_ADMIN_EMAIL \
		STORE_NAME STORE_CURRENCY STORE_COUNTRY SAMPLE_PRODUCT_NAME SAMPLE_PRODUCT_SKU \
		SAMPLE_PRODUCT_PRICE WOOCOMMERCE_VERSION WOOCOMMERCE_SOURCE DATABASE_WAIT_SECONDS; do
		if [ -z "${!name:-}" ]; then
			config_error "environment variable ${name} is empty"
		fi
	done
}

# Checked before the database wait, so a wrong setup.image fails at once, not after minutes.
require_wp_cli() {
	if ! command -v wp >/dev/null; then
		config_error "WP-CLI ('wp') is not on PATH: setup.image must be a wordpress:cli image"
	fi
}

# MariaDB may still be initialising on a first install; WP-CLI would fail at once, so wait.
wait_for_database() {
	local deadline=$((SECONDS + DATABASE_WAIT_SECONDS))
	log "waiting for the database at ${WORDPRESS_DB_HOST}"
	until database_answers; do
		if ((SECONDS >= deadline)); then
			log "the database at ${WORDPRESS_DB_HOST} did not answer within ${DATABASE_WAIT_SECONDS}s" >&2
			return 1
		fi
		sleep 3
	done
	log "the database answers"
}

# Connects with WordPress's own credentials. PHP reads them from the environment, so the
# password never appears on a command line.
database_answers() {
	# shellcheck disable=SC2016 # PHP code: its variables are PHP's, not the shell's.
	php -r '
		mysqli_report(MYSQLI_REPORT_OFF);
		$address = explode(":", getenv("WORDPRESS_DB_HOST"), 2);
		$db = @mysqli_connect($address[0], getenv("WORDPRESS_DB_USER"),
			getenv("WORDPRESS_DB_PASSWORD"), getenv("WORDPRESS_DB_NAME"), (int) ($address[1] ?? 3306));
		exit($db ? 0 : 1);'
}

# "wp core is-installed" exits 1 for a site that is not installed; 126 and 127 mean WP-CLI
# itself cannot run (e.g. its PHP is missing), which no retry heals and no install fixes.
ensure_wordpress_installed() {
	local status=0
	wp core is-installed || status=$?
	case "${status}" in
	0)
		log "WordPress is installed"
		return
		;;
	1) ;;
	126 | 127) config_error "WP-CLI cannot run ('wp core is-installed' exited ${status}): setup.image must be a working wordpress:cli image" ;;
	*)
		log "'wp core is-installed' failed with exit status ${status}" >&2
		return 1
		;;
	esac
	log "installing WordPress for ${WORDPRESS_HOME_URL}"
	# No password is passed: WP-CLI then generates one and prints it, so its output is dropped
	# (errors still reach stderr). ensure_admin_password replaces it right after with the
	# Secret's. Passing the Secret's instead would put it on a command line or, with
	# --prompt, into this log: PHP's readline echoes what it reads from a pipe.
	wp core install \
		--url="${WORDPRESS_HOME_URL}" \
		--title="${STORE_NAME}" \
		--admin_user="${WORDPRESS_ADMIN_USER}" \
		--admin_email="${WORDPRESS_ADMIN_EMAIL}" \
		--skip-email >/dev/null
	log "WordPress is installed"
}

# A restored database carries the URL of the site it was backed up from: another store's after
# a clone, or an older domain. Links in posts, options and WooCommerce data (serialized PHP,
# which --precise rewrites with its lengths; JSON-escaped in blocks) move to this store's URL.
# The guid column keeps the old URL: it identifies posts to feed readers and must never change.
adopt_restored_site() {
	if [ "${ADOPT_RESTORED_SITE:-false}" != true ]; then
		return
	fi
	local stored
	stored="$(wp eval-file "${SCRIPTS_DIR}/site-identity.php" stored-url)"
	stored="${stored%/}"
	if [ "${stored}" = "${WORDPRESS_HOME_URL}" ]; then
		log "the restored site's URL is this store's: ${stored}"
		return
	fi
	log "rewriting the restored site's URL ${stored} to ${WORDPRESS_HOME_URL}"
	rewrite_url "${stored}" "${WORDPRESS_HOME_URL}"
	rewrite_url "${stored//\//\\/}" "${WORDPRESS_HOME_URL//\//\\/}"
	wp eval-file "${SCRIPTS_DIR}/site-identity.php" adopt-url
}

rewrite_url() {
	wp search-replace "$1" "$2" --all-tables-with-prefix --precise --skip-columns=guid \
		--report-changed-only
}

# The admin's password is the one in the store's Secret, on every run: admin-login.php reads
# it from the environment inside PHP, so it is on no command line and in no output. After a
# restore it also sets the admin's email (and creates the admin if the database lacks it).
ensure_admin_password() {
	local outcome adopt=0
	if [ "${ADOPT_RESTORED_SITE:-false}" = true ]; then
		adopt=1
	fi
	outcome="$(WOO_PLATFORM_ADOPT_ADMIN="${adopt}" wp eval-file "${SCRIPTS_DIR}/admin-login.php")"
	case "${outcome}" in
	*created*) log "admin user: created from the store's Secret" ;;
	*"email updated"*) log "admin email: updated" ;;
	esac
	log "admin password: ${outcome##*$'\n'}"
}

# A newer WordPress image brings newer core files; its database schema follows here.
ensure_wordpress_database_current() {
	local stored code
	stored="$(wp option get db_version)"
	code="$(wp core version --extra | sed -n 's/^Database revision:[[:space:]]*//p')"
	if [ "${stored}" = "${code}" ]; then
		log "WordPress database is current (revision ${code})"
		return
	fi
	log "updating the WordPress database from revision ${stored} to ${code}"
	wp core update-db
}

ensure_woocommerce_files() {
	local installed
	installed="$(wp plugin get woocommerce --field=version 2>/dev/null || true)"
	if [ "${installed}" = "${WOOCOMMERCE_VERSION}" ] && live_plugin_is_intact; then
		log "WooCommerce ${installed} is installed"
		return
	fi
	log "installing WooCommerce ${WOOCOMMERCE_VERSION} (found: ${installed:-none})"
	rm -rf "${STAGING_ROOT}"
	mkdir -p "${STAGING_ROOT}"
	case "${WOOCOMMERCE_SOURCE}" in
	download) stage_woocommerce_download ;;
	image) stage_woocommerce_bundled ;;
	*) config_error "woocommerce.source must be 'download' or 'image', not '${WOOCOMMERCE_SOURCE}'" ;;
	esac
	swap_in_staged_woocommerce
}

# A downloaded plugin is checked against wordpress.org's per-file checksums on every run, which
# also catches a copy that an older, non-atomic install left half-written. The prebuilt image's
# copy came with the image and is only checked for its version.
live_plugin_is_intact() {
	if [ "${WOOCOMMERCE_SOURCE}" != download ]; then
		return 0
	fi
	if wp plugin verify-checksums woocommerce >&2; then
		return 0
	fi
	log "the installed WooCommerce does not match wordpress.org's checksums" >&2
	return 1
}

# Short connect timeout and a bounded retry window: a slow or flapping mirror costs minutes, not
# the Job's whole deadline, and then the attempt fails retryably (exit 1: the Job tries again).
# Integrity comes from wordpress.org's per-file checksums (verify_staged_woocommerce), which stay
# valid when the zip is rebuilt upstream, unlike a checksum of the zip itself.
stage_woocommerce_download() {
	local url="${DOWNLOAD_BASE}/woocommerce.${WOOCOMMERCE_VERSION}.zip"
	local archive="${STAGING_ROOT}/woocommerce.zip"
	if ! curl --fail --silent --show-error --location \
		--connect-timeout 10 --max-time 180 \
		--retry 4 --retry-delay 5 --retry-max-time 420 --retry-all-errors \
		--output "${archive}" "${url}"; then
		log "downloading ${url} failed; the next attempt tries again" >&2
		return 1
	fi
	if ! unzip -q "${archive}" -d "${STAGING_ROOT}" || [ ! -f "${STAGING_ROOT}/woocommerce/woocommerce.php" ]; then
		log "${url} is not a WooCommerce plugin archive; the next attempt downloads it again" >&2
		return 1
	fi
	rm -f "${archive}"
	verify_staged_woocommerce
}

# WP-CLI verifies the staged copy before it goes live: wp-config.php points WP_PLUGIN_DIR at the
# staging directory when WOO_PLATFORM_PLUGIN_DIR is set, and --skip-plugins keeps WordPress from
# running the unverified code while it checks.
verify_staged_woocommerce() {
	if ! WOO_PLATFORM_PLUGIN_DIR="${STAGING_ROOT}" wp plugin verify-checksums woocommerce \
		--skip-plugins --skip-themes >&2; then
		log "the downloaded WooCommerce ${WOOCOMMERCE_VERSION} does not match wordpress.org's checksums; the next attempt downloads it again" >&2
		return 1
	fi
	log "WooCommerce ${WOOCOMMERCE_VERSION} matches wordpress.org's checksums"
}

# The prepare-docroot init container copied the image's WooCommerce to /bundled.
stage_woocommerce_bundled() {
	local bundled_version
	if [ ! -f "${BUNDLED_WOOCOMMERCE}/woocommerce.php" ]; then
		config_error "woocommerce.source is 'image' but no WooCommerce came from the WordPress image"
	fi
	bundled_version="$(sed -n 's/^[[:space:]*]*Version:[[:space:]]*//p' "${BUNDLED_WOOCOMMERCE}/woocommerce.php" | head -n 1)"
	if [ "${bundled_version}" != "${WOOCOMMERCE_VERSION}" ]; then
		config_error "the WordPress image carries WooCommerce ${bundled_version}, woocommerce.version is ${WOOCOMMERCE_VERSION}"
	fi
	cp -a "${BUNDLED_WOOCOMMERCE}" "${STAGING_ROOT}/woocommerce"
}

# Two renames on one volume: the live plugin is either the old complete copy, the new complete
# copy, or (killed between the renames) absent, which the next run sees as "not installed".
swap_in_staged_woocommerce() {
	local previous="${STAGING_ROOT}/previous"
	if [ -d "${PLUGIN_DIR}" ]; then
		mv "${PLUGIN_DIR}" "${previous}"
	fi
	mv "${STAGING_ROOT}/woocommerce" "${PLUGIN_DIR}"
	rm -rf "${STAGING_ROOT}"
}

ensure_woocommerce_active() {
	if wp plugin is-active woocommerce; then
		log "WooCommerce is active"
		return
	fi
	log "activating WooCommerce"
	wp plugin activate woocommerce
}

# After a WooCommerce upgrade its own schema migrations run here, not on a shopper's request.
ensure_woocommerce_database_current() {
	local stored
	stored="$(wp option get woocommerce_db_version 2>/dev/null || true)"
	if [ "${stored}" = "${WOOCOMMERCE_VERSION}" ]; then
		log "WooCommerce database is current (${stored})"
		return
	fi
	log "updating the WooCommerce database from ${stored:-none} to ${WOOCOMMERCE_VERSION}"
	wp wc update
}

ensure_store_settings() {
	ensure_option blogname "${STORE_NAME}"
	ensure_option woocommerce_currency "${STORE_CURRENCY}"
	ensure_option woocommerce_store_address "${STORE_ADDRESS_STREET:-}"
	ensure_option woocommerce_store_city "${STORE_CITY:-}"
	ensure_option woocommerce_store_postcode "${STORE_POSTCODE:-}"
	ensure_option woocommerce_default_country "${STORE_COUNTRY}"
	# New WooCommerce stores start in "coming soon" mode, which hides the shop from shoppers.
	ensure_option woocommerce_coming_soon no
	ensure_option woocommerce_allow_tracking no
	ensure_option woocommerce_onboarding_profile '{"skipped":true}' json
	if [ "$(wp option get permalink_structure)" = "${PERMALINK_STRUCTURE}" ]; then
		log "pretty permalinks are on"
	else
		log "turning on pretty permalinks"
		wp rewrite structure "${PERMALINK_STRUCTURE}"
	fi
}

# ensure_option NAME VALUE [json]: update the option only when its value differs.
ensure_option() {
	local name="$1" value="$2" format=() current
	if [ "${3:-}" = json ]; then
		format=(--format=json)
	fi
	current="$(wp option get "${name}" "${format[@]}" 2>/dev/null || true)"
	if [ "${current}" = "${value}" ]; then
		return
	fi
	log "setting ${name}"
	wp option update "${name}" "${value}" "${format[@]}"
}

# WooCommerce creates shop, cart, checkout and account pages when first activated; this repairs
# a store where that did not happen.
ensure_shop_pages() {
	local checkout_page
	checkout_page="$(wp option get woocommerce_checkout_page_id 2>/dev/null || true)"
	if [ -n "${checkout_page}" ] && [ "${checkout_page}" != 0 ]; then
		log "shop pages exist"
		return
	fi
	log "creating the shop pages"
	wp wc tool run install_pages --user="${WORDPRESS_ADMIN_USER}"
}

ensure_cash_on_delivery() {
	if [ "$(wp option pluck woocommerce_cod_settings enabled 2>/dev/null || true)" = yes ]; then
		log "Cash on Delivery is enabled"
		return
	fi
	log "enabling Cash on Delivery"
	wp wc payment_gateway update cod --enabled=true --user="${WORDPRESS_ADMIN_USER}"
}

# The sample product is created once. The marker option remembers that, so a store owner who
# deletes it does not get it back on the next upgrade; the SKU lookup covers a Job that died
# between creating the product and writing the marker.
ensure_sample_product() {
	local existing
	if [ "$(wp option get "${SAMPLE_PRODUCT_MARKER}" 2>/dev/null || true)" = created ]; then
		log "the sample product was created before"
		return
	fi
	existing="$(wp wc product list --sku="${SAMPLE_PRODUCT_SKU}" --status=any --field=id --user="${WORDPRESS_ADMIN_USER}")"
	if [ -z "${existing}" ]; then
		log "creating the sample product ${SAMPLE_PRODUCT_SKU}"
		# Virtual: it needs no shipping zone, so Cash on Delivery checkout works out of the box.
		wp wc product create \
			--name="${SAMPLE_PRODUCT_NAME}" \
			--sku="${SAMPLE_PRODUCT_SKU}" \
			--regular_price="${SAMPLE_PRODUCT_PRICE}" \
			--type=simple \
			--virtual=true \
			--status=publish \
			--user="${WORDPRESS_ADMIN_USER}"
	fi
	wp option update "${SAMPLE_PRODUCT_MARKER}" created --autoload=no
}

# The seeded install (setup.seed) lives in its own file, shipped beside this one.
# shellcheck source=/dev/null # seed.sh is checked on its own
source "${SCRIPTS_DIR}/seed.sh"

main "$@"
