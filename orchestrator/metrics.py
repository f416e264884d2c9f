"""Prometheus metrics. Each app owns its registry, so several apps in one process (tests) never
collide; the fleet's gauges (stores by status, the work queue) are read from the database at
scrape time, so every replica reports the same fleet.

Names follow Prometheus conventions: a ``woo_`` prefix, the unit in the name (``_seconds``),
``_total`` on counters, and labels with a small fixed set of values (steps, statuses, routes,
helm verbs), never a store id. docs/observability.md lists them with what each is for.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from orchestrator.models import StoreStatus

# From an instant cluster (a second) to a slow one pulling images on a cold node (20 minutes).
LONG_BUCKETS = (1, 5, 10, 30, 60, 120, 300, 600, 900, 1200, 1800)


@dataclass(frozen=True)
class Fleet:
    """What the database says about the fleet at scrape time."""

    by_status: dict[StoreStatus, int] = field(default_factory=dict)
    # The oldest store still Provisioning: when it was requested.
    oldest_provisioning_since: datetime | None = None
    # Stores due for a reconciler pass that no replica has claimed yet, and the earliest due.
    queue_depth: int = 0
    queue_oldest_due: datetime | None = None
    # Live stores (id -> name) and when each one's last successful backup finished; empty when
    # backups are off.
    backed_up_stores: dict[str, str] = field(default_factory=dict)
    last_backup_success: dict[str, datetime] = field(default_factory=dict)
    # Fleet rollouts still Running or Paused.
    rollouts_in_progress: int = 0


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # --- API ----------------------------------------------------------------------------
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
        # --- reconciler ---------------------------------------------------------------------
        self.steps = Counter(
            "woo_reconcile_steps_total",
            "Reconciler step runs, by outcome: ok, temporary_error (retried) or "
            "permanent_error (the store fails)",
            ["step", "outcome"],
            registry=self.registry,
        )
        self.step_seconds = Histogram(
            "woo_reconcile_step_seconds",
            "Duration of one successful run of a reconciler step",
            ["step"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
            registry=self.registry,
        )
        self.pass_errors = Counter(
            "woo_reconcile_pass_errors_total",
            "Reconciler passes that ended in an unexpected error (a bug; the store is retried)",
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "woo_reconcile_in_flight", "Reconciler passes running now", registry=self.registry
        )
        # --- stores -------------------------------------------------------------------------
        self.store_step_seconds = Histogram(
            "woo_store_step_duration_seconds",
            "Time a store spent in a step, from entering it to its success, retries included",
            ["step"],
            buckets=LONG_BUCKETS,
            registry=self.registry,
        )
        self.failures = Counter(
            "woo_store_failures_total",
            "Stores that ended Failed, by step",
            ["step"],
            registry=self.registry,
        )
        self.upgrades_failed = Counter(
            "woo_store_upgrades_failed_total",
            "Plan or version changes that did not become ready and were rolled back",
            registry=self.registry,
        )
        self.provision_seconds = Histogram(
            "woo_store_provision_seconds",
            "Time from a store's request to Ready",
            buckets=LONG_BUCKETS,
            registry=self.registry,
        )
        # --- backups ------------------------------------------------------------------------
        self.backups = Counter(
            "woo_backups_total",
            "Backups that ended, by kind (scheduled, manual, safety) and outcome "
            "(succeeded, failed)",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.restores = Counter(
            "woo_restores_total",
            "Restores and clone seedings, by kind (restore, clone) and outcome: succeeded, "
            "failed (the restore Job failed) or abandoned (nothing changed)",
            ["kind", "outcome"],
            registry=self.registry,
        )
        # --- the tools we drive -------------------------------------------------------------
        self.db_statements = Counter(
            "woo_db_statements_total",
            "SQL statements sent to the database (idle stores must not add any)",
            registry=self.registry,
        )
        self.kube_requests = Counter(
            "woo_kube_requests_total",
            "Kubernetes API requests, by result: ok, not_found, conflict, unavailable, rejected",
            ["result"],
            registry=self.registry,
        )
        self.kube_request_seconds = Histogram(
            "woo_kube_request_seconds",
            "Kubernetes API request latency",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15),
            registry=self.registry,
        )
        self.helm_commands = Counter(
            "woo_helm_commands_total",
            "helm commands run, by verb and result (ok or the error kind)",
            ["command", "result"],
            registry=self.registry,
        )
        self.helm_command_seconds = Histogram(
            "woo_helm_command_seconds",
            "helm command duration, by verb",
            ["command"],
            buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600),
            registry=self.registry,
        )
        self._fleet = _FleetCollector()
        self.registry.register(self._fleet)

    def count_statement(self, *_: object) -> None:
        """A SQLAlchemy ``before_cursor_execute`` listener."""
        self.db_statements.inc()

    def observe_kube_request(self, seconds: float, result: str) -> None:
        self.kube_request_seconds.observe(seconds)
        self.kube_requests.labels(result=result).inc()

    def observe_helm_command(self, command: str, seconds: float, result: str) -> None:
        self.helm_command_seconds.labels(command=command).observe(seconds)
        self.helm_commands.labels(command=command, result=result).inc()

    def render(self, fleet: Fleet, now: datetime) -> bytes:
        self._fleet.fleet, self._fleet.now = fleet, now
        return generate_latest(self.registry)


class _FleetCollector(Collector):
    def __init__(self) -> None:
        self.fleet = Fleet()
        self.now: datetime | None = None

    def collect(self) -> Iterable[Metric]:
        fleet = self.fleet
        stores = GaugeMetricFamily("woo_stores", "Stores by status", labels=["status"])
        for status in StoreStatus:
            stores.add_metric([status.value], fleet.by_status.get(status, 0))
        yield stores
        yield GaugeMetricFamily(
            "woo_store_oldest_provisioning_seconds",
            "Age of the oldest store still Provisioning (0 when none is)",
            value=self._age(fleet.oldest_provisioning_since),
        )
        yield GaugeMetricFamily(
            "woo_reconcile_queue_depth",
            "Stores due for a reconciler pass that no replica has claimed yet",
            value=fleet.queue_depth,
        )
        yield GaugeMetricFamily(
            "woo_reconcile_queue_wait_seconds",
            "How long the longest-waiting due store has waited for a pass (0 when none waits)",
            value=self._age(fleet.queue_oldest_due),
        )
        yield GaugeMetricFamily(
            "woo_rollouts_in_progress",
            "Fleet rollouts Running or Paused",
            value=fleet.rollouts_in_progress,
        )

        # The one metric labelled by store: which store's backups stopped is the point. A
        # store without a successful backup yet has no sample (WooBackupFailed covers backups
        # that never succeed; the API's `backups.overdue` covers backups that never ran).
        last = GaugeMetricFamily(
            "woo_store_last_backup_success_timestamp_seconds",
            "When the live store's last successful backup finished (Unix time)",
            labels=["store_id", "store_name"],
        )
        for store_id, name in sorted(fleet.backed_up_stores.items()):
            finished = fleet.last_backup_success.get(store_id)
            if finished is not None:
                last.add_metric([store_id, name], finished.timestamp())
        yield last

    def _age(self, since: datetime | None) -> float:
        if since is None or self.now is None:
            return 0.0
        return max((self.now - since).total_seconds(), 0.0)
