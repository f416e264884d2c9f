<?php
/**
 * Readiness check of a woo-platform store: PHP answers, the database answers, and WordPress is
 * installed (and, when it came from the image's seed, made this store's). A store whose setup
 * Job has not yet run `wp core install` is not ready, so the Service sends it no traffic and
 * nobody can reach wp-admin/install.php before the Job does.
 *
 * SHORTINIT loads only WordPress's database layer: no plugins, no theme, no redirects.
 */

define( 'SHORTINIT', true );
require __DIR__ . '/wp-load.php';

header( 'Content-Type: text/plain; charset=utf-8' );
header( 'Cache-Control: no-store' );

global $wpdb;
$wpdb->suppress_errors( true );
$site_url = $wpdb->get_var( "SELECT option_value FROM {$wpdb->options} WHERE option_name = 'siteurl'" );

if ( empty( $site_url ) ) {
	http_response_code( 503 );
	echo "not installed\n";
	exit;
}
// A store set up from the image's seed (setup.seed) has a siteurl as soon as the import reaches
// wp_options, but until the setup Job has personalised the database (files/seed.sh) its content
// and WooCommerce's settings still link to the placeholder site, and its administrator is the
// placeholder's. Not ready until then.
$seed_state = $wpdb->get_var( "SELECT option_value FROM {$wpdb->options} WHERE option_name = 'woo_platform_seed'" );
$importing  = $wpdb->get_var( "SHOW TABLES LIKE 'woo_platform_seed_import'" );
if ( 'imported' === $seed_state || ! empty( $importing ) ) {
	http_response_code( 503 );
	echo "seed not yet personalised\n";
	exit;
}
echo "ready\n";
