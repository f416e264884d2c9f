#!/bin/bash
# Init container of the setup Job, run from the WordPress image (the same image as the store's
# WordPress pods). It builds the docroot the Job's WP-CLI container works in: WordPress core in
# an emptyDir at /var/www/html, and wp-content on the store's shared volume.
set -Eeuo pipefail

cd /var/www/html

# The image's own entrypoint does the docroot work for any "apache2*" command: it copies core
# from /usr/src/wordpress and seeds wp-content with the bundled themes and plugins that are not
# there yet, exactly as it does when a WordPress pod starts. "apache2 -v" then only prints
# Apache's version, so nothing keeps running.
docker-entrypoint.sh apache2 -v

# With a prebuilt image, hand the WooCommerce it carries to the setup container, which decides
# whether the copy on the shared volume must be replaced (the entrypoint never overwrites one).
if [ "${WOOCOMMERCE_SOURCE}" = image ]; then
	bundled=/usr/src/wordpress/wp-content/plugins/woocommerce
	if [ ! -f "${bundled}/woocommerce.php" ]; then
		echo "woocommerce.source is 'image' but the WordPress image has no ${bundled}" >&2
		exit 3
	fi
	cp -a "${bundled}" /bundled/
fi
