"""``woo stores ...``: create, list, inspect, delete, retry and wait for stores; and day-2
operations: suspend, resume, reconcile (repair), workloads and logs."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from woo_cli.durations import duration
from woo_cli.exit_codes import ExitCode
from woo_cli.http import WooClient
from woo_cli.output import Row, column, emit
from woo_cli.statuses import FAILURE_STATUSES, STORE_STATUSES

PAGE_SIZE = 50

STORE_COLUMNS = (
    column("ID", "id"),
    column("NAME", "store_name"),
    column("STATUS", "status"),
    column("DOMAIN", "domain"),
    column("ENV", "environment"),
    column("CREATED", "created_at"),
    column("REASON", "status_reason"),
)
EVENT_COLUMNS = (
    column("ID", "id"),
    column("TIME", "created_at"),
    column("STEP", "step"),
    column("OUTCOME", "outcome"),
    column("MESSAGE", "message"),
)


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    parser = groups.add_parser("stores", help="create, list, inspect and operate stores")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    create = verbs.add_parser("create", parents=[common], help="ask for a new store")
    create.add_argument("name", help="the store's name (a DNS label)")
    create.add_argument("--domain", help="storefront hostname (default: <name>.<base domain>)")
    create.add_argument("--environment", choices=("local", "prod"), default=None)
    create.add_argument(
        "--idempotency-key", help="repeat the command safely: the same key creates one store"
    )
    _add_wait_options(create, "wait until the store is Ready")
    create.set_defaults(run=_create)

    listing = verbs.add_parser("list", parents=[common], help="list stores, newest first")
    listing.add_argument("--status", choices=STORE_STATUSES, help="only stores with this status")
    listing.add_argument("--search", help="only stores whose name or domain contains this")
    listing.add_argument("--include-deleted", action="store_true")
    listing.add_argument(
        "--limit", type=int, default=PAGE_SIZE, help=f"at most this many (default {PAGE_SIZE})"
    )
    listing.add_argument("--all", action="store_true", help="every store, page after page")
    listing.set_defaults(run=_list)

    get = verbs.add_parser("get", parents=[common], help="one store")
    get.add_argument("store_id")
    get.set_defaults(run=_get)

    events = verbs.add_parser("events", parents=[common], help="a store's timeline")
    events.add_argument("store_id")
    events.set_defaults(run=_events)

    delete = verbs.add_parser("delete", parents=[common], help="remove a store and its data")
    delete.add_argument("store_id")
    _add_wait_options(delete, "wait until the store is Deleted")
    delete.set_defaults(run=_delete)

    retry = verbs.add_parser("retry", parents=[common], help="resume a Failed store")
    retry.add_argument("store_id")
    retry.set_defaults(run=_retry)

    wait = verbs.add_parser("wait", parents=[common], help="wait until a store has a status")
    wait.add_argument("store_id")
    wait.add_argument(
        "--for",
        dest="status",
        choices=STORE_STATUSES,
        default="Ready",
        help="the status to wait for (default Ready)",
    )
    wait.add_argument("--timeout", type=duration, default=600.0, help="e.g. 90s, 10m (default)")
    wait.add_argument("--interval", type=duration, default=1.0, help=argparse.SUPPRESS)
    wait.set_defaults(run=_wait)

    _register_day2(verbs, common)


def _add_wait_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--wait", action="store_true", help=what)
    parser.add_argument("--timeout", type=duration, default=600.0, help="for --wait (10m)")
    parser.add_argument("--interval", type=duration, default=1.0, help=argparse.SUPPRESS)


def _create(client: WooClient, args: argparse.Namespace) -> int:
    body: dict[str, Any] = {"store_name": args.name}
    if args.domain:
        body["domain"] = args.domain
    if args.environment:
        body["environment"] = args.environment
    headers = {"Idempotency-Key": args.idempotency_key} if args.idempotency_key else None
    store = client.post("/stores", body, headers=headers)
    if args.wait:
        return wait_for(client, store["id"], "Ready", args.timeout, args.interval, args.output)
    emit(store, STORE_COLUMNS, args.output)
    return ExitCode.OK


def _list(client: WooClient, args: argparse.Namespace) -> int:
    if args.limit < 1:
        print("woo: --limit must be at least 1", file=sys.stderr)
        return ExitCode.USAGE
    params: dict[str, Any] = {
        "status": args.status,
        "search": args.search,
        "include_deleted": "true" if args.include_deleted else None,
        "limit": min(args.limit, 200),
    }
    stores: list[Row] = []
    while True:
        page = client.get("/stores", params)
        stores += page["items"]
        cursor = page["next_cursor"]
        if cursor is None or (not args.all and len(stores) >= args.limit):
            break
        params["cursor"] = cursor
    emit(stores if args.all else stores[: args.limit], STORE_COLUMNS, args.output)
    return ExitCode.OK


def _get(client: WooClient, args: argparse.Namespace) -> int:
    emit(client.get(f"/stores/{args.store_id}"), STORE_COLUMNS, args.output)
    return ExitCode.OK


def _events(client: WooClient, args: argparse.Namespace) -> int:
    events: list[Row] = []
    after = 0
    while True:
        page = client.get(f"/stores/{args.store_id}/events", {"after": after})
        events += page["items"]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    emit(events, EVENT_COLUMNS, args.output)
    return ExitCode.OK


def _delete(client: WooClient, args: argparse.Namespace) -> int:
    store = client.delete(f"/stores/{args.store_id}")
    if args.wait:
        return wait_for(client, store["id"], "Deleted", args.timeout, args.interval, args.output)
    emit(store, STORE_COLUMNS, args.output)
    return ExitCode.OK


def _retry(client: WooClient, args: argparse.Namespace) -> int:
    emit(client.post(f"/stores/{args.store_id}/retry"), STORE_COLUMNS, args.output)
    return ExitCode.OK


def _wait(client: WooClient, args: argparse.Namespace) -> int:
    return wait_for(client, args.store_id, args.status, args.timeout, args.interval, args.output)


def wait_for(
    client: WooClient, store_id: str, status: str, timeout: float, interval: float, output: str
) -> int:
    """Poll the store until it has ``status`` (exit 0), reaches a failure status it was not
    waiting for (7), or ``timeout`` passes (5); the last state seen is printed either way."""
    deadline = time.monotonic() + timeout
    while True:
        store = client.get(f"/stores/{store_id}")
        if store["status"] == status:
            emit(store, STORE_COLUMNS, output)
            return ExitCode.OK
        if store["status"] in FAILURE_STATUSES:
            emit(store, STORE_COLUMNS, output)
            print(
                f"woo: store {store_id} is {store['status']}: {store.get('status_reason')}",
                file=sys.stderr,
            )
            return ExitCode.FAILED
        if time.monotonic() + interval > deadline:
            emit(store, STORE_COLUMNS, output)
            print(
                f"woo: store {store_id} is still {store['status']} after {timeout:g}s",
                file=sys.stderr,
            )
            return ExitCode.TIMEOUT
        time.sleep(interval)


# --- day-2 operations ---------------------------------------------------------------------------
POD_COLUMNS = (
    column("POD", "name"),
    column("COMPONENT", "component"),
    column("PHASE", "phase"),
    column("READY", "ready"),
    column("RESTARTS", "restarts"),
    column("LAST TERMINATION", "last_termination_reason"),
    column("IMAGE", "image"),
)
WARNING_COLUMNS = (
    column("LAST SEEN", "last_seen"),
    column("REASON", "reason"),
    column("OBJECT", "object"),
    column("COUNT", "count"),
    column("MESSAGE", "message"),
)
# What the API answers at most (GET /stores/{id}/logs).
MAX_TAIL = 1000


def _register_day2(verbs: Any, common: argparse.ArgumentParser) -> None:
    suspend = verbs.add_parser(
        "suspend",
        parents=[common],
        help="scale a store to zero behind a maintenance page, keeping its data",
    )
    suspend.add_argument("store_id")
    _add_wait_options(suspend, "wait until WordPress and MariaDB are at zero")
    suspend.set_defaults(run=_suspend)

    resume = verbs.add_parser("resume", parents=[common], help="start a Suspended store again")
    resume.add_argument("store_id")
    _add_wait_options(resume, "wait until the store is Ready")
    resume.set_defaults(run=_resume)

    reconcile = verbs.add_parser(
        "reconcile",
        parents=[common],
        help="repair a store: apply its release again (existing Secrets and volumes kept)",
    )
    reconcile.add_argument("store_id")
    reconcile.add_argument(
        "--recreate-empty",
        action="store_true",
        help="only for a store whose data is lost: provision it again, empty (nothing comes back)",
    )
    _add_wait_options(reconcile, "wait until the store is Ready")
    reconcile.set_defaults(run=_reconcile)

    workloads = verbs.add_parser(
        "workloads", parents=[common], help="a store's pods and recent Warning events"
    )
    workloads.add_argument("store_id")
    workloads.set_defaults(run=_workloads)

    logs = verbs.add_parser(
        "logs", parents=[common], help="the last lines of a container's log (secrets redacted)"
    )
    logs.add_argument("store_id")
    logs.add_argument("--container", "-c", required=True, help="e.g. wordpress, mariadb")
    logs.add_argument("--pod", help="the pod (default: the first that runs the container)")
    logs.add_argument(
        "--tail", type=int, default=200, help=f"lines from the end, 1 to {MAX_TAIL} (default 200)"
    )
    logs.add_argument(
        "--previous", "-p", action="store_true", help="the instance before the last restart"
    )
    logs.set_defaults(run=_logs)


def _suspend(client: WooClient, args: argparse.Namespace) -> int:
    store = client.post(f"/stores/{args.store_id}/suspend")
    if args.wait:
        return _wait_until_suspended(client, store["id"], args.timeout, args.interval, args.output)
    emit(store, STORE_COLUMNS, args.output)
    return ExitCode.OK


def _resume(client: WooClient, args: argparse.Namespace) -> int:
    store = client.post(f"/stores/{args.store_id}/resume")
    if args.wait:
        return wait_for(client, store["id"], "Ready", args.timeout, args.interval, args.output)
    emit(store, STORE_COLUMNS, args.output)
    return ExitCode.OK


def _reconcile(client: WooClient, args: argparse.Namespace) -> int:
    body = {"recreate_empty": True} if args.recreate_empty else {}
    store = client.post(f"/stores/{args.store_id}/reconcile", body)
    if args.wait and store["status"] == "Suspended":
        return _wait_until_suspended(client, store["id"], args.timeout, args.interval, args.output)
    if args.wait:
        return wait_for(client, store["id"], "Ready", args.timeout, args.interval, args.output)
    emit(store, STORE_COLUMNS, args.output)
    return ExitCode.OK


def _workloads(client: WooClient, args: argparse.Namespace) -> int:
    workloads = client.get(f"/stores/{args.store_id}/workloads")
    if args.output == "json":
        emit(workloads, (), "json")
        return ExitCode.OK
    emit(workloads["pods"], POD_COLUMNS, "table")
    if workloads["warnings"]:
        print()
        emit(workloads["warnings"], WARNING_COLUMNS, "table")
    return ExitCode.OK


def _logs(client: WooClient, args: argparse.Namespace) -> int:
    if not 1 <= args.tail <= MAX_TAIL:
        print(f"woo: --tail must be between 1 and {MAX_TAIL}", file=sys.stderr)
        return ExitCode.USAGE
    params = {
        "container": args.container,
        "pod": args.pod,
        "tail": args.tail,
        "previous": "true" if args.previous else None,
    }
    log = client.get(f"/stores/{args.store_id}/logs", params)
    if args.output == "json":
        emit(log, (), "json")
        return ExitCode.OK
    for line in log["lines"]:
        print(line)
    if log["truncated"]:
        print("woo: the log was cut at the API's size limit", file=sys.stderr)
    return ExitCode.OK


def _wait_until_suspended(
    client: WooClient, store_id: str, timeout: float, interval: float, output: str
) -> int:
    """A suspension is done when the store is Suspended and says so ("suspended: ...")."""
    deadline = time.monotonic() + timeout
    while True:
        store = client.get(f"/stores/{store_id}")
        reason = store.get("status_reason") or ""
        if store["status"] == "Suspended" and reason.startswith("suspended"):
            emit(store, STORE_COLUMNS, output)
            return ExitCode.OK
        if store["status"] in FAILURE_STATUSES or store["status"] == "Degraded":
            emit(store, STORE_COLUMNS, output)
            print(f"woo: store {store_id} is {store['status']}: {reason}", file=sys.stderr)
            return ExitCode.FAILED
        if time.monotonic() + interval > deadline:
            emit(store, STORE_COLUMNS, output)
            print(f"woo: store {store_id} is not suspended after {timeout:g}s", file=sys.stderr)
            return ExitCode.TIMEOUT
        time.sleep(interval)
