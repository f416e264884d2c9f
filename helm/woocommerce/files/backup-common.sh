# shellcheck shell=bash
# Shared by backup.sh and restore.sh (sourced, never run on its own): logging, the exit-code
# contract, configuration checks, the database client's credentials, and restic calls whose
# failures are sorted into "retry" and "retrying cannot help".
#
# Exit status of both scripts: 0 = done; 1 = failed, a new attempt may succeed (backup target or
# database unreachable, repository locked); 3 = retrying cannot help (bad configuration, wrong
# restic password, unknown snapshot), so the Job's podFailurePolicy fails it at once.
#
# The last line on standard output is machine-readable, for the orchestrator to read from the log
# (or from RESULT_FILE, see result):
#   woo-platform-<task>-result {"status":"succeeded",...}
#   woo-platform-<task>-result {"status":"failed","exit_code":1|3,"reason":"..."}

TASK="$(basename "$0" .sh)"
readonly TASK
# Where restore.sh stages a snapshot's wp-content on the store's own volume (then swaps it in by
# renaming), and where the replaced files wait until the swap is done. backup.sh leaves both out.
# mariadb-dump writes DUMP_COMPLETE_MARKER as its last line only when the dump is complete.
# FILE_SYSTEM_ENTRY is what an ext4-formatted block volume keeps at its root, owned
# by root and unreadable to the Job: not the store's, so neither backed up nor replaced.
# shellcheck disable=SC2034 # read by backup.sh and restore.sh, which source this file
readonly STAGED_CONTENT=.woo-platform-restore REPLACED_CONTENT=.woo-platform-replaced \
	DUMP_COMPLETE_MARKER='-- Dump completed' FILE_SYSTEM_ENTRY=lost+found

log() {
	printf '[%s] %s\n' "$TASK" "$*" >&2
}

# Prints the result line and exits. Usage: fail 1|3 REASON
fail() {
	local code=$1 reason=$2
	log "failed: ${reason}"
	result "$(printf '"status":"failed","exit_code":%d,"reason":"%s"' "$code" "$(json_escape "$reason")")"
	exit "$code"
}

config_error() {
	fail 3 "configuration error: $*"
}

# Usage: result 'JSON MEMBERS' -> the one machine-readable line. With RESULT_FILE (a Job sets
# /dev/termination-log), the line is also the container's termination message, so the outcome is
# in the pod's status without reading its log.
result() {
	printf 'woo-platform-%s-result {%s}\n' "$TASK" "$1"
	if [ -n "${RESULT_FILE:-}" ]; then
		printf 'woo-platform-%s-result {%s}\n' "$TASK" "$1" >"$RESULT_FILE" || true
	fi
}

