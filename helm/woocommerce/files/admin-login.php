<?php
/**
 * Run by setup.sh through `wp eval-file`: makes the store admin's password the one in the
 * store's Secret. The password is read from the environment here, inside PHP, so it appears on
 * no command line and in no output. Prints "unchanged" or "updated".
 */

$login    = getenv( 'WORDPRESS_ADMIN_USER' );
$password = getenv( 'WORDPRESS_ADMIN_PASSWORD' );
if ( false === $login || '' === $login || false === $password || '' === $password ) {
	WP_CLI::error( 'WORDPRESS_ADMIN_USER and WORDPRESS_ADMIN_PASSWORD must be set' );
}
$user = get_user_by( 'login', $login );
if ( ! $user ) {
	WP_CLI::error( "the admin user '{$login}' does not exist" );
}
if ( wp_check_password( $password, $user->user_pass, $user->ID ) ) {
	WP_CLI::log( 'unchanged' );
	return;
}
wp_set_password( $password, $user->ID );
WP_CLI::log( 'updated' );
