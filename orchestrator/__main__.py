"""``python -m orchestrator``: serve the API, the reconciler and the built dashboard;
``python -m orchestrator tokens …``: manage API tokens."""

from __future__ import annotations

import argparse
import errno
import socket
import sys

import uvicorn

from orchestrator.app import create_app
from orchestrator.auth import cli as tokens_cli
from orchestrator.config import Settings, SettingsError, load_settings
from orchestrator.logs import configure_logging
from orchestrator.provisioning.chart_files import chart_file_problems


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
    if arguments.command == "tokens":
        # Token management needs only the database: no chart files, no port of its own.
        configure_logging(settings.log_level)
        raise SystemExit(tokens_cli.run(settings, arguments))
    problems = chart_file_problems(settings)
    if problems:
        print(f"woo-platform: invalid configuration: {'; '.join(problems)}", file=sys.stderr)
        raise SystemExit(2)
    if not _can_listen(settings.host, settings.port):
        # Checked before the lifespan: uvicorn binds only after migrating and starting the
        # reconciler, which a second copy on a taken port must not do.
        print(
            f"woo-platform: {settings.host}:{settings.port} is already in use "
            "(another orchestrator?); set WOO_PORT to use another port",
            file=sys.stderr,
        )
        raise SystemExit(1)
    configure_logging(settings.log_level)
    serve(settings)


def serve(settings: Settings) -> None:
    uvicorn.run(
        create_app(settings, settle_heap=True),
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


def _can_listen(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As uvicorn binds: SO_REUSEADDR, so a port in TIME_WAIT does not count as taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return False
            raise
    return True


if __name__ == "__main__":
    main()
