#!/bin/bash
# Restore Job of a woo-platform store: replaces the store's database and wp-content with those of
# one backup snapshot (taken by backup.sh). Everything is checked and downloaded before anything
# of the store changes, so a wrong restic password, an unknown snapshot, a snapshot of another
# store, an incomplete dump or an unreachable target or database ends the run with the store
# untouched. Run it while the store's workloads are stopped. The chart README's "Backups" section
# has the design.
#
# Environment: as backup.sh without BACKUP_KIND and RETENTION_*, plus
#   SNAPSHOT_ID    the snapshot to restore (8 to 64 hex digits, as listed by restic)
# STORE_ID names the store the snapshot belongs to: a snapshot without the tag store=<STORE_ID>
# is refused. A clone passes the source store's id and repository, and its own database and
# wp-content: either directly as STORE_ID and RESTIC_REPOSITORY, or (as the chart's restore Job
# is given them) as
#   SOURCE_REPOSITORY            the source store's repository; when set, it replaces
#                                RESTIC_REPOSITORY,
#   SOURCE_STORE_ID              the source store's id, replacing STORE_ID, and
#   SOURCE_RESTIC_PASSWORD_FILE  the source repository's password, used instead of
#                                RESTIC_PASSWORD_FILE when the file exists.
#
# Last line on success:
#   woo-platform-restore-result {"status":"succeeded","snapshot_id":"<64 hex>","store_id":"…",
#     "time":"<snapshot time, RFC 3339>","database":"<DB_NAME>"}
# Exit codes and the failure line: see backup-common.sh.
set -Eeuo pipefail
# The shared functions; shellcheck checks that file on its own.
# shellcheck source=backup-common.sh disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/backup-common.sh"

main() {
	use_clone_source
	require_common_environment
	require_environment SNAPSHOT_ID
	if [[ ! "$SNAPSHOT_ID" =~ ^[0-9a-f]{8,64}$ ]]; then
		config_error "SNAPSHOT_ID must be 8 to 64 hexadecimal digits"
	fi
	make_private_dir
	open_repository
	find_snapshot
	read_database_charset
	stage_snapshot
	replace_database
	replace_wp_content
	report
}

use_clone_source() {
	if [ -z "${SOURCE_REPOSITORY:-}" ]; then
		return
	fi
	RESTIC_REPOSITORY=$SOURCE_REPOSITORY
	STORE_ID=${SOURCE_STORE_ID:-${STORE_ID:-}}
	if [ -n "${SOURCE_RESTIC_PASSWORD_FILE:-}" ] && [ -f "$SOURCE_RESTIC_PASSWORD_FILE" ]; then
		RESTIC_PASSWORD_FILE=$SOURCE_RESTIC_PASSWORD_FILE
	fi
	export RESTIC_REPOSITORY STORE_ID RESTIC_PASSWORD_FILE
	log "restoring from the repository of store ${STORE_ID} at ${RESTIC_REPOSITORY}"
}

# restic prints an empty list for an unknown id; an ambiguous prefix is an error.
find_snapshot() {
	local found="${PRIVATE_DIR}/snapshot.json"
	restic snapshots --json "$SNAPSHOT_ID" >"$found" 2>"${PRIVATE_DIR}/restic.err" || true
	if grep -q 'multiple IDs with prefix' "${PRIVATE_DIR}/restic.err"; then
		fail 3 "snapshot ${SNAPSHOT_ID} is ambiguous: give more of its id"
	fi
	SNAPSHOT_FULL_ID="$(json_member id <"$found")"
	if [ -z "$SNAPSHOT_FULL_ID" ]; then
		if ! grep -q 'no matching ID found' "${PRIVATE_DIR}/restic.err"; then
			sed "s/^/[${TASK}] restic: /" "${PRIVATE_DIR}/restic.err" >&2
			restic_failure "looking up snapshot ${SNAPSHOT_ID}" 1
		fi
		fail 3 "there is no snapshot ${SNAPSHOT_ID} in the repository"
	fi
	if ! grep -qF "\"store=${STORE_ID}\"" "$found"; then
		fail 3 "snapshot ${SNAPSHOT_ID} is not a backup of store ${STORE_ID}"
	fi
	SNAPSHOT_TIME="$(json_member time <"$found")"
	log "restoring snapshot ${SNAPSHOT_FULL_ID:0:8} of ${SNAPSHOT_TIME}"
}

