"""``python -m orchestrator``: serve the API, the reconciler and the built dashboard."""

from __future__ import annotations

import errno
import socket
import sys

import uvicorn

from orchestrator.app import create_app
from orchestrator.config import SettingsError, load_settings
from orchestrator.logs import configure_logging
from orchestrator.provisioning.chart_files import chart_file_problems


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"woo-platform: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
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
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        proxy_headers=True,
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