json_escape() {
	local text=${1//\\/\\\\}
	text=${text//\"/\\\"}
	printf '%s' "${text//[$'\t\n\r']/ }"
}

require_environment() {
	local name
	for name in "$@"; do
		if [ -z "${!name:-}" ]; then
			config_error "environment variable ${name} is empty"
		fi
	done
}

require_readable_file() {
	local name=$1
	if [ ! -f "${!name}" ] || [ ! -r "${!name}" ]; then
		config_error "${name} does not name a readable file"
	fi
}

# The shared checks of both scripts; each script names its own extra variables.
require_common_environment() {
	require_environment STORE_ID DB_HOST DB_NAME DB_USER DB_PASSWORD_FILE STORE_DATA_DIR \
		RESTIC_REPOSITORY RESTIC_PASSWORD_FILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	require_readable_file DB_PASSWORD_FILE
	require_readable_file RESTIC_PASSWORD_FILE
	if [[ ! "$STORE_ID" =~ ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ ]]; then
		config_error "STORE_ID must be a lowercase DNS label"
	fi
	# Only plain names: they are quoted into SQL statements below.
	if [[ ! "$DB_NAME" =~ ^[A-Za-z0-9_]{1,64}$ ]]; then
		config_error "DB_NAME must be letters, digits and underscores"
	fi
	if [[ ! "${DB_PORT:=3306}" =~ ^[0-9]{1,5}$ ]]; then
		config_error "DB_PORT must be a port number"
	fi
	if [[ "$RESTIC_REPOSITORY" != s3:* ]]; then
		config_error "RESTIC_REPOSITORY must be an S3 repository (s3:<endpoint>/<bucket>/<prefix>)"
	fi
	if [ ! -d "${STORE_DATA_DIR}/wp-content" ] || [ ! -w "$STORE_DATA_DIR" ]; then
		config_error "STORE_DATA_DIR must be a writable directory that holds the store's wp-content"
	fi
}

# Anything unforeseen still ends with a result line and the "retry" exit code.
trap 'fail 1 "unexpected failure (line ${LINENO}): ${BASH_COMMAND}"' ERR

# A private directory for the database client's option file and restic's error output;
# removed on exit, however the script ends.
make_private_dir() {
	PRIVATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/woo-platform-${TASK}.XXXXXX")"
	readonly PRIVATE_DIR
	DB_OPTIONS="${PRIVATE_DIR}/client.cnf"
	readonly DB_OPTIONS
	trap cleanup EXIT
	write_database_options
}

# DISCARD_ON_EXIT: what a script downloaded but has not used yet (restore.sh's staged files).
cleanup() {
	rm -rf "$PRIVATE_DIR" "${STORE_DATA_DIR}/database.sql" ${DISCARD_ON_EXIT:+"$DISCARD_ON_EXIT"}
}

# The database password goes into an option file that only this user can read, never onto a
# command line (visible to every process) or into the log.
write_database_options() {
	local password escaped
	# Read verbatim: a Secret's value is the password byte for byte, trailing newline included.
	IFS= read -r -d '' password <"$DB_PASSWORD_FILE" || true
	escaped=${password//\\/\\\\}
	escaped=${escaped//\"/\\\"}
	escaped=${escaped//$'\n'/\\n}
	escaped=${escaped//$'\r'/\\r}
	escaped=${escaped//$'\t'/\\t}
	(
		umask 077
		printf '[client]\nhost=%s\nport=%s\nuser=%s\npassword="%s"\ndefault-character-set=utf8mb4\n' \
			"$DB_HOST" "$DB_PORT" "$DB_USER" "$escaped" >"$DB_OPTIONS"
	)
}

# Runs the mariadb client (or mariadb-dump, as $1) with the credentials; its errors are in
# ${PRIVATE_DIR}/database.err for database_failure.
database_client() {
	local program=$1
	shift
	"$program" --defaults-extra-file="$DB_OPTIONS" "$@" 2>"${PRIVATE_DIR}/database.err"
}

# Exits after a failed database_client call: 1 when the database is unreachable, 3 when it
# refuses the credentials, else OTHERWISE. Usage: database_failure WHAT OTHERWISE
database_failure() {
	local what=$1 otherwise=$2 error
	# The error line only: the client also echoes the failed statement, which may hold shop data.
	error="$(grep -m1 -E '^(ERROR|mariadb)' "${PRIVATE_DIR}/database.err" || head -c 300 "${PRIVATE_DIR}/database.err")"
	case "$error" in
	*" 2002"* | *" 2003"* | *" 2005"* | *" 2006"* | *" 2013"* | *"Can't connect"* | *"Lost connection"*)
		fail 1 "${what}: the database at ${DB_HOST}:${DB_PORT} is unreachable: ${error}"
		;;
	*" 1044"* | *" 1045"* | *" 1049"* | *"Access denied"*)
		fail 3 "${what}: the database refused ${DB_USER}: ${error}"
		;;
	*)
		fail "$otherwise" "${what}: ${error}"
		;;
	esac
}

# Runs restic; on failure exits 3 when retrying cannot help, else 1. restic's own messages (which
# hold no secret: it reads the password and keys from files and the environment) go to the log.
# Usage: run_restic WHAT restic-arguments...
run_restic() {
	local what=$1 status=0
	shift
	logged_restic "$@" || status=$?
	if [ "$status" -ne 0 ]; then
		restic_failure "$what" "$status"
	fi
}

# Runs restic with its messages in the log (and in ${PRIVATE_DIR}/restic.err); returns its status.
logged_restic() {
	local status=0
	restic "$@" 2>"${PRIVATE_DIR}/restic.err" || status=$?
	if [ -s "${PRIVATE_DIR}/restic.err" ]; then
		sed "s/^/[${TASK}] restic: /" "${PRIVATE_DIR}/restic.err" >&2
	fi
	return "$status"
}

# restic 0.14 (Debian 12) exits 1 for every fatal error; 0.17+ adds 10 (no repository), 11 (lock
# failed) and 12 (wrong password). Both are understood, the message decides for the former.
restic_failure() {
	local what=$1 status=$2 error
	error="$(grep -m1 -E '^(Fatal|Error|error|unable)' "${PRIVATE_DIR}/restic.err" || tail -n1 "${PRIVATE_DIR}/restic.err")"
	if [ "$status" -eq 12 ] || grep -q 'wrong password or no key found' "${PRIVATE_DIR}/restic.err"; then
		fail 3 "${what}: wrong restic password for the repository (RESTIC_PASSWORD_FILE)"
	fi
	if repository_missing "$status"; then
		fail 3 "${what}: there is no backup repository at ${RESTIC_REPOSITORY}"
	fi
	if grep -qE 'AccessDenied|Access Denied|InvalidAccessKeyId|SignatureDoesNotMatch' "${PRIVATE_DIR}/restic.err"; then
		fail 3 "${what}: the backup target refused the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY): ${error}"
	fi
	if [ "$status" -eq 11 ] || grep -q 'repository is already locked' "${PRIVATE_DIR}/restic.err"; then
		fail 1 "${what}: the repository is locked by another backup or restore"
	fi
	if grep -qE 'dial tcp|connection refused|no such host|i/o timeout|timeout|TLS handshake|connection reset|EOF|50[0-9] ' "${PRIVATE_DIR}/restic.err"; then
		fail 1 "${what}: the backup target is unreachable: ${error}"
	fi
	fail 1 "${what}: restic failed (exit ${status}): ${error}"
}

# Only the repository's config file missing means "no repository"; a missing pack is damage.
repository_missing() {
	[ "$1" -eq 10 ] || grep -q 'repository does not exist' "${PRIVATE_DIR}/restic.err" ||
		grep -qE 'unable to open config file: .*The specified (key|bucket) does not exist' "${PRIVATE_DIR}/restic.err"
}

# Checks that the repository answers and the password opens it, before anything else happens.
# With "create", a store's first backup creates its repository.
open_repository() {
	local mode=${1:-existing} status=0
	restic cat config >/dev/null 2>"${PRIVATE_DIR}/restic.err" || status=$?
	if [ "$status" -eq 0 ]; then
		run_restic "removing stale locks" unlock >/dev/null
		return
	fi
	if [ "$mode" = create ] && repository_missing "$status"; then
		log "creating the store's backup repository at ${RESTIC_REPOSITORY}"
		run_restic "creating the repository" init >/dev/null
		return
	fi
	sed "s/^/[${TASK}] restic: /" "${PRIVATE_DIR}/restic.err" >&2
	restic_failure "opening the repository" "$status"
}

# Prints the value of a string or number member of a one-line JSON object (restic's --json
# output; the images these scripts run in have no JSON tool). Usage: json_member NAME < line
json_member() {
	sed -n -E "s/.*\"$1\":\"?([^\",}]*)\"?[,}].*/\1/p" | head -n1
}
