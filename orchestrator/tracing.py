"""OpenTelemetry tracing: spans for API requests, database statements, reconciler passes and
steps, and every helm and Kubernetes call, exported over OTLP/HTTP when ``WOO_OTLP_ENDPOINT`` is
set.

Off by default, and then free: the app hands the no-op tracer to everything it builds, adds no
middleware and no database hooks. A provider is passed in, never installed globally, so several
apps in one process (tests) each trace to their own exporter. Every span started while a
reconciler pass works on a store carries that store's id (``woo.store_id``), and log lines
carry the trace id, so a trace and the store's log lines find each other.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.propagate import extract
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from sqlalchemy import event
from sqlalchemy.engine import Connection, ExecutionContext
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchestrator.config import Settings
from orchestrator.logs import current_store

SERVICE_NAME = "woo-platform"
STORE_ID = "woo.store_id"


def provider_from_settings(settings: Settings) -> TracerProvider | None:
    """A provider exporting over OTLP/HTTP when an endpoint is configured; None (off) otherwise."""
    if settings.otlp_endpoint is None:
        return None
    return new_provider(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint)),
        sample_ratio=settings.trace_sample_ratio,
    )


def new_provider(*processors: SpanProcessor, sample_ratio: float = 1.0) -> TracerProvider:
    """A provider that tags every span with the store in hand, then hands spans to
    ``processors``. A trace is kept or dropped as a whole: children follow their root."""
    provider = TracerProvider(
        resource=Resource.create({"service.name": SERVICE_NAME}),
        sampler=ParentBased(TraceIdRatioBased(sample_ratio)),
    )
    provider.add_span_processor(_StoreOnEverySpan())
    for processor in processors:
        provider.add_span_processor(processor)
    return provider


class _StoreOnEverySpan(SpanProcessor):
    """The store a reconciler pass works on (the logging context) goes on each span it starts:
    helm, Kubernetes and database spans included, which know nothing of stores."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        store = current_store.get()
        if store != "-" and STORE_ID not in (span.attributes or {}):
            span.set_attribute(STORE_ID, store)


# --- database -------------------------------------------------------------------------------
def trace_database(engine: AsyncEngine, tracer: Tracer) -> None:
    """A span per SQL statement (the statement with its placeholders, never the values)."""
    sync_engine = engine.sync_engine
    system = sync_engine.dialect.name

    @event.listens_for(sync_engine, "before_cursor_execute")
    def start(
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        if context is None:
            return
        operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
        span = tracer.start_span(
            f"db {operation}",
            kind=SpanKind.CLIENT,
            attributes={"db.system": system, "db.statement": statement},
        )
        context._woo_span = span  # type: ignore[attr-defined]

    @event.listens_for(sync_engine, "after_cursor_execute")
    def end(
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: ExecutionContext | None,
        executemany: bool,
    ) -> None:
        span = getattr(context, "_woo_span", None)
        if span is not None:
            span.end()

    @event.listens_for(sync_engine, "handle_error")
    def failed(exception_context: Any) -> None:
        span = getattr(exception_context.execution_context, "_woo_span", None)
        if span is not None:
            error = exception_context.original_exception
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            span.end()


# --- API requests ---------------------------------------------------------------------------
class RequestTracing:
    """A server span per HTTP request, continuing the caller's trace (W3C ``traceparent``) and
    named by route template, so its cardinality stays that of the API's routes."""

    def __init__(self, app: ASGIApp, tracer: Tracer) -> None:
        self.app = app
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]
        }
        method = scope["method"]
        with self.tracer.start_as_current_span(
            f"HTTP {method}", context=extract(headers), kind=SpanKind.SERVER
        ) as span:

            async def send_and_note_status(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            try:
                await self.app(scope, receive, send_and_note_status)
            finally:
                route = getattr(scope.get("route"), "path", None)
                span.set_attribute("http.request.method", method)
                if route is not None:
                    span.set_attribute("http.route", route)
                    span.update_name(f"{method} {route}")


def tracer_of(provider: TracerProvider | None) -> Tracer:
    """The tracer the app hands out: the no-op tracer when tracing is off."""
    if provider is None:
        return trace.NoOpTracer()
    return provider.get_tracer("orchestrator")
