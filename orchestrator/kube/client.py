"""A small async facade over the official client: only the calls the reconciler makes.

The official client is synchronous; each call runs in a worker thread with a request timeout,
so a slow API server never blocks the event loop. Objects come back as the API server's own JSON
(camelCase dicts), which is what the readiness rules read.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config

# The client loads its API modules lazily, and the first use costs about a second of CPU with
# the GIL held. Import them with this module (at start-up), never on a request's path.
from kubernetes.client import AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, VersionApi
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from orchestrator.kube.errors import (
    KubeConflict,
    KubeError,
    KubeNotFound,
    KubeUnavailable,
    from_status,
)
from orchestrator.kube.watch import ObjectCache, WatchedKind

T = TypeVar("T")
Json = dict[str, Any]
# Told of every API request: its duration in seconds and its result ("ok", or the error's).
RequestObserver = Callable[[float, str], None]


@dataclass
class Snapshot:
    """Everything readiness needs to know about one store's namespace, read in one go."""

    statefulsets: list[Json] = field(default_factory=list)
    deployments: list[Json] = field(default_factory=list)
    jobs: list[Json] = field(default_factory=list)
    pods: list[Json] = field(default_factory=list)
    pvcs: list[Json] = field(default_factory=list)
    events: list[Json] = field(default_factory=list)


