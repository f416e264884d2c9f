"""``woo``'s entry point: the argument tree (one module per group of verbs), the configuration,
and the one place where API errors become messages and exit codes."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from woo_cli import stores
from woo_cli.config import ConfigError, load_config
from woo_cli.exit_codes import ExitCode
from woo_cli.http import ApiError, WooClient

# Each module adds its group of verbs with register(groups, common); a verb sets `run`.
MODULES: tuple[ModuleType, ...] = (stores,)


def build_parser() -> argparse.ArgumentParser:
    # Options every verb takes, so they can be written after it (`woo stores list -o json`).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--url", help="the platform's URL (default: WOO_URL, the config file, or localhost:8000)"
    )
    common.add_argument(
        "-o",
        "--output",
        choices=("table", "json"),
        default="table",
        help="table for people (default), json for scripts",
    )
    parser = argparse.ArgumentParser(
        prog="woo",
        description="Operate woo-platform's stores over its HTTP API. The token comes from "
        "WOO_TOKEN or the config file (WOO_CONFIG, default ~/.config/woo/config.toml).",
        epilog="exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 refused (409/422), "
        "5 timeout, 6 auth, 7 the store failed while waiting",
    )
    groups = parser.add_subparsers(dest="group", required=True, metavar="GROUP")
    for module in MODULES:
        module.register(groups, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = load_config(args.url)
    except ConfigError as error:
        print(f"woo: {error}", file=sys.stderr)
        return ExitCode.USAGE
    with WooClient(config) as client:
        try:
            return int(args.run(client, args))
        except ApiError as error:
            print(f"woo: {error}", file=sys.stderr)
            return ExitCode.for_status(error.status_code)
        except KeyboardInterrupt:
            return 130
