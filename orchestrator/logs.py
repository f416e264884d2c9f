"""Logging: one line per record, with the store a reconciler pass is working on, so the log of
one store can be followed with a grep for its id."""

from __future__ import annotations

import logging
from contextvars import ContextVar

# Set for the duration of a reconciler pass; asyncio copies it into every task the pass starts.
current_store: ContextVar[str] = ContextVar("current_store", default="-")


class _StoreContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.store = current_store.get()
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(_StoreContext())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s store=%(store)s: %(message)s")
    )
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
