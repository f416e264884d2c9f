"""Tracing over a whole store lifecycle (the real app, reconciler, helm and store chart against
the stand-in), recorded with the SDK's in-memory exporter: one trace per reconciler pass, a span
per step with the store id on it, helm, Kubernetes and database calls inside them; API requests
continue the caller's trace; log lines carry the trace id; OTLP export to a real HTTP endpoint;
nothing at all when tracing is off."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NoOpTracer, SpanKind

from harness.app import running_app
from harness.ports import free_port
from kube_standin import KubeStandin
from orchestrator import tracing
from orchestrator.config import Settings
from orchestrator.logs import StoreAndTrace, current_store
from tests.orchestrator.conftest import SettingsFor, standin_settings
from tests.orchestrator.lifecycle_support import wait_for_status

DEMO = {"store_name": "demo", "domain": "demo.localhost", "environment": "local"}
CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"


@pytest.fixture
def settings_for(tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path) -> SettingsFor:
    """As the shared fixture, on an SQLite file: the traces are the same on either database."""

    def build(**overrides: Any) -> Settings:
        database = f"sqlite:///{tmp_path / 'woo.sqlite3'}"
        return standin_settings(database, tmp_path, kube_standin, helm_bin, **overrides)

    return build


@pytest.fixture(scope="module")
def lifecycle_spans(
    tmp_path_factory: pytest.TempPathFactory, helm_bin: Path
) -> Iterator[tuple[str, list[ReadableSpan]]]:
    """(the store's id, every span of its lifecycle): created, Ready, deleted. Run once for the
    module: a lifecycle takes seconds, and the tests only read its spans."""
    tmp_path = tmp_path_factory.mktemp("traced")
    exporter = InMemorySpanExporter()
    provider = tracing.new_provider(SimpleSpanProcessor(exporter))

    async def lifecycle(standin: KubeStandin) -> str:
        database = f"sqlite:///{tmp_path / 'woo.sqlite3'}"
        settings = standin_settings(database, tmp_path, standin, helm_bin)
        async with running_app(settings, tracer_provider=provider) as api:
            created = await api.client.post(
                "/stores",
                json=DEMO,
                headers={"traceparent": f"00-{CALLER_TRACE}-b7ad6b7169203331-01"},
            )
            store_id: str = created.json()["id"]
            await wait_for_status(api.client, store_id, "Ready")
            await api.client.delete(f"/stores/{store_id}")
            await wait_for_status(api.client, store_id, "Deleted")
        return store_id

    with KubeStandin() as standin:
        store_id = asyncio.run(lifecycle(standin))
    assert not standin.controller_errors
    yield store_id, list(exporter.get_finished_spans())
    provider.shutdown()


def by_trace(spans: list[ReadableSpan]) -> dict[int, list[ReadableSpan]]:
    traces: dict[int, list[ReadableSpan]] = defaultdict(list)
    for span in spans:
        assert span.context is not None
        traces[span.context.trace_id].append(span)
    return traces


def passes(spans: list[ReadableSpan]) -> list[ReadableSpan]:
    return [span for span in spans if span.name == "reconcile"]


def test_each_reconcile_pass_is_a_trace_of_its_own(
    lifecycle_spans: tuple[str, list[ReadableSpan]],
) -> None:
    _, spans = lifecycle_spans
    reconciles = passes(spans)
    assert len(reconciles) >= 3  # at least: install, readiness, deletion
    assert all(span.parent is None for span in reconciles)
    traces = by_trace(spans)
    for span in reconciles:
        assert span.context is not None
        trace = traces[span.context.trace_id]
        assert [s.name for s in trace].count("reconcile") == 1


def test_every_step_has_a_span_with_the_store_id_under_its_pass(
    lifecycle_spans: tuple[str, list[ReadableSpan]],
) -> None:
    store_id, spans = lifecycle_spans
    traces = by_trace(spans)
    steps = [span for span in spans if span.name.startswith("step ")]
    assert {span.name for span in steps} == {
        "step namespace",
        "step secrets",
        "step release",
        "step readiness",
        "step uninstall",
        "step namespace-delete",
    }
    for span in steps:
        assert span.attributes is not None and span.attributes["woo.store_id"] == store_id
        assert span.context is not None and span.parent is not None
        pass_span = next(s for s in traces[span.context.trace_id] if s.name == "reconcile")
        assert pass_span.context is not None
        assert span.parent.span_id == pass_span.context.span_id
        assert pass_span.attributes is not None
        assert pass_span.attributes["woo.store_id"] == store_id


def test_helm_kubernetes_and_database_calls_sit_inside_their_step(
    lifecycle_spans: tuple[str, list[ReadableSpan]],
) -> None:
    store_id, spans = lifecycle_spans
    by_id = {span.context.span_id: span for span in spans if span.context is not None}

    def ancestor(span: ReadableSpan, prefix: str) -> str | None:
        """The name of the nearest enclosing span whose name starts with ``prefix``."""
        parent = span.parent
        while parent is not None:
            above = by_id.get(parent.span_id)
            if above is None:  # a caller's span, from outside the process
                return None
            if above.name.startswith(prefix):
                return above.name
            parent = above.parent
        return None

    def step_of(span: ReadableSpan) -> str | None:
        return ancestor(span, "step ")

    upgrade = next(span for span in spans if span.name == "helm upgrade")
    assert step_of(upgrade) == "step release"
    assert upgrade.kind == SpanKind.CLIENT
    assert upgrade.attributes is not None and upgrade.attributes["woo.store_id"] == store_id
    assert upgrade.attributes["woo.helm.result"] == "ok"
    uninstall = next(span for span in spans if span.name == "helm uninstall")
    assert step_of(uninstall) == "step uninstall"

    creating = next(
        span
        for span in spans
        if span.name == "kubernetes creating"
        and "namespace" in str((span.attributes or {}).get("woo.kube.action"))
    )
    assert step_of(creating) == "step namespace"
    assert creating.attributes is not None and creating.attributes["woo.store_id"] == store_id

    # A pass commits what each step decided (and claims work) in its own statements.
    pass_writes = [
        span
        for span in spans
        if span.name in ("db UPDATE", "db INSERT") and ancestor(span, "reconcile")
    ]
    assert pass_writes, "the reconciler's writes are not traced"
    for span in pass_writes:
        assert span.attributes is not None
        assert span.attributes["db.system"] == "sqlite"
        assert span.attributes["woo.store_id"] == store_id
        # Statements with placeholders, never values.
        assert "?" in str(span.attributes["db.statement"])


def test_api_requests_continue_the_callers_trace(
    lifecycle_spans: tuple[str, list[ReadableSpan]],
) -> None:
    _, spans = lifecycle_spans
    post = next(span for span in spans if span.name == "POST /stores")
    assert post.kind == SpanKind.SERVER
    assert post.context is not None and format(post.context.trace_id, "032x") == CALLER_TRACE
    assert post.attributes is not None
    assert post.attributes["http.response.status_code"] == 202
    assert post.attributes["http.route"] == "/stores"
    inserts = [span for span in by_trace(spans)[post.context.trace_id] if span.name == "db INSERT"]
    assert inserts, "the request's database statements are not in its trace"
    polls = [span for span in spans if span.name == "GET /stores/{store_id}"]
    assert polls and all(span.parent is None for span in polls)


def test_log_lines_carry_the_trace_and_store_they_were_written_in() -> None:
    exporter = InMemorySpanExporter()
    provider = tracing.new_provider(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "hello", None, None)
    StoreAndTrace().filter(record)
    assert (record.__dict__["store"], record.__dict__["trace"]) == ("-", "-")
    token = current_store.set("store-1")
    try:
        with tracer.start_as_current_span("work") as span:
            StoreAndTrace().filter(record)
            assert record.__dict__["trace"] == format(span.get_span_context().trace_id, "032x")
            assert record.__dict__["store"] == "store-1"
    finally:
        current_store.reset(token)
    (finished,) = exporter.get_finished_spans()
    assert finished.attributes is not None and finished.attributes["woo.store_id"] == "store-1"
    provider.shutdown()


class _Collector(BaseHTTPRequestHandler):
    received: list[ExportTraceServiceRequest]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.received.append(request)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


async def test_spans_are_exported_over_otlp_when_configured(settings_for: Any) -> None:
    received: list[ExportTraceServiceRequest] = []
    handler = type("Collector", (_Collector,), {"received": received})
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        settings = settings_for(otlp_endpoint=f"http://127.0.0.1:{port}/v1/traces")
        async with running_app(settings) as api:
            created = (await api.client.post("/stores", json=DEMO)).json()
            await wait_for_status(api.client, created["id"], "Ready")
        # Leaving the app shut its provider down, which flushes the batch.
    finally:
        server.shutdown()
        server.server_close()
    spans = [
        span
        for request in received
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    names = {span.name for span in spans}
    assert {"reconcile", "step release", "helm upgrade", "POST /stores"} <= names
    services = {
        attribute.value.string_value
        for request in received
        for resource in request.resource_spans
        for attribute in resource.resource.attributes
        if attribute.key == "service.name"
    }
    assert services == {"woo-platform"}


async def test_tracing_off_adds_nothing(settings_for: Any) -> None:
    async with running_app(settings_for()) as api:
        assert isinstance(api.app.state.reconciler.tracer, NoOpTracer)
        middleware: list[object] = [entry.cls for entry in api.app.user_middleware]
        assert tracing.RequestTracing not in middleware


def test_otlp_endpoint_must_be_http(settings_for: Any) -> None:
    with pytest.raises(ValueError, match="OTLP over HTTP"):
        settings_for(otlp_endpoint="grpc://collector:4317")
    assert settings_for(otlp_endpoint="").otlp_endpoint is None
