<?php
/**
 * Run by seed.sh through `wp eval-file` after a seed import: the seed's placeholder
 * administrator becomes the store's, with the login, email and password of the store's Secret.
 * All three are read from the environment here, inside PHP, so they appear on no command line
 * and in no output. The options that carry the placeholder's email (the site's and WooCommerce's
 * sender and notification addresses) get the store's. Prints "updated" or "unchanged" (already
 * done by an earlier run).
 */

$placeholder       = getenv( 'SEED_ADMIN_USER' );
$placeholder_email = getenv( 'SEED_ADMIN_EMAIL' );
$login             = getenv( 'WORDPRESS_ADMIN_USER' );
$email             = getenv( 'WORDPRESS_ADMIN_EMAIL' );
$password          = getenv( 'WORDPRESS_ADMIN_PASSWORD' );
foreach ( array( $placeholder, $placeholder_email, $login, $email, $password ) as $value ) {
	if ( false === $value || '' === $value ) {
		WP_CLI::error( 'SEED_ADMIN_USER, SEED_ADMIN_EMAIL and the WORDPRESS_ADMIN_* variables must be set' );
	}
}

global $wpdb;
$user = get_user_by( 'login', $placeholder );
if ( ! $user ) {
	if ( get_user_by( 'login', $login ) ) {
		WP_CLI::log( 'unchanged' );
		return;
	}
	WP_CLI::error( 'the seeded database has neither its placeholder administrator nor the store\'s' );
}

// user_login cannot change through wp_update_user(); the row is updated directly, then the
// user cache is dropped so the password below is set on the renamed user.
$renamed = $wpdb->update(
	$wpdb->users,
	array(
		'user_login'    => $login,
		'user_nicename' => sanitize_title( $login ),
		'display_name'  => $login,
		'user_email'    => $email,
	),
	array( 'ID' => $user->ID )
);
if ( false === $renamed ) {
	WP_CLI::error( 'could not update the placeholder administrator: ' . $wpdb->last_error );
}
clean_user_cache( $user );
// Sessions of the build are not this store's.
delete_user_meta( $user->ID, 'session_tokens' );
wp_set_password( $password, $user->ID );

$options = $wpdb->get_col(
	$wpdb->prepare( "SELECT option_name FROM {$wpdb->options} WHERE option_value = %s", $placeholder_email )
);
foreach ( $options as $option ) {
	update_option( $option, $email );
}
WP_CLI::log( 'updated' );
