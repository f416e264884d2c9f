"""``woo stores ...``: create, list, inspect, delete, retry and wait for stores."""

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
