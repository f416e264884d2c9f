"""Logging: one line per record, with the store a reconciler pass is working on, so the log of
one store can be followed with a grep for its id, and the trace the line was written in (``-``
when tracing is off), so a line leads to its trace and back."""

from __future__ import annotations

import logging
from contextvars import ContextVar

from opentelemetry import trace

# Set for the duration of a reconciler pass; asyncio copies it into every task the pass starts.
current_store: ContextVar[str] = ContextVar("current_store", default="-")


class StoreAndTrace(logging.Filter):
    """Adds ``store`` and ``trace`` to every record, for the format below."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.store = current_store.get()
        span = trace.get_current_span().get_span_context()
        record.trace = format(span.trace_id, "032x") if span.is_valid else "-"
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(StoreAndTrace())
    handler.setFormatter(
        logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s store=%(store)s trace=%(trace)s: %(message)s"
        )
    )
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
