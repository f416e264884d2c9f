<?php
/**
 * Run by setup.sh through `wp eval-file` when the store adopts a restored or cloned database
 * (setup.adoptRestoredSite). wp-config.php defines WP_HOME and WP_SITEURL, so get_option() and
 * update_option() answer with those constants, not with what the database holds: this reads and
 * writes the option rows themselves.
 *
 *   stored-url  prints the home URL the database holds (the site the backup was taken from)
 *   adopt-url   sets the home and siteurl rows to WORDPRESS_HOME_URL, this store's URL
 */

global $wpdb;

$action = $args[0] ?? '';
if ( 'stored-url' === $action ) {
	$stored = $wpdb->get_var(
		$wpdb->prepare( "SELECT option_value FROM {$wpdb->options} WHERE option_name = %s", 'home' )
	);
	if ( null === $stored ) {
		WP_CLI::error( 'the database holds no home option' );
	}
	WP_CLI::line( $stored );
	return;
}
if ( 'adopt-url' === $action ) {
	$url = getenv( 'WORDPRESS_HOME_URL' );
	if ( false === $url || '' === $url ) {
		WP_CLI::error( 'WORDPRESS_HOME_URL must be set' );
	}
	foreach ( array( 'home', 'siteurl' ) as $name ) {
		$wpdb->update( $wpdb->options, array( 'option_value' => $url ), array( 'option_name' => $name ) );
	}
	wp_cache_delete( 'alloptions', 'options' );
	WP_CLI::log( 'home and siteurl set' );
	return;
}
WP_CLI::error( "unknown action '{$action}': stored-url or adopt-url" );
