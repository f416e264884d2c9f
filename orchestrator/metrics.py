"""Prometheus metrics. Each app owns its registry, so several apps in one process (tests) never
collide; store counts by status are read from the database at scrape time."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from orchestrator.models import StoreStatus


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "woo_http_requests_total",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "woo_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.steps = Counter(
            "woo_reconcile_steps_total",
            "Reconciler steps run, by outcome",
            ["step", "outcome"],
            registry=self.registry,
        )
        self.step_seconds = Histogram(
            "woo_reconcile_step_seconds",
            "Duration of successful reconciler steps",
            ["step"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
            registry=self.registry,
        )
        self.failures = Counter(
            "woo_store_failures_total",
            "Stores that ended Failed, by step",
            ["step"],
            registry=self.registry,
        )
        self.provision_seconds = Histogram(
            "woo_store_provision_seconds",
            "Time from request to Ready",
            buckets=(1, 5, 10, 30, 60, 120, 300, 600, 1200),
            registry=self.registry,
        )
        self.db_statements = Counter(
            "woo_db_statements_total",
            "SQL statements sent to the database (idle stores must not add any)",
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "woo_reconcile_in_flight", "Reconciler passes running now", registry=self.registry
        )
        self._status_counts: dict[StoreStatus, int] = {}
        self.registry.register(_StatusCollector(lambda: self._status_counts))

    def count_statement(self, *_: object) -> None:
        """A SQLAlchemy ``before_cursor_execute`` listener."""
        self.db_statements.inc()

    async def render(self, status_counts: Callable[[], Awaitable[dict[StoreStatus, int]]]) -> bytes:
        self._status_counts = await status_counts()
        return generate_latest(self.registry)


class _StatusCollector(Collector):
    def __init__(self, counts: Callable[[], dict[StoreStatus, int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily("woo_stores", "Stores by status", labels=["status"])
        counts = self._counts()
        for status in StoreStatus:
            family.add_metric([status.value], counts.get(status, 0))
        yield family
