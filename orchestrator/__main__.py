"""``python -m orchestrator``: serve the API, the reconciler and the built dashboard;
``python -m orchestrator tokens …``: manage API tokens."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from orchestrator.app import create_app
from orchestrator.auth import cli as tokens_cli
from orchestrator.config import Settings, SettingsError, load_settings
from orchestrator.logs import configure_logging


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m orchestrator")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the API and dashboard (the default)")
    tokens_cli.add_parser(commands)
    arguments = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"woo-platform: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(settings.log_level)
    if arguments.command == "tokens":
        raise SystemExit(tokens_cli.run(settings, arguments))
    serve(settings)


def serve(settings: Settings) -> None:
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        proxy_headers=True,
        # Server limits (README, "Limits"): connections served at once (then 503), idle
        # keep-alive connections closed after 5 s, request heads over 16 KiB refused.
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=16 * 1024,
    )


if __name__ == "__main__":
    main()
