#!/bin/bash
# Seeded install of a woo-platform store (setup.seed), sourced by setup.sh.
#
# A prebuilt store image (prebuilt/Dockerfile) may carry a seed: an SQL dump of a freshly
# installed WordPress with WooCommerce activated, made at image build time for a placeholder site
# and a placeholder administrator whose password nobody knows. Importing it takes seconds, where
# `wp core install` and WooCommerce's activation (its many tables) take most of a first setup.
#
# The prepare-docroot init container hands the seed over in ${SEED_DIR}:
#   seed.sql       the dump (mariadb-dump of the seed build's database, table prefix wp_)
#   seed.manifest  KEY=VALUE lines: SEED_FORMAT, WORDPRESS_VERSION, WORDPRESS_DB_REVISION,
#                  WOOCOMMERCE_VERSION, PLACEHOLDER_URL, PLACEHOLDER_ADMIN_USER,
#                  PLACEHOLDER_ADMIN_EMAIL, TABLE_PREFIX
#   SHA256SUMS     sha256sum of both files
#
# Only an empty database is seeded. A seed whose checksums do not match, or that was made for
# another WordPress or WooCommerce than the image's, is refused with the reason in the log, and
# the normal install follows. A database is trusted only when its import finished:
#   - while importing, the table ${SEED_IMPORT_TABLE} exists; it is created before the first
#     statement of the dump and dropped after the dump's last. A run that finds it drops every
#     table (the database was empty when the import began, so all of them are the import's) and
#     imports again;
#   - the option ${SEED_STATE_OPTION} is 'imported' after the import and 'personalised' once the
#     placeholders are this store's: a run that finds 'imported' personalises again (every step of
#     that is safe to repeat).
# Neither applies to a database the seed never touched (a store installed the normal way, or a
# restored one): without the table and the option, this leaves the database alone.

readonly SEED_DIR="${SEED_DIR:-/bundled/seed}"
readonly SEED_IMPORT_TABLE=woo_platform_seed_import
readonly SEED_STATE_OPTION=woo_platform_seed
readonly SEED_FORMAT=1
# Options that must differ between stores and that WordPress or WooCommerce wrote at build time:
# regenerated (when the seed has them) as if this store had been installed now.
readonly SEED_REGENERATED_OPTIONS=(woocommerce_store_id woocommerce_remote_variant_assignment
	woocommerce_admin_install_timestamp)
# Salts kept in the database when wp-config.php defines none; this store's come from its Secret
# through wp-config.php, so build-time ones must not linger where a plugin could read them.
readonly SEED_DROPPED_OPTIONS=(auth_key auth_salt secure_auth_key secure_auth_salt logged_in_key
	logged_in_salt nonce_key nonce_salt recovery_keys)
# WP-CLI on the placeholder site runs no plugin or theme code: the seed's personalisation needs
# neither, and they would act on a site that is not yet this store's.
readonly SEED_WP=(wp --skip-plugins --skip-themes)

seed_database_if_empty() {
	local tables state
	if [ "${SETUP_SEED:-false}" != true ]; then
		return
	fi
	# A failing query fails this run (the Job retries): an error must never read as "empty", or
	# the seed would be imported over a live store.
	tables="$(seed_sql "SHOW TABLES")"
	if grep -qx "${SEED_IMPORT_TABLE}" <<<"${tables}"; then
		log "a seed import did not finish: dropping what it imported and importing again"
		seed_drop_tables "${tables}"
	elif [ -n "${tables}" ]; then
		if grep -qx wp_options <<<"${tables}"; then
			state="$(seed_state)"
			if [ "${state}" = imported ]; then
				seed_personalise
			fi
		fi
		return
	fi
	if ! seed_is_usable; then
		log "installing without the seed"
		return
	fi
	seed_import
	seed_personalise
}

# seed_sql QUERY: runs QUERY in the store's database. WP-CLI hands the password to the MariaDB
# client through its environment, never on a command line.
seed_sql() {
	wp db query "$1" --skip-column-names
}

# The option as stored, read with SQL: unlike `wp option get`, a failing database fails the run
# instead of reading as "no option".
seed_state() {
	seed_sql "SELECT option_value FROM wp_options WHERE option_name = '${SEED_STATE_OPTION}'"
}

# seed_drop_tables TABLES: drops every table listed (one a line). Only an import that began on an
# empty database leaves the import table, so all of them are the import's.
seed_drop_tables() {
	local tables=() table list=""
	mapfile -t tables <<<"$1"
	for table in "${tables[@]}"; do
		list+="${list:+, }\`${table//\`/\`\`}\`"
	done
	seed_sql "SET FOREIGN_KEY_CHECKS = 0; DROP TABLE IF EXISTS ${list}"
}

# seed_manifest KEY: the value of KEY in the seed's manifest (read, never sourced).
seed_manifest() {
	if [ -f "${SEED_DIR}/seed.manifest" ]; then
		sed -n "s/^$1=//p" "${SEED_DIR}/seed.manifest" | head -n 1
	fi
}

