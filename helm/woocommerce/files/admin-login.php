<?php
/**
 * Run by setup.sh through `wp eval-file`: makes the store admin's password the one in the
 * store's Secret. The password is read from the environment here, inside PHP, so it appears on
 * no command line and in no output. Prints "unchanged" or "updated".
 *
 * With WOO_PLATFORM_ADOPT_ADMIN=1 (setup.adoptRestoredSite: the database came from a backup,
 * perhaps another store's), the admin's email becomes the Secret's too, and an admin user missing
 * from that database is created, so this store's credentials open its admin.
 */

$login    = getenv( 'WORDPRESS_ADMIN_USER' );
$password = getenv( 'WORDPRESS_ADMIN_PASSWORD' );
$adopt    = '1' === getenv( 'WOO_PLATFORM_ADOPT_ADMIN' );
if ( false === $login || '' === $login || false === $password || '' === $password ) {
	WP_CLI::error( 'WORDPRESS_ADMIN_USER and WORDPRESS_ADMIN_PASSWORD must be set' );
}
$email = getenv( 'WORDPRESS_ADMIN_EMAIL' );
if ( $adopt && ( false === $email || '' === $email ) ) {
	WP_CLI::error( 'WORDPRESS_ADMIN_EMAIL must be set' );
}
$user = get_user_by( 'login', $login );
if ( ! $user && $adopt ) {
	$id = wp_insert_user(
		array(
			'user_login' => $login,
			'user_pass'  => $password,
			'user_email' => $email,
			'role'       => 'administrator',
		)
	);
	if ( is_wp_error( $id ) ) {
		WP_CLI::error( "the admin user '{$login}' could not be created: " . $id->get_error_message() );
	}
	WP_CLI::log( 'created' );
	return;
}
if ( ! $user ) {
	WP_CLI::error( "the admin user '{$login}' does not exist" );
}
if ( $adopt && $user->user_email !== $email ) {
	// No "your email was changed" mail to the restored site's owner: the address is this store's.
	add_filter( 'send_email_change_email', '__return_false' );
	$updated = wp_update_user( array( 'ID' => $user->ID, 'user_email' => $email ) );
	if ( is_wp_error( $updated ) ) {
		WP_CLI::error( "the admin user's email could not be set: " . $updated->get_error_message() );
	}
	WP_CLI::log( 'email updated' );
}
if ( wp_check_password( $password, $user->user_pass, $user->ID ) ) {
	WP_CLI::log( 'unchanged' );
	return;
}
wp_set_password( $password, $user->ID );
WP_CLI::log( 'updated' );
