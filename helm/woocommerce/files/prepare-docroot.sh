#!/bin/bash
# Builds a store's docroot from its WordPress image: core into /var/www/html (an emptyDir, fresh
# for every pod) and the image's bundled plugins and themes into wp-content (the store's volume).
# Runs as uid 33 in the setup Job's init container and at the start of every WordPress container,
# which then execs the image's entrypoint: it finds index.php and skips its own copy.
#
# Why not the entrypoint's copy: it extracts with `tar --no-overwrite-dir`, and GNU tar (1.34,
# 1.35) still chmods directories that already exist. In the pod these are the emptyDir (owned by
# root, group 33 through fsGroup, mode 2777) and the wp-content volume (owned by root on a
# local-path volume): uid 33 may write into them but not change their mode, so tar exits 2. cp
# creates what is missing and writes into existing directories without touching their mode or
# owner, so no root init container is needed.
#
# Usage: prepare-docroot.sh [COMMAND ARGS...]   prepares the docroot, then execs COMMAND if given.
# Environment: DOCROOT (/var/www/html), DOCROOT_SOURCE (/usr/src/wordpress); with
# WOOCOMMERCE_SOURCE=image also BUNDLED_DIR (/bundled), which receives the image's WooCommerce;
# with SETUP_SEED=true BUNDLED_DIR/seed receives the image's seed from SEED_SOURCE
# (/usr/src/woo-platform-seed), if the image carries one (setup.sh decides what to do with it).
#
# Exit status: 3 = can never succeed (a directory uid 33 cannot write, an image without WordPress
#                  or without the expected WooCommerce): the setup Job fails at once;
#              1 = failed, a new pod may succeed (e.g. a full volume).
set -Eeuo pipefail
shopt -s dotglob nullglob

readonly DOCROOT="${DOCROOT:-/var/www/html}"
readonly DOCROOT_SOURCE="${DOCROOT_SOURCE:-/usr/src/wordpress}"
readonly BUNDLED_DIR="${BUNDLED_DIR:-/bundled}"
readonly SEED_SOURCE="${SEED_SOURCE:-/usr/src/woo-platform-seed}"
readonly CONTENT="${DOCROOT}/wp-content"

log() {
	printf '[docroot] %s\n' "$*" >&2
}

permanent_error() {
	printf '[docroot] cannot prepare the docroot: %s\n' "$*" >&2
	exit 3
}

trap 'printf "[docroot] failed (line %s): %s\n" "${LINENO}" "${BASH_COMMAND}" >&2' ERR

main() {
	if [ ! -f "${DOCROOT_SOURCE}/wp-includes/version.php" ]; then
		permanent_error "${DOCROOT_SOURCE} holds no WordPress: wordpress.image must be an official wordpress:*-apache image or built from one"
	fi
	require_writable "${DOCROOT}"
	require_writable "${CONTENT}"
	copy_core
	seed_content
	if [ "${WOOCOMMERCE_SOURCE:-}" = image ]; then
		hand_over_bundled_woocommerce
	fi
	if [ "${SETUP_SEED:-}" = true ]; then
		hand_over_seed
	fi
	log "WordPress core from ${DOCROOT_SOURCE} is in ${DOCROOT}"
	if [ "$#" -gt 0 ]; then
		cd "${DOCROOT}"
		exec "$@"
	fi
}

# A directory this script writes into must exist and be writable by the user it runs as; the
# user, the volumes and their modes come from the pod spec, so a retry would fail the same way.
require_writable() {
	local dir="$1"
	if [ ! -d "${dir}" ] || [ ! -w "${dir}" ] || [ ! -x "${dir}" ]; then
		permanent_error "${dir} is not a directory that uid $(id -u) (groups $(id -G)) can write: check the pod's fsGroup and the volume's owner and mode"
	fi
}

# Core lives in the emptyDir and is overwritten on every start, so a container that died half-way
# through a copy leaves nothing stale behind. .htaccess is kept if present, as the entrypoint does.
copy_core() {
	local entry name
	for entry in "${DOCROOT_SOURCE}"/*; do
		name="${entry##*/}"
		case "${name}" in
		wp-content) ;;
		.htaccess) copy_if_missing "${entry}" "${DOCROOT}/${name}" ;;
		*) cp -R -T "${entry}" "${DOCROOT}/${name}" ;;
		esac
	done
}

# wp-content is the store's volume: it gets what the image brings and the volume lacks, and an
# existing wp-content/*/* entry is never replaced, the entrypoint's rule (a store that updated a
# plugin must not get the image's older copy back on restart). Upgrading WooCommerce is the setup
# Job's work (setup.sh).
seed_content() {
	local entry kind item
	for entry in "${DOCROOT_SOURCE}/wp-content"/*; do
		kind="${entry##*/}"
		if [ -d "${entry}" ]; then
			if [ ! -d "${CONTENT}/${kind}" ]; then
				mkdir -p "${CONTENT}/${kind}"
			fi
			for item in "${entry}"/*; do
				copy_if_missing "${item}" "${CONTENT}/${kind}/${item##*/}"
			done
		else
			copy_if_missing "${entry}" "${CONTENT}/${kind}"
		fi
	done
}

# copy_if_missing SOURCE TARGET: copies to a hidden name beside TARGET and renames it, so nobody
# sees a half-copied plugin, and a pod that dies mid-copy leaves no partial TARGET that every
# later start would skip. The WordPress pod and the setup Job may seed a new volume at the same
# time: whoever renames second drops its copy.
copy_if_missing() {
	local source="$1" target="$2" staging error
	if [ -e "${target}" ] || [ -L "${target}" ]; then
		return
	fi
	require_writable "${target%/*}"
	staging="${target%/*}/.${target##*/}.copy-${HOSTNAME:-$$}"
	rm -rf "${staging}"
	cp -R -T "${source}" "${staging}"
	if ! error="$(mv -T "${staging}" "${target}" 2>&1)"; then
		if [ ! -e "${target}" ]; then
			log "${error}"
			return 1
		fi
		rm -rf "${staging}"
	fi
}

# With a prebuilt image, hand the WooCommerce it carries to the setup container, which decides
# whether the copy on the store's volume must be replaced.
hand_over_bundled_woocommerce() {
	local bundled="${DOCROOT_SOURCE}/wp-content/plugins/woocommerce"
	if [ ! -f "${bundled}/woocommerce.php" ]; then
		permanent_error "woocommerce.source is 'image' but the WordPress image has no ${bundled}"
	fi
	require_writable "${BUNDLED_DIR}"
	cp -R -T "${bundled}" "${BUNDLED_DIR}/woocommerce"
}

# setup.seed: the seed lives outside /usr/src/wordpress, so it never reaches the docroot (the web
# server) or the store's volume; only the setup container gets it. An image without a seed is
# no error here: setup.sh says so and installs the normal way.
hand_over_seed() {
	if [ ! -f "${SEED_SOURCE}/seed.sql" ]; then
		log "setup.seed is on, but the WordPress image has no ${SEED_SOURCE}/seed.sql"
		return
	fi
	require_writable "${BUNDLED_DIR}"
	cp -R -T "${SEED_SOURCE}" "${BUNDLED_DIR}/seed"
}

main "$@"
