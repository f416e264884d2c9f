#!/bin/bash
# Makes the seed of the prebuilt store image (the chart's setup.seed, files/seed.sh): WordPress
# installed and WooCommerce activated for a placeholder site and a placeholder administrator, then
# dumped. Runs in the Dockerfile's seed stage, on the image's own WordPress, WooCommerce and PHP,
# with a MariaDB server that lives only as long as this script.
#
# Usage: build-seed.sh OUTPUT_DIR
#   writes OUTPUT_DIR/seed.sql, OUTPUT_DIR/seed.manifest and OUTPUT_DIR/SHA256SUMS.
# Environment: WOOCOMMERCE_VERSION (the version the image carries; checked), SEED_WORDPRESS
#   (/usr/src/wordpress, with wp-content/plugins/woocommerce), SEED_WORK (a scratch directory),
#   SEED_DB_HOST: empty = start a private MariaDB server on a socket in SEED_WORK; otherwise an
#   existing server's host (root without password), where SEED_DB_NAME is created.
#
# Nothing secret is in the seed: the administrator's password is WP-CLI's random one, never
# written down (each store sets its own from its Secret), and the salts used here are random and
# stay in the throwaway wp-config.php.
set -Eeuo pipefail

readonly OUTPUT_DIR="${1:?usage: build-seed.sh OUTPUT_DIR}"
readonly SEED_WORDPRESS="${SEED_WORDPRESS:-/usr/src/wordpress}"
readonly SEED_WORK="${SEED_WORK:-/tmp/woo-platform-seed}"
readonly SEED_DB_HOST="${SEED_DB_HOST:-}"
readonly SEED_DB_NAME="${SEED_DB_NAME:-seed}"
readonly SITE="${SEED_WORK}/site"
readonly SOCKET="${SEED_WORK}/mysqld.sock"
# What files/seed.sh rewrites for each store; .invalid never resolves (RFC 2606).
readonly PLACEHOLDER_URL=http://seed.woo-platform.invalid
readonly PLACEHOLDER_ADMIN_USER=woo-platform-seed-admin
readonly PLACEHOLDER_ADMIN_EMAIL=admin@seed.woo-platform.invalid
readonly SEED_FORMAT=1

log() {
	printf '[seed] %s\n' "$*" >&2
}

trap 'printf "[seed] failed (line %s): %s\n" "${LINENO}" "${BASH_COMMAND}" >&2' ERR

main() {
	: "${WOOCOMMERCE_VERSION:?WOOCOMMERCE_VERSION must name the WooCommerce the image carries}"
	rm -rf "${SEED_WORK}"
	mkdir -p "${SEED_WORK}" "${OUTPUT_DIR}"
	start_database
	install_site
	dump
	stop_database
	rm -rf "${SEED_WORK}"
	log "seed of WordPress $(manifest_value WORDPRESS_VERSION) with WooCommerce ${WOOCOMMERCE_VERSION} is in ${OUTPUT_DIR}"
}

client_options() {
	if [ -z "${SEED_DB_HOST}" ]; then
		printf '%s\n' --socket="${SOCKET}" --user=root
	else
		printf '%s\n' --host="${SEED_DB_HOST}" --user=root
	fi
}

sql() {
	local options
	mapfile -t options < <(client_options)
	mariadb "${options[@]}" --execute="$1"
}

start_database() {
	if [ -n "${SEED_DB_HOST}" ]; then
		log "using the MariaDB server at ${SEED_DB_HOST}"
	else
		log "starting a private MariaDB server"
		chown mysql: "${SEED_WORK}"
		mariadb-install-db --user=mysql --datadir="${SEED_WORK}/data" --skip-test-db \
			--auth-root-authentication-method=socket >/dev/null
		mariadbd --user=mysql --datadir="${SEED_WORK}/data" --socket="${SOCKET}" \
			--skip-networking --pid-file="${SEED_WORK}/mysqld.pid" >"${SEED_WORK}/mysqld.log" 2>&1 &
		local tries=0
		until mariadb-admin --socket="${SOCKET}" --user=root ping >/dev/null 2>&1; do
			tries=$((tries + 1))
			if ((tries > 60)); then
				cat "${SEED_WORK}/mysqld.log" >&2
				log "the MariaDB server did not start"
				return 1
			fi
			sleep 1
		done
	fi
	sql "DROP DATABASE IF EXISTS \`${SEED_DB_NAME}\`; CREATE DATABASE \`${SEED_DB_NAME}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"
}

