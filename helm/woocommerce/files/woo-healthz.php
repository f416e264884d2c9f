<?php
/**
 * Readiness check of a woo-platform store: PHP answers, the database answers, and WordPress is
 * installed. A store whose setup Job has not yet run `wp core install` is not ready, so the
 * Service sends it no traffic and nobody can reach wp-admin/install.php before the Job does.
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
echo "ready\n";
