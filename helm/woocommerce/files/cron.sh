#!/bin/bash
# WordPress background work of a woo-platform store, run by the store's CronJob with WP-CLI.
#
# wp-config.php turns off WP-Cron's page-load trigger (DISABLE_WP_CRON) and Action Scheduler's
# async runner: both work by calling the store's own public URL, which leads through the Gateway
# or ingress controller inside the cluster, where the store's NetworkPolicies allow no egress.
# So this runs what is due instead: WP-Cron events (scheduled posts, cleanups, WooCommerce's
# daily tasks) and WooCommerce's Action Scheduler queue (emails, webhooks, stock and analytics
# updates).
#
# Exit status: 0 = done, or nothing to do yet (WordPress or WooCommerce not set up);
#              1 = failed; the next scheduled run tries again.
set -Eeuo pipefail

# A run ends well before the CronJob's next one; whatever is left waits for that run.
readonly ACTION_BATCHES="${ACTION_BATCHES:-10}"
readonly ACTION_BATCH_SIZE="${ACTION_BATCH_SIZE:-25}"

log() {
	printf '[cron] %s\n' "$*"
}

trap 'printf "[cron] failed (line %s): %s\n" "${LINENO}" "${BASH_COMMAND}" >&2' ERR

main() {
	if ! wp core is-installed; then
		log "WordPress is not installed yet: nothing to run"
		return
	fi
	log "running due WP-Cron events"
	wp cron event run --due-now
	if ! wp plugin is-active woocommerce; then
		log "WooCommerce is not active yet: no Action Scheduler queue"
		return
	fi
	log "running Action Scheduler's queue (at most ${ACTION_BATCHES} batches of ${ACTION_BATCH_SIZE})"
	wp action-scheduler run --batches="${ACTION_BATCHES}" --batch-size="${ACTION_BATCH_SIZE}"
	log "done"
}

main "$@"
