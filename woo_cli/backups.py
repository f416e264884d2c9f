"""``woo backups ...``: list, take, inspect and restore a store's backups."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from woo_cli.durations import duration
from woo_cli.exit_codes import ExitCode
from woo_cli.http import ApiError, WooClient
from woo_cli.output import Row, column, emit
from woo_cli.stores import STORE_COLUMNS

BACKUP_COLUMNS = (
    column("ID", "id"),
    column("KIND", "kind"),
    column("STATUS", "status"),
    column("STARTED", "started_at"),
    column("FINISHED", "finished_at"),
    column("SNAPSHOT", "snapshot_id"),
    column("BYTES", "size_bytes"),
    column("REASON", "reason"),
)
# A restore that ends here instead of Ready: Failed (the restore Job failed), or Degraded (it was
# abandoned before anything changed: the safety backup failed).
RESTORE_FAILURES = frozenset({"Failed", "Degraded"})


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    parser = groups.add_parser("backups", help="list, take and restore a store's backups")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    listing = verbs.add_parser(
        "list", parents=[common], help="a store's backups, newest first (also once deleted)"
    )
    listing.add_argument("store_id")
    listing.add_argument("--limit", type=int, default=100, help="at most this many (100)")
    listing.set_defaults(run=_list)

    create = verbs.add_parser("create", parents=[common], help="back a store up now")
    create.add_argument("store_id")
    _add_wait_options(create, "wait until the backup Succeeded")
    create.set_defaults(run=_create)

    get = verbs.add_parser("get", parents=[common], help="one backup")
    get.add_argument("store_id")
    get.add_argument("backup_id")
    get.set_defaults(run=_get)

    restore = verbs.add_parser(
        "restore", parents=[common], help="replace a store's data with one of its backups"
    )
    restore.add_argument("store_id")
    restore.add_argument("backup_id")
    restore.add_argument(
        "--no-safety-backup",
        action="store_true",
        help="skip the backup of the store's current data taken first",
    )
    _add_wait_options(restore, "wait until the store is Ready again")
    restore.set_defaults(run=_restore)


def _add_wait_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--wait", action="store_true", help=what)
    parser.add_argument("--timeout", type=duration, default=3600.0, help="for --wait (1h)")
    parser.add_argument("--interval", type=duration, default=1.0, help=argparse.SUPPRESS)


def _list(client: WooClient, args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= 500:
        print("woo: --limit must be between 1 and 500", file=sys.stderr)
        return ExitCode.USAGE
    params = {"limit": args.limit}
    try:
        backups = client.get(f"/stores/{args.store_id}/backups", params)["items"]
    except ApiError as error:
        if error.status_code != 404:
            raise
        # The store is gone (purged): its backups are kept for the grace period.
        backups = client.get("/backups", {"store_id": args.store_id, **params})["items"]
        if not backups:
            raise
    emit(backups, BACKUP_COLUMNS, args.output)
    return ExitCode.OK


def _create(client: WooClient, args: argparse.Namespace) -> int:
    backup = client.post(f"/stores/{args.store_id}/backups")
    if not args.wait:
        emit(backup, BACKUP_COLUMNS, args.output)
        return ExitCode.OK
    deadline = time.monotonic() + args.timeout
    path = f"/stores/{args.store_id}/backups/{backup['id']}"
    while backup["status"] == "Running" and time.monotonic() + args.interval <= deadline:
        time.sleep(args.interval)
        backup = client.get(path)
    emit(backup, BACKUP_COLUMNS, args.output)
    return _ended(backup, args.timeout)


def _get(client: WooClient, args: argparse.Namespace) -> int:
    emit(
        client.get(f"/stores/{args.store_id}/backups/{args.backup_id}"),
        BACKUP_COLUMNS,
        args.output,
    )
    return ExitCode.OK


def _restore(client: WooClient, args: argparse.Namespace) -> int:
    body = {"backup_id": args.backup_id, "safety_backup": not args.no_safety_backup}
    store: Row = client.post(f"/stores/{args.store_id}/restore", body)
    if not args.wait:
        emit(store, STORE_COLUMNS, args.output)
        return ExitCode.OK
    deadline = time.monotonic() + args.timeout
    while store["status"] == "Restoring" and time.monotonic() + args.interval <= deadline:
        time.sleep(args.interval)
        store = client.get(f"/stores/{args.store_id}")
    emit(store, STORE_COLUMNS, args.output)
    if store["status"] == "Ready":
        return ExitCode.OK
    if store["status"] in RESTORE_FAILURES:
        print(
            f"woo: the restore did not complete: store {args.store_id} is {store['status']}: "
            f"{store.get('status_reason')}",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    still = f"store {args.store_id} is still {store['status']} after {args.timeout:g}s"
    print(f"woo: {still}", file=sys.stderr)
    return ExitCode.TIMEOUT


def _ended(backup: Row, timeout: float) -> int:
    if backup["status"] == "Succeeded":
        return ExitCode.OK
    if backup["status"] == "Failed":
        print(f"woo: backup {backup['id']} failed: {backup.get('reason')}", file=sys.stderr)
        return ExitCode.FAILED
    print(f"woo: backup {backup['id']} is still Running after {timeout:g}s", file=sys.stderr)
    return ExitCode.TIMEOUT