stop_database() {
	if [ -z "${SEED_DB_HOST}" ]; then
		mariadb-admin --socket="${SOCKET}" --user=root shutdown
	else
		sql "DROP DATABASE \`${SEED_DB_NAME}\`"
	fi
}

# The build runs as root, which WP-CLI refuses without --allow-root.
wp_site() {
	wp --allow-root --path="${SITE}" "$@"
}

install_site() {
	local db_host salts name
	cp -a "${SEED_WORDPRESS}" "${SITE}"
	db_host="${SEED_DB_HOST:-localhost:${SOCKET}}"
	salts=""
	for name in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT \
		LOGGED_IN_SALT NONCE_SALT; do
		salts+="define( '${name}', '$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')' );"$'\n'
	done
	wp_site config create --dbname="${SEED_DB_NAME}" --dbuser=root --dbpass= \
		--dbhost="${db_host}" --dbprefix=wp_ --skip-check --skip-salts --extra-php <<<"${salts}" >/dev/null
	log "installing WordPress for ${PLACEHOLDER_URL}"
	# WP-CLI prints the random password it makes; nobody needs it.
	wp_site core install --url="${PLACEHOLDER_URL}" --title=WooCommerce \
		--admin_user="${PLACEHOLDER_ADMIN_USER}" --admin_email="${PLACEHOLDER_ADMIN_EMAIL}" \
		--skip-email >/dev/null
	local found
	found="$(wp_site plugin get woocommerce --field=version)"
	if [ "${found}" != "${WOOCOMMERCE_VERSION}" ]; then
		log "the image carries WooCommerce ${found}, WOOCOMMERCE_VERSION is ${WOOCOMMERCE_VERSION}"
		return 1
	fi
	log "activating WooCommerce ${found} (creates its tables)"
	wp_site plugin activate woocommerce >/dev/null
	wp_site wc update >/dev/null
	# What every store's setup would otherwise change on its first run (files/setup.sh): done
	# once here, so each store's setup only reads them.
	wp_site rewrite structure '/%postname%/' >/dev/null
	wp_site option update woocommerce_coming_soon no >/dev/null
	wp_site option update woocommerce_allow_tracking no >/dev/null
	wp_site option update woocommerce_onboarding_profile '{"skipped":true}' --format=json >/dev/null
	wp_site wc payment_gateway update cod --enabled=true --user="${PLACEHOLDER_ADMIN_USER}" >/dev/null
}

dump() {
	local options core revision
	mapfile -t options < <(client_options)
	core="$(wp_site core version)"
	revision="$(wp_site core version --extra | sed -n 's/^Database revision:[[:space:]]*//p')"
	log "dumping the database"
	# No date and no server comments: the same install dumps to the same file.
	mariadb-dump "${options[@]}" --single-transaction --skip-dump-date --skip-comments \
		--no-tablespaces "${SEED_DB_NAME}" >"${OUTPUT_DIR}/seed.sql"
	{
		echo "SEED_FORMAT=${SEED_FORMAT}"
		echo "WORDPRESS_VERSION=${core}"
		echo "WORDPRESS_DB_REVISION=${revision}"
		echo "WOOCOMMERCE_VERSION=${WOOCOMMERCE_VERSION}"
		echo "PLACEHOLDER_URL=${PLACEHOLDER_URL}"
		echo "PLACEHOLDER_ADMIN_USER=${PLACEHOLDER_ADMIN_USER}"
		echo "PLACEHOLDER_ADMIN_EMAIL=${PLACEHOLDER_ADMIN_EMAIL}"
		echo "TABLE_PREFIX=wp_"
	} >"${OUTPUT_DIR}/seed.manifest"
	(cd "${OUTPUT_DIR}" && sha256sum seed.sql seed.manifest >SHA256SUMS)
	chmod 0644 "${OUTPUT_DIR}"/*
}

manifest_value() {
	sed -n "s/^$1=//p" "${OUTPUT_DIR}/seed.manifest"
}

main "$@"
