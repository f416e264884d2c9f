#!/bin/bash
# Backup Job of a woo-platform store: one restic snapshot that holds a consistent logical dump of
# the store's database (database.sql) and its wp-content (uploads, plugins, themes), then the
# store's retention policy. The chart README's "Backups" section has the design.
#
# Environment (required unless a default is shown):
#   STORE_ID                 the store's id: snapshot host and tag store=<id>
#   BACKUP_KIND              scheduled | manual: tag kind=<kind>
#   DB_HOST, DB_PORT (3306), DB_NAME, DB_USER, DB_PASSWORD_FILE
#                            the store's database and a file holding the user's password
#   STORE_DATA_DIR           a writable scratch directory whose entry wp-content is the store's
#                            wp-content; the dump is written next to it, then removed
#   RESTIC_REPOSITORY        s3:<endpoint>/<bucket>/<prefix>/<store id>, created on first use
#   RESTIC_PASSWORD_FILE, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
#                            read by restic itself (RESTIC_CACHE_DIR too, if set)
#   RETENTION_KEEP_DAILY, RETENTION_KEEP_WEEKLY, RETENTION_KEEP_MONTHLY
#                            snapshots to keep per day, ISO week and month (0 = rule off)
#
# Last line on success:
#   woo-platform-backup-result {"status":"succeeded","snapshot_id":"<64 hex>","short_id":"<8 hex>",
#     "store_id":"…","kind":"…","time":"<RFC 3339>","total_bytes":N,"added_bytes":N,"files":N,
#     "retention":"applied"|"failed"}
# Exit codes and the failure line: see backup-common.sh.
set -Eeuo pipefail
# The shared functions; shellcheck checks that file on its own.
# shellcheck source=backup-common.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/backup-common.sh"

main() {
	require_common_environment
	require_backup_environment
	make_private_dir
	open_repository create
	dump_database
	take_snapshot
	apply_retention
	report
}

require_backup_environment() {
	require_environment BACKUP_KIND RETENTION_KEEP_DAILY RETENTION_KEEP_WEEKLY RETENTION_KEEP_MONTHLY
	case "$BACKUP_KIND" in
	scheduled | manual) ;;
	*) config_error "BACKUP_KIND must be scheduled or manual" ;;
	esac
	local name
	for name in RETENTION_KEEP_DAILY RETENTION_KEEP_WEEKLY RETENTION_KEEP_MONTHLY; do
		if [[ ! "${!name}" =~ ^[0-9]{1,4}$ ]]; then
			config_error "${name} must be a whole number"
		fi
	done
	# A policy that keeps nothing would delete every backup of the store.
	if ((RETENTION_KEEP_DAILY + RETENTION_KEEP_WEEKLY + RETENTION_KEEP_MONTHLY == 0)); then
		config_error "the retention policy keeps no snapshot; set at least one RETENTION_KEEP_* above 0"
	fi
}

# One transaction's view of every InnoDB table (no locks held against the shop), with routines,
# triggers and events. Written to disk rather than piped to restic: Debian's restic (0.14) reads
# standard input only as the sole content of a snapshot, and a backup must be one snapshot of
# database and files together. The file also lets a failed or truncated dump stop the backup
# before anything is uploaded.
dump_database() {
	local dump="${STORE_DATA_DIR}/database.sql"
	log "dumping database ${DB_NAME} from ${DB_HOST}:${DB_PORT}"
	(umask 077 && : >"$dump")
	if ! database_client mariadb-dump --single-transaction --routines --triggers --events \
		--hex-blob --no-tablespaces --skip-dump-date "$DB_NAME" >"$dump"; then
		database_failure "dumping the database" 1
	fi
	if [[ "$(tail -n1 "$dump")" != "$DUMP_COMPLETE_MARKER"* ]]; then
		fail 1 "dumping the database: the dump is incomplete"
	fi
	log "database dumped: $(wc -c <"$dump") bytes"
}

