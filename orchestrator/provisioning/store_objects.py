"""Every store's objects, as the readiness rules read them, kept current by one watch per kind.

One cluster-wide watch per kind the rules read, never one per store: store namespaces (by the
platform's managed-by label), the chart's StatefulSets, Deployments, Jobs, Pods and claims (by
the chart's name and instance labels, which every object it renders carries, the StatefulSet's
claim templates included), and Warning Events, which carry no labels: the API server filters them
by type and they are kept only when they belong to a store namespace. A change to what is kept
is reported by namespace; the namespace names its store (each store's is unique and recorded).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from orchestrator.backups.jobs import TASK_LABEL, keep_task_job
from orchestrator.config import Settings
from orchestrator.kube.client import Json, KubeClient, Snapshot
from orchestrator.kube.errors import KubeError
from orchestrator.kube.watch import ObjectCache, WatchedKind
from orchestrator.provisioning.readiness import (
    keep_claim,
    keep_job,
    keep_pod,
    keep_warning,
    keep_workload,
)
from orchestrator.provisioning.store_values import MANAGED_BY

log = logging.getLogger(__name__)

KINDS = ("namespaces", "statefulsets", "deployments", "jobs", "pods", "pvcs", "events", "tasks")
# The store chart's name (its app.kubernetes.io/name label).
CHART_NAME = "woocommerce"
# How long start-up waits for the store namespaces to be listed before it watches Events,
# which are kept only for namespaces it knows.
NAMESPACES_FIRST_SECONDS = 10.0
RETRY_SECONDS = 5.0


class StoreObjects:
    def __init__(self, kube: KubeClient, settings: Settings) -> None:
        self._kube = kube
        self._watch_seconds = int(settings.watch_seconds)
        self._chart_selector = (
            f"app.kubernetes.io/name={CHART_NAME},"
            f"app.kubernetes.io/instance={settings.release_name}"
        )
        self._on_change: Callable[[str], None] = lambda namespace: None
        self._on_task_change: Callable[[str], None] = lambda namespace: None
        self._caches: dict[str, ObjectCache] = {}
        self._starting: asyncio.Task[None] | None = None

    def start(
        self,
        on_change: Callable[[str], None],
        on_task_change: Callable[[str], None] | None = None,
    ) -> None:
        """Start watching (in the background: an unreachable API server never holds up the
        start); ``on_change(namespace)`` is called on the event loop for every change to what is
        kept in a store namespace, and ``on_task_change(namespace)`` too for a change to a
        backup or restore Job."""
        self._on_change = on_change
        if on_task_change is not None:
            self._on_task_change = on_task_change
        self._starting = asyncio.create_task(self._start(), name="store-objects-start")

    async def _start(self) -> None:
        namespaces_kind = WatchedKind(
            "/api/v1/namespaces",
            _keep_namespace,
            label_selector=f"app.kubernetes.io/managed-by={MANAGED_BY}",
        )
        while True:
            try:
                namespaces = self._watch("namespaces", namespaces_kind)
                break
            except KubeError as exc:
                # No usable configuration yet (/readyz says so too); readiness reads the API
                # server meanwhile.
                log.warning("cannot watch store objects: %s; trying again", exc)
                await asyncio.sleep(RETRY_SECONDS)
        if not await namespaces.wait_synced(NAMESPACES_FIRST_SECONDS):
            log.warning("store namespaces not listed yet; watching the rest anyway")
        chart = self._chart_selector
        for name, kind in {
            "statefulsets": WatchedKind("/apis/apps/v1/statefulsets", keep_workload, chart),
            "deployments": WatchedKind("/apis/apps/v1/deployments", keep_workload, chart),
            "jobs": WatchedKind("/apis/batch/v1/jobs", keep_job, chart),
            "pods": WatchedKind("/api/v1/pods", keep_pod, chart),
            "pvcs": WatchedKind("/api/v1/persistentvolumeclaims", keep_claim, chart),
            "events": WatchedKind(
                "/api/v1/events", self._keep_store_warning, field_selector="type=Warning"
            ),
        }.items():
            self._watch(name, kind)
        # Backup and restore Jobs (scheduled ones come from the chart's CronJob): the chart's
        # labels are not promised on them, the task label is.
        self._watch(
            "tasks",
            WatchedKind("/apis/batch/v1/jobs", keep_task_job, label_selector=TASK_LABEL),
            self._task_changed,
        )

    async def wait_synced(self) -> None:
        """Until every kind has been listed once."""
        if self._starting is not None:
            await asyncio.wait([self._starting])
        for cache in list(self._caches.values()):
            await cache.wait_synced(None)

    async def stop(self) -> None:
        if self._starting is not None:
            self._starting.cancel()
            await asyncio.gather(self._starting, return_exceptions=True)
        caches, self._caches = list(self._caches.values()), {}
        await asyncio.gather(*(asyncio.to_thread(cache.stop) for cache in caches))

    @property
    def synced(self) -> bool:
        """Whether every kind has been listed once (before that, read the API server)."""
        return len(self._caches) == len(KINDS) and all(
            cache.synced for cache in self._caches.values()
        )

    def snapshot(self, namespace: str) -> Snapshot:
        def kept(name: str) -> list[Json]:
            return self._caches[name].in_namespace(namespace)

        return Snapshot(
            statefulsets=kept("statefulsets"),
            deployments=kept("deployments"),
            jobs=kept("jobs"),
            pods=kept("pods"),
            pvcs=kept("pvcs"),
            events=kept("events"),
        )

    def task_jobs(self, namespace: str) -> list[Json]:
        """The backup and restore Jobs of a namespace, as kept (empty before the first list)."""
        cache = self._caches.get("tasks")
        return cache.in_namespace(namespace) if cache is not None else []

    def task_namespaces(self) -> list[str]:
        cache = self._caches.get("tasks")
        return cache.namespaces() if cache is not None else []

    def _task_changed(self, namespace: str) -> None:
        self._on_change(namespace)
        self._on_task_change(namespace)

    def _watch(
        self, name: str, kind: WatchedKind, on_change: Callable[[str], None] | None = None
    ) -> ObjectCache:
        cache = self._kube.watch(
            kind,
            on_change or (lambda namespace: self._on_change(namespace)),
            watch_seconds=self._watch_seconds,
        )
        self._caches[name] = cache
        cache.start()
        return cache

    def _keep_store_warning(self, event: Json) -> Json | None:
        # Runs on the watching thread; reading the namespaces cache from there is safe (a dict
        # lookup), and a namespace is always known long before its first Event.
        namespace = (event.get("metadata") or {}).get("namespace") or ""
        if not self._caches["namespaces"].has("", namespace):
            return None
        return keep_warning(event)


def _keep_namespace(obj: Json) -> Json:
    # Kept to know the store namespaces (Events are filtered by them); a namespace that starts
    # terminating is a change its deleting store is woken for.
    return {"terminating": bool((obj.get("metadata") or {}).get("deletionTimestamp"))}
