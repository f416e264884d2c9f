"""``woo rollouts ...``: upgrade many stores to a version in waves, follow, pause, resume, abort."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from woo_cli.durations import duration
from woo_cli.exit_codes import ExitCode
from woo_cli.http import WooClient
from woo_cli.output import Column, Row, column, emit

ROLLOUT_COLUMNS = (
    column("ID", "id"),
    column("VERSION", "target_version"),
    column("STATUS", "status"),
    Column("WAVE", lambda row: f"{row['current_wave']}/{row['wave_count']}"),
    Column(
        "DONE",
        lambda row: (
            "{succeeded} ok, {failed} failed, {upgrading} upgrading, {pending} pending, "
            "{skipped_pinned} pinned".format(**row["counts"])
        ),
    ),
    column("CREATED", "created_at"),
    column("REASON", "status_reason"),
)
PROGRESS_COLUMNS = (
    column("WAVE", "wave"),
    column("STORE", "store_id"),
    column("NAME", "store_name"),
    column("STATE", "state"),
    column("VERSION", "version"),
    column("MESSAGE", "message"),
)
# A rollout in these statuses moves no further by itself.
STOPPED = {"Halted", "Aborted", "Succeeded"}


def register(groups: Any, common: argparse.ArgumentParser) -> None:
    parser = groups.add_parser("rollouts", help="upgrade many stores in waves")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")

    start = verbs.add_parser("start", parents=[common], help="start a rollout")
    start.add_argument("version", help="the version to upgrade to (see GET /catalogue)")
    start.add_argument("--environment", choices=("local", "prod"), help="stores of this env")
    start.add_argument("--plan", help="stores of this plan")
    start.add_argument(
        "--store", dest="store_ids", action="append", metavar="ID", help="this store (repeat)"
    )
    start.add_argument(
        "--waves",
        type=_sizes,
        default=None,
        help="wave sizes, canary first: 1,5,25 (the platform's default)",
    )
    start.add_argument(
        "--max-failure-ratio",
        type=float,
        default=None,
        help="a wave with a larger failed share halts the rollout (default 0)",
    )
    _add_wait_options(start)
    start.set_defaults(run=_start)

    listing = verbs.add_parser("list", parents=[common], help="rollouts, newest first")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(run=_list)

    status = verbs.add_parser("status", parents=[common], help="a rollout and each store's part")
    status.add_argument("rollout_id")
    _add_wait_options(status)
    status.set_defaults(run=_status)

    for verb, what in (
        ("pause", "start no new upgrades (those under way finish)"),
        ("resume", "go on (a halted rollout: with the next wave)"),
        ("abort", "stop for good; stores not upgraded keep their version"),
    ):
        action = verbs.add_parser(verb, parents=[common], help=what)
        action.add_argument("rollout_id")
        action.set_defaults(run=_action(verb))


def _add_wait_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wait",
        action="store_true",
        help="wait until the rollout stops (exit 0 Succeeded, 7 Halted or Aborted)",
    )
    parser.add_argument("--timeout", type=duration, default=3600.0, help="for --wait (1h)")
    parser.add_argument("--interval", type=duration, default=2.0, help=argparse.SUPPRESS)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list such as 1,5,25") from None
    return sizes


def _start(client: WooClient, args: argparse.Namespace) -> int:
    selector = {
        key: value
        for key, value in (
            ("environment", args.environment),
            ("plan", args.plan),
            ("store_ids", args.store_ids),
        )
        if value
    }
    if not selector:
        print("woo: choose stores with --environment, --plan or --store", file=sys.stderr)
        return ExitCode.USAGE
    body: dict[str, Any] = {"target_version": args.version, "selector": selector}
    if args.waves is not None:
        body["waves"] = args.waves
    if args.max_failure_ratio is not None:
        body["max_failure_ratio"] = args.max_failure_ratio
    rollout = client.post("/rollouts", body)
    if args.wait:
        return _wait(client, rollout["id"], args)
    _show(rollout, args.output)
    return ExitCode.OK


def _list(client: WooClient, args: argparse.Namespace) -> int:
    page = client.get("/rollouts", {"limit": max(1, min(args.limit, 200))})
    emit(page["items"], ROLLOUT_COLUMNS, args.output)
    return ExitCode.OK


def _status(client: WooClient, args: argparse.Namespace) -> int:
    if args.wait:
        return _wait(client, args.rollout_id, args)
    _show(client.get(f"/rollouts/{args.rollout_id}"), args.output)
    return ExitCode.OK


def _action(verb: str) -> Any:
    def run(client: WooClient, args: argparse.Namespace) -> int:
        _show(client.post(f"/rollouts/{args.rollout_id}/{verb}"), args.output)
        return ExitCode.OK

    return run


def _wait(client: WooClient, rollout_id: str, args: argparse.Namespace) -> int:
    """Until the rollout stops by itself (or is stopped): 0 Succeeded, 7 Halted or Aborted,
    5 still going after --timeout (a Paused rollout waits for someone to resume it)."""
    deadline = time.monotonic() + args.timeout
    while True:
        rollout = client.get(f"/rollouts/{rollout_id}")
        if rollout["status"] in STOPPED:
            _show(rollout, args.output)
            if rollout["status"] == "Succeeded":
                return ExitCode.OK
            print(
                f"woo: rollout {rollout_id} is {rollout['status']}: {rollout['status_reason']}",
                file=sys.stderr,
            )
            return ExitCode.FAILED
        if time.monotonic() + args.interval > deadline:
            _show(rollout, args.output)
            print(
                f"woo: rollout {rollout_id} is still {rollout['status']} after {args.timeout:g}s",
                file=sys.stderr,
            )
            return ExitCode.TIMEOUT
        time.sleep(args.interval)


def _show(rollout: Row, output: str) -> None:
    """JSON: the API's object. Table: the rollout, then each store's part when it is known."""
    if output == "json":
        emit(rollout, ROLLOUT_COLUMNS, output)
        return
    emit(rollout, ROLLOUT_COLUMNS, output)
    if rollout.get("stores"):
        sys.stdout.write("\n")
        emit(rollout["stores"], PROGRESS_COLUMNS, output)