# Relative paths, so the snapshot holds database.sql and wp-content/ at its root, wherever the
# Job mounted them.
take_snapshot() {
	log "uploading the backup to ${RESTIC_REPOSITORY}"
	cd "$STORE_DATA_DIR"
	local status=0
	logged_restic backup --json --host "$STORE_ID" \
		--tag "store=${STORE_ID}" --tag "kind=${BACKUP_KIND}" \
		--exclude "wp-content/${STAGED_CONTENT}" --exclude "wp-content/${REPLACED_CONTENT}" \
		--exclude "wp-content/${FILE_SYSTEM_ENTRY}" \
		database.sql wp-content >"${PRIVATE_DIR}/backup.json" || status=$?
	grep '"message_type":"summary"' "${PRIVATE_DIR}/backup.json" >"${PRIVATE_DIR}/summary.json" || true
	if [ "$status" -eq 3 ]; then
		discard_incomplete_snapshot
	elif [ "$status" -ne 0 ]; then
		restic_failure "uploading the backup" "$status"
	fi
	run_restic "reading the new snapshot" snapshots --json \
		"$(json_member snapshot_id <"${PRIVATE_DIR}/summary.json")" >"${PRIVATE_DIR}/snapshot.json"
	SNAPSHOT_ID="$(json_member id <"${PRIVATE_DIR}/snapshot.json")"
	log "snapshot ${SNAPSHOT_ID:0:8} saved"
}

# restic exits 3 when it saved a snapshot without some files it could not read. That snapshot is
# not a backup of the store: it is forgotten at once. Unreadable files (permissions) need a person;
# a file that vanished while it was read (a temporary upload) does not.
discard_incomplete_snapshot() {
	local incomplete unreadable permission_denied=no
	incomplete="$(json_member snapshot_id <"${PRIVATE_DIR}/summary.json")"
	unreadable="$(grep -m1 '"message_type":"error"' "${PRIVATE_DIR}/restic.err" | json_member item)"
	if grep -qE '"Err":13[,}]|permission denied' "${PRIVATE_DIR}/restic.err"; then
		permission_denied=yes
	fi
	if [ -n "$incomplete" ]; then
		run_restic "forgetting the incomplete snapshot" forget "$incomplete" >/dev/null
	fi
	if [ "$permission_denied" = yes ]; then
		fail 3 "uploading the backup: the Job may not read ${unreadable}; nothing was kept"
	fi
	fail 1 "uploading the backup: ${unreadable} changed or vanished while it was read; nothing was kept"
}

# Only this store's snapshots, as one group whatever the pod's name or the paths were; a failure
# here keeps the new snapshot and is reported, and the next backup applies the policy again.
apply_retention() {
	log "applying retention: daily ${RETENTION_KEEP_DAILY}, weekly ${RETENTION_KEEP_WEEKLY}, monthly ${RETENTION_KEEP_MONTHLY}"
	if restic forget --prune --host "$STORE_ID" --tag "store=${STORE_ID}" --group-by host \
		--keep-daily "$RETENTION_KEEP_DAILY" --keep-weekly "$RETENTION_KEEP_WEEKLY" \
		--keep-monthly "$RETENTION_KEEP_MONTHLY" >"${PRIVATE_DIR}/forget.log" 2>&1; then
		RETENTION=applied
	else
		RETENTION=failed
		sed "s/^/[${TASK}] restic: /" "${PRIVATE_DIR}/forget.log" >&2
		log "warning: retention was not applied; the next backup tries again"
	fi
}

report() {
	local summary="${PRIVATE_DIR}/summary.json"
	result "$(printf '"status":"succeeded","snapshot_id":"%s","short_id":"%s","store_id":"%s","kind":"%s","time":"%s","total_bytes":%d,"added_bytes":%d,"files":%d,"retention":"%s"' \
		"$SNAPSHOT_ID" "${SNAPSHOT_ID:0:8}" "$STORE_ID" "$BACKUP_KIND" \
		"$(json_member time <"${PRIVATE_DIR}/snapshot.json")" \
		"$(json_member total_bytes_processed <"$summary")" \
		"$(json_member data_added <"$summary")" \
		"$(json_member total_files_processed <"$summary")" "$RETENTION")"
}

main "$@"