class KubeClient:
    def __init__(
        self,
        *,
        kubeconfig: Path | None,
        context: str | None,
        request_timeout: float,
        on_request: RequestObserver | None = None,
        tracer: Tracer | None = None,
    ) -> None:
        self._kubeconfig = kubeconfig
        self._on_request = on_request
        self._tracer = tracer or trace.NoOpTracer()
        self._context = context
        self._timeout = request_timeout
        self._api: k8s.ApiClient | None = None
        # Few threads on purpose: each call holds the GIL while the client builds and decodes
        # it, and many threads would starve the event loop that answers the API.
        self._executor = ThreadPoolExecutor(max_workers=3, thread_name_prefix="kube")

    # --- namespaces -----------------------------------------------------------------------
    async def get_namespace(self, name: str) -> Json | None:
        return await self._get(
            lambda api, t: CoreV1Api(api).read_namespace(
                name, _preload_content=False, _request_timeout=t
            ),
            f"reading namespace {name}",
        )

    async def create_namespace(self, name: str, labels: dict[str, str]) -> Json:
        body = k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=name, labels=labels))
        return await self._call(
            lambda api, t: CoreV1Api(api).create_namespace(
                body, _preload_content=False, _request_timeout=t
            ),
            f"creating namespace {name}",
        )

    async def delete_namespace(self, name: str) -> bool:
        """Start deleting the namespace; False when it is already gone."""
        try:
            await self._call(
                lambda api, t: CoreV1Api(api).delete_namespace(
                    name,
                    body=k8s.V1DeleteOptions(propagation_policy="Background"),
                    _preload_content=False,
                    _request_timeout=t,
                ),
                f"deleting namespace {name}",
            )
        except KubeNotFound:
            return False
        return True

    # --- secrets --------------------------------------------------------------------------
    async def create_secret(
        self, namespace: str, name: str, string_data: dict[str, str], labels: dict[str, str]
    ) -> bool:
        """Create the Secret unless it exists; True when this call created it.

        Existence is learnt from the create itself (409 AlreadyExists), so the orchestrator
        never reads a Secret back and never holds values it did not just generate.
        """
        body = k8s.V1Secret(
            type="Opaque",
            string_data=string_data,
            metadata=k8s.V1ObjectMeta(name=name, namespace=namespace, labels=labels),
        )
        try:
            await self._call(
                lambda api, t: CoreV1Api(api).create_namespaced_secret(
                    namespace, body, _preload_content=False, _request_timeout=t
                ),
                f"creating Secret {namespace}/{name}",
                quote_message=False,
            )
        except KubeConflict:
            return False
        return True

    # --- custom resources -----------------------------------------------------------------
    async def create_custom_object(self, body: Json) -> bool:
        """Create a namespaced custom resource (``apiVersion``, ``kind`` and ``metadata`` say
        which) unless it exists; True when this call created it."""
        group, version = str(body["apiVersion"]).split("/", 1)
        plural = _plural(str(body["kind"]))
        meta = body["metadata"]
        try:
            await self._call(
                lambda api, t: CustomObjectsApi(api).create_namespaced_custom_object(
                    group,
                    version,
                    meta["namespace"],
                    plural,
                    body,
                    _preload_content=False,
                    _request_timeout=t,
                ),
                f"creating {body['kind']} {meta['namespace']}/{meta['name']}",
            )
        except KubeConflict:
            return False
        return True

    async def get_custom_object(
        self, api_version: str, kind: str, namespace: str, name: str
    ) -> Json | None:
        group, version = api_version.split("/", 1)
        return await self._get(
            lambda api, t: CustomObjectsApi(api).get_namespaced_custom_object(
                group,
                version,
                namespace,
                _plural(kind),
                name,
                _preload_content=False,
                _request_timeout=t,
            ),
            f"reading {kind} {namespace}/{name}",
        )

    # --- workloads ------------------------------------------------------------------------
    async def workloads(self, namespace: str, selector: str) -> Snapshot:
        """The store's StatefulSets, Deployments and Jobs: enough to tell whether it is ready."""
        apps, batch = AppsV1Api, BatchV1Api
        statefulsets, deployments, jobs = await asyncio.gather(
            self._items(
                lambda a, t: apps(a).list_namespaced_stateful_set(
                    namespace, label_selector=selector, _request_timeout=t, _preload_content=False
                ),
                f"listing StatefulSets in {namespace}",
            ),
            self._items(
                lambda a, t: apps(a).list_namespaced_deployment(
                    namespace, label_selector=selector, _request_timeout=t, _preload_content=False
                ),
                f"listing Deployments in {namespace}",
            ),
            self._items(
                lambda a, t: batch(a).list_namespaced_job(
                    namespace, label_selector=selector, _request_timeout=t, _preload_content=False
                ),
                f"listing Jobs in {namespace}",
            ),
        )
        return Snapshot(statefulsets=statefulsets, deployments=deployments, jobs=jobs)

    async def add_diagnostics(self, snapshot: Snapshot, namespace: str, selector: str) -> None:
        """Pods, claims and events: what tells why a store that is not ready is stuck."""
        core = CoreV1Api
        snapshot.pods, snapshot.pvcs, snapshot.events = await asyncio.gather(
            self._items(
                lambda a, t: core(a).list_namespaced_pod(
                    namespace, label_selector=selector, _request_timeout=t, _preload_content=False
                ),
                f"listing Pods in {namespace}",
            ),
            self._items(
                lambda a, t: core(a).list_namespaced_persistent_volume_claim(
                    namespace, _request_timeout=t, _preload_content=False
                ),
                f"listing PersistentVolumeClaims in {namespace}",
            ),
            self._items(
                lambda a, t: core(a).list_namespaced_event(
                    namespace, _request_timeout=t, _preload_content=False
                ),
                f"listing Events in {namespace}",
            ),
        )

    # --- watches --------------------------------------------------------------------------
    def watch(
        self, kind: WatchedKind, on_change: Callable[[str], None], *, watch_seconds: int = 300
    ) -> ObjectCache:
        """A cache of ``kind`` fed by a watch of its own (its own connection, so a long-lived
        stream never holds one the calls above need); call ``start()`` on the event loop."""
        return ObjectCache(kind, self._new_api_client(), on_change, watch_seconds=watch_seconds)

    # --- day-2 diagnostics and checks -------------------------------------------------------
    async def claims(self, namespace: str) -> list[Json]:
        """The namespace's PersistentVolumeClaims."""
        return await self._items(
            lambda a, t: CoreV1Api(a).list_namespaced_persistent_volume_claim(
                namespace, _request_timeout=t, _preload_content=False
            ),
            f"listing PersistentVolumeClaims in {namespace}",
        )

    async def pods(self, namespace: str, selector: str) -> list[Json]:
        return await self._items(
            lambda a, t: CoreV1Api(a).list_namespaced_pod(
                namespace, label_selector=selector, _request_timeout=t, _preload_content=False
            ),
            f"listing Pods in {namespace}",
        )

    async def warning_events(self, namespace: str, limit: int) -> list[Json]:
        """Up to ``limit`` Warning events of the namespace (the API server's order)."""
        return await self._items(
            lambda a, t: CoreV1Api(a).list_namespaced_event(
                namespace,
                field_selector="type=Warning",
                limit=limit,
                _request_timeout=t,
                _preload_content=False,
            ),
            f"listing Events in {namespace}",
        )

    async def pod_log(
        self,
        namespace: str,
        pod: str,
        container: str,
        *,
        tail_lines: int,
        limit_bytes: int,
        previous: bool = False,
    ) -> str:
        """The last ``tail_lines`` lines of a container's log, at most ``limit_bytes`` of it
        (both bounds applied by the API server); ``previous``: of the instance before the last
        restart."""
        document = await self._call(
            lambda api, t: CoreV1Api(api).read_namespaced_pod_log(
                pod,
                namespace,
                container=container,
                tail_lines=tail_lines,
                limit_bytes=limit_bytes,
                previous=previous,
                _preload_content=False,
                _request_timeout=t,
            ),
            f"reading the log of {namespace}/{pod} container {container}",
            text=True,
        )
        return str(document["text"])

    async def secret_exists(self, namespace: str, name: str) -> bool:
        """Whether a Secret exists, learnt from a dry-run create (409: it exists), so no value
        is ever read back."""
        body = k8s.V1Secret(type="Opaque", metadata=k8s.V1ObjectMeta(name=name))
        try:
            await self._call(
                lambda api, t: CoreV1Api(api).create_namespaced_secret(
                    namespace, body, dry_run="All", _preload_content=False, _request_timeout=t
                ),
                f"checking Secret {namespace}/{name}",
                quote_message=False,
            )
        except KubeConflict:
            return True
        return False

    async def server_version(self) -> str:
        version = await self._call(
            lambda api, t: VersionApi(api).get_code(_preload_content=False, _request_timeout=t),
            "reading the server version",
        )
        return str(version.get("gitVersion", "unknown"))

    async def read_secret(self, namespace: str, name: str) -> Json | None:
        """A Secret, or None when it does not exist. Only the audited credentials endpoint
        reads Secrets back; errors never quote the server's message (it may echo values)."""
        try:
            return await self._call(
                lambda api, t: CoreV1Api(api).read_namespaced_secret(
                    name, namespace, _preload_content=False, _request_timeout=t
                ),
                f"reading Secret {namespace}/{name}",
                quote_message=False,
            )
        except KubeNotFound:
            return None

    # --- plumbing -------------------------------------------------------------------------
    async def _items(self, call: Callable[[k8s.ApiClient, float], Any], action: str) -> list[Json]:
        items = (await self._call(call, action)).get("items") or []
        return list(items)

    async def _get(self, call: Callable[[k8s.ApiClient, float], Any], action: str) -> Json | None:
        try:
            return await self._call(call, action)
        except KubeNotFound:
            return None

    async def _call(
        self,
        call: Callable[[k8s.ApiClient, float], Any],
        action: str,
        *,
        quote_message: bool = True,
        text: bool = False,
    ) -> Json:
        """One API request in a worker thread; its JSON answer (``text``: the answer as text,
        under the key "text", for the log subresource)."""
        api = self._client()

        def request() -> Any:
            # Decoding happens here too, off the event loop.
            response = call(api, self._timeout)
            if text:
                return {"text": (response.data or b"").decode("utf-8", errors="replace")}
            return json.loads(response.data) if response.data else {}

        loop = asyncio.get_running_loop()
        started = loop.time()
        # Stays None for a call cancelled on our side: it tells nothing about the API server.
        result: str | None = None
        # Named by verb ("kubernetes reading"); the object is an attribute, not part of the name.
        with self._tracer.start_as_current_span(
            f"kubernetes {action.split(' ', 1)[0]}",
            kind=SpanKind.CLIENT,
            attributes={"woo.kube.action": action},
            # Not found and conflict are answers, not failures: the status is set below.
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                document = await loop.run_in_executor(self._executor, request)
                if not isinstance(document, dict):
                    raise KubeError(f"{action}: unexpected answer from the API server")
                result = "ok"
                return document
            except ApiException as exc:
                error = from_status(exc.status or 0, exc.body, action, quote_message=quote_message)
                result = error.result
                raise error from exc
            except (urllib3.exceptions.HTTPError, OSError) as exc:
                result = KubeUnavailable.result
                raise KubeUnavailable(
                    f"{action}: Kubernetes API unreachable ({type(exc).__name__})"
                ) from exc
            except KubeError as exc:
                result = exc.result
                raise
            finally:
                if result is not None:
                    span.set_attribute("woo.kube.result", result)
                    if result not in ("ok", "not_found", "conflict"):
                        span.set_status(Status(StatusCode.ERROR, result))
                    if self._on_request is not None:
                        self._on_request(loop.time() - started, result)

    def _client(self) -> k8s.ApiClient:
        if self._api is None:
            self._api = self._new_api_client()
        return self._api

    def _new_api_client(self) -> k8s.ApiClient:
        configuration = k8s.Configuration()
        try:
            if self._kubeconfig is None and _in_cluster():
                k8s_config.load_incluster_config(  # type: ignore[no-untyped-call]
                    client_configuration=configuration
                )
            else:
                k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
                    config_file=str(self._kubeconfig) if self._kubeconfig else None,
                    context=self._context,
                    client_configuration=configuration,
                )
        except (ConfigException, OSError) as exc:
            raise KubeUnavailable(f"no usable Kubernetes configuration: {exc}") from exc
        # We retry on our own schedule (the reconciler's backoff), not urllib3's.
        configuration.retries = False
        return k8s.ApiClient(configuration)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._api is not None:
            self._api.close()  # type: ignore[no-untyped-call]
            self._api = None


def _in_cluster() -> bool:
    return Path("/var/run/secrets/kubernetes.io/serviceaccount/token").is_file()


def _plural(kind: str) -> str:
    # The custom kinds we create are regular English nouns (ExternalSecret -> externalsecrets).
    return kind.lower() + "s"