# A refused seed is no failure: the normal install makes the same store, only slower.
seed_is_usable() {
	local core woocommerce
	if [ ! -f "${SEED_DIR}/seed.sql" ]; then
		log "setup.seed is on, but the WordPress image carries no seed (${SEED_DIR}/seed.sql)"
		return 1
	fi
	if ! (cd "${SEED_DIR}" && sha256sum -c SHA256SUMS >/dev/null 2>&1); then
		log "refusing the seed: its files do not match their SHA256SUMS (a damaged or altered image)" >&2
		return 1
	fi
	if [ "$(seed_manifest SEED_FORMAT)" != "${SEED_FORMAT}" ]; then
		log "refusing the seed: format '$(seed_manifest SEED_FORMAT)', this setup reads format ${SEED_FORMAT}" >&2
		return 1
	fi
	core="$(wp core version)"
	woocommerce="$(seed_manifest WOOCOMMERCE_VERSION)"
	if [ "$(seed_manifest WORDPRESS_VERSION)" != "${core}" ]; then
		log "refusing the seed: it was made with WordPress $(seed_manifest WORDPRESS_VERSION), the image has WordPress ${core}" >&2
		return 1
	fi
	if [ "${woocommerce}" != "${WOOCOMMERCE_VERSION}" ]; then
		log "refusing the seed: it was made with WooCommerce ${woocommerce}, woocommerce.version is ${WOOCOMMERCE_VERSION}" >&2
		return 1
	fi
	if [ "$(seed_manifest TABLE_PREFIX)" != wp_ ]; then
		log "refusing the seed: its table prefix is '$(seed_manifest TABLE_PREFIX)', wp-config.php uses 'wp_'" >&2
		return 1
	fi
	log "the seed matches WordPress ${core} and WooCommerce ${woocommerce}"
}

seed_import() {
	log "importing the seed (WordPress $(seed_manifest WORDPRESS_VERSION), WooCommerce $(seed_manifest WOOCOMMERCE_VERSION))"
	seed_sql "CREATE TABLE \`${SEED_IMPORT_TABLE}\` (started TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
	wp db import "${SEED_DIR}/seed.sql" >/dev/null
	# The state first, then the import table: killed in between, the next run still re-imports.
	seed_sql "INSERT INTO wp_options (option_name, option_value, autoload)
		VALUES ('${SEED_STATE_OPTION}', 'imported', 'no')
		ON DUPLICATE KEY UPDATE option_value = 'imported';
		DROP TABLE \`${SEED_IMPORT_TABLE}\`"
	log "the seed is imported"
}

# Makes the seeded site this store's: its URL, its administrator, and what WordPress and
# WooCommerce keep per installation. Every step gives the same result when repeated. Each WP-CLI
# call boots PHP, so what plain SQL can do is done in one query.
seed_personalise() {
	local placeholder
	placeholder="$(seed_manifest PLACEHOLDER_URL)"
	if [ -z "${placeholder}" ]; then
		config_error "the seeded database is not personalised and ${SEED_DIR}/seed.manifest names no PLACEHOLDER_URL: keep setup.seed and the image of the first setup"
	fi
	log "rewriting ${placeholder} to ${WORDPRESS_HOME_URL}"
	seed_replace "${placeholder}" "${WORDPRESS_HOME_URL}"
	# The same URL as JSON writes it (block attributes, JSON options).
	seed_replace "${placeholder//\//\\/}" "${WORDPRESS_HOME_URL//\//\\/}"
	seed_adopt_admin
	seed_create_woocommerce_files
	seed_regenerate_identity
	log "the seeded database is this store's"
}

# Serialized PHP values are rewritten with their lengths; GUIDs stay, as WordPress wants.
seed_replace() {
	"${SEED_WP[@]}" search-replace "$1" "$2" --all-tables-with-prefix --skip-columns=guid \
		--precise --report-changed-only --format=count >/dev/null
}

# The placeholder administrator becomes the store's: seed-admin.php reads the login, email and
# password from the environment (the store's Secret) inside PHP, so none of them is on a command
# line or in the output.
seed_adopt_admin() {
	local outcome
	outcome="$(SEED_ADMIN_USER="$(seed_manifest PLACEHOLDER_ADMIN_USER)" \
		SEED_ADMIN_EMAIL="$(seed_manifest PLACEHOLDER_ADMIN_EMAIL)" \
		"${SEED_WP[@]}" eval-file "${SCRIPTS_DIR}/seed-admin.php")"
	log "seed administrator: ${outcome}"
}

# WooCommerce's installer also writes files (its protected uploads and log folders) to
# wp-content, which the seed cannot carry: the installer's own step writes them to this store's
# volume. It runs with WooCommerce loaded: the image's copy, which prepare-docroot.sh put on the
# new store's volume before this Job started.
seed_create_woocommerce_files() {
	local outcome
	outcome="$(wp --skip-themes eval-file "${SCRIPTS_DIR}/seed-files.php")"
	log "WooCommerce's files: ${outcome}"
}

# Build-time salts and transients go; the identifiers the seed has get this store's values (an
# option the seed lacks is left for WooCommerce to create); then the state says 'personalised'.
# None of these values is secret.
seed_regenerate_identity() {
	local name dropped="" regenerated=""
	for name in "${SEED_DROPPED_OPTIONS[@]}"; do
		dropped+="${dropped:+, }'${name}'"
	done
	for name in "${SEED_REGENERATED_OPTIONS[@]}"; do
		regenerated+="UPDATE wp_options SET option_value = '$(seed_new_value "${name}")' WHERE option_name = '${name}';"$'\n'
	done
	seed_sql "DELETE FROM wp_options WHERE option_name IN (${dropped})
		OR option_name LIKE '\\_transient\\_%' OR option_name LIKE '\\_site\\_transient\\_%';
		${regenerated}UPDATE wp_options SET option_value = 'personalised' WHERE option_name = '${SEED_STATE_OPTION}'"
	log "regenerated this store's own identifiers"
}

seed_new_value() {
	case "$1" in
	woocommerce_store_id) cat /proc/sys/kernel/random/uuid ;;
	# WooCommerce's experiment cohort, drawn from 1..120 at installation.
	woocommerce_remote_variant_assignment) echo $((RANDOM % 120 + 1)) ;;
	woocommerce_admin_install_timestamp) date +%s ;;
	esac
}
