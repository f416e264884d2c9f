<?php
/**
 * wp-config.php of a woo-platform store.
 *
 * Mounted read-only from a ConfigMap into every WordPress and setup pod, so the official image's
 * entrypoint leaves it alone. It holds no secret: the database password comes from the
 * environment, filled from the store's Secret. Authentication keys and salts are deliberately
 * not defined here: WordPress then generates them once and keeps them in the database
 * (see wp_salt()), so all replicas and every restart share them.
 */

function woo_platform_env( string $name ): string {
	$value = getenv( $name );
	if ( false === $value || '' === $value ) {
		http_response_code( 500 );
		exit( "woo-platform: environment variable $name is not set\n" );
	}
	return $value;
}

define( 'DB_NAME', woo_platform_env( 'WORDPRESS_DB_NAME' ) );
define( 'DB_USER', woo_platform_env( 'WORDPRESS_DB_USER' ) );
define( 'DB_PASSWORD', woo_platform_env( 'WORDPRESS_DB_PASSWORD' ) );
define( 'DB_HOST', woo_platform_env( 'WORDPRESS_DB_HOST' ) );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );

$table_prefix = 'wp_';

// The public URL follows the chart's ingress values, so a new host or TLS takes effect on upgrade.
define( 'WP_HOME', woo_platform_env( 'WORDPRESS_HOME_URL' ) );
define( 'WP_SITEURL', WP_HOME );

// TLS ends at the ingress controller; it tells WordPress through X-Forwarded-Proto.
if ( isset( $_SERVER['HTTP_X_FORWARDED_PROTO'] ) && 'https' === $_SERVER['HTTP_X_FORWARDED_PROTO'] ) {
	$_SERVER['HTTPS'] = 'on';
}
define( 'FORCE_SSL_ADMIN', 0 === strpos( WP_HOME, 'https://' ) );

// Core comes from the image and WooCommerce from the setup Job: no self-updates, no code editor.
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'DISALLOW_FILE_EDIT', true );
define( 'FS_METHOD', 'direct' );

// Background work runs from the store's CronJob (files/cron.sh), not from page loads: WP-Cron and
// Action Scheduler's async runner would call the store's own public URL, and that path (through
// the Gateway or ingress controller inside the cluster) is closed by the store's NetworkPolicies.
define( 'DISABLE_WP_CRON', true );
// A filter set before WordPress loads (WP_Hook::build_preinitialized_hooks picks it up).
$GLOBALS['wp_filter']['action_scheduler_allow_async_request_runner'][10][] = array(
	'function'      => '__return_false',
	'accepted_args' => 1,
);

define( 'WP_DEBUG', false );

// The setup Job points WP-CLI at a staged WooCommerce to verify its checksums before the plugin
// goes live (files/setup.sh); WordPress pods never set this.
if ( getenv( 'WOO_PLATFORM_PLUGIN_DIR' ) ) {
	define( 'WP_PLUGIN_DIR', getenv( 'WOO_PLATFORM_PLUGIN_DIR' ) );
}

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
