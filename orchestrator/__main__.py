"""``python -m orchestrator``: serve the API, the reconciler and the built dashboard."""

from __future__ import annotations

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
    configure_logging(settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
