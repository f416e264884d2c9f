<?php
/**
 * Run by seed.sh through `wp eval-file`, with WooCommerce loaded, after a seed import: the files
 * WooCommerce's installer writes besides its tables (the protected uploads folder for downloadable
 * products, its log folder, their .htaccess and index.html), which a database dump cannot carry
 * to the store's wp-content volume. WC_Install::create_files(), the installer's own step, creates
 * only what is missing. Prints "created".
 */

if ( ! class_exists( 'WC_Install' ) ) {
	WP_CLI::error( 'WooCommerce is not loaded' );
}
if ( ! method_exists( 'WC_Install', 'create_files' ) ) {
	WP_CLI::error( 'this WooCommerce has no WC_Install::create_files(): the seeded install cannot create its files' );
}
// Private in some WooCommerce versions; reflection reaches it either way (PHP 8.1 and later).
( new ReflectionMethod( 'WC_Install', 'create_files' ) )->invoke( null );
WP_CLI::log( 'created' );