# Also proves that the database answers and accepts the credentials before anything changes.
# The recreated database keeps the store's character set and collation.
read_database_charset() {
	local query="SELECT CONCAT(' CHARACTER SET ', DEFAULT_CHARACTER_SET_NAME, ' COLLATE ', DEFAULT_COLLATION_NAME)
		FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${DB_NAME}'"
	if ! DATABASE_CHARSET="$(database_client mariadb --batch --skip-column-names -e "$query")"; then
		database_failure "connecting to the database" 1
	fi
}

# The dump goes next to wp-content (the Job's scratch volume, never served by WordPress); the
# files go into a directory on the wp-content volume itself, so the swap is a set of renames.
stage_snapshot() {
	local content="${STORE_DATA_DIR}/wp-content"
	# Left over by an interrupted restore, which a new one completes.
	rm -rf "${content:?}/${STAGED_CONTENT}" "${content:?}/${REPLACED_CONTENT}"
	DISCARD_ON_EXIT="${content}/${STAGED_CONTENT}"
	mkdir -m 700 "$DISCARD_ON_EXIT"
	run_restic "downloading the database dump" restore "$SNAPSHOT_FULL_ID" \
		--target "$STORE_DATA_DIR" --include /database.sql >/dev/null
	run_restic "downloading wp-content" restore "$SNAPSHOT_FULL_ID" \
		--target "${content}/${STAGED_CONTENT}" --include /wp-content >/dev/null
	if [ ! -f "${STORE_DATA_DIR}/database.sql" ] || [ ! -d "${content}/${STAGED_CONTENT}/wp-content" ]; then
		fail 3 "snapshot ${SNAPSHOT_ID} is not a store backup: it lacks database.sql or wp-content"
	fi
	if [[ "$(tail -n1 "${STORE_DATA_DIR}/database.sql")" != "$DUMP_COMPLETE_MARKER"* ]]; then
		fail 3 "snapshot ${SNAPSHOT_ID} holds an incomplete database dump"
	fi
}

# Drop and reload in one client session, so no table, view, routine, trigger or event that is not
# in the backup survives. DEFINER clauses are left out (outside the INSERT rows, which hold data),
# so the restoring user owns the routines, triggers, events and views: it needs no SUPER
# privilege, and a clone's own user can run them.
replace_database() {
	# From here on the store changes; whatever a failure leaves, the next restore starts over.
	DISCARD_ON_EXIT=""
	log "replacing database ${DB_NAME}"
	# shellcheck disable=SC2016 # backticks quote SQL names here, they run no command
	if ! {
		printf 'DROP DATABASE IF EXISTS `%s`;\nCREATE DATABASE `%s`%s;\nUSE `%s`;\n' \
			"$DB_NAME" "$DB_NAME" "$DATABASE_CHARSET" "$DB_NAME"
		sed -E '/^INSERT INTO /! s/DEFINER=`[^`]*`@`[^`]*`//' "${STORE_DATA_DIR}/database.sql"
	} | database_client mariadb --batch; then
		database_failure "loading the database (it is incomplete now: restore again)" 3
	fi
}

# The store's entries move aside, the snapshot's move in (renames on one volume), then the old
# ones are deleted: files created after the backup do not survive. lost+found, which a block
# volume's file system keeps at its root (owned by root, so the Job could not move it), stays.
replace_wp_content() {
	local content="${STORE_DATA_DIR}/wp-content"
	local staged="${content}/${STAGED_CONTENT}/wp-content" replaced="${content}/${REPLACED_CONTENT}"
	log "replacing wp-content"
	mkdir -m 700 "$replaced"
	find "$content" -mindepth 1 -maxdepth 1 ! -name "$STAGED_CONTENT" ! -name "$REPLACED_CONTENT" \
		! -name "$FILE_SYSTEM_ENTRY" -exec mv -t "$replaced" {} +
	find "$staged" -mindepth 1 -maxdepth 1 ! -name "$FILE_SYSTEM_ENTRY" -exec mv -t "$content" {} +
	rm -rf "$replaced" "${content:?}/${STAGED_CONTENT}"
}

report() {
	log "store ${STORE_ID} restored from snapshot ${SNAPSHOT_FULL_ID:0:8}"
	result "$(printf '"status":"succeeded","snapshot_id":"%s","store_id":"%s","time":"%s","database":"%s"' \
		"$SNAPSHOT_FULL_ID" "$STORE_ID" "$SNAPSHOT_TIME" "$DB_NAME")"
}

main "$@"
