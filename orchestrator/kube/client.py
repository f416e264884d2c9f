"""A small async facade over the official client: only the calls the reconciler makes.

The official client is synchronous; each call runs in a worker thread with a request timeout,
so a slow API server never blocks the event loop. Objects come back as the API server's own JSON
(camelCase dicts), which is what the readiness rules read.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import urllib3
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from orchestrator.kube.errors import (
    KubeConflict,
    KubeError,
    KubeNotFound,
    KubeUnavailable,
    from_status,
)

T = TypeVar("T")
Json = dict[str, Any]


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
    def __init__(self, *, kubeconfig: Path | None, context: str | None,
                 request_timeout: float) -> None:
        self._kubeconfig = kubeconfig
        self._context = context
        self._timeout = request_timeout
        self._api: k8s.ApiClient | None = None

    # --- namespaces -----------------------------------------------------------------------
    async def get_namespace(self, name: str) -> Json | None:
        return await self._get(lambda api, t: k8s.CoreV1Api(api).read_namespace(
            name, _preload_content=False, _request_timeout=t), f"reading namespace {name}")

    async def create_namespace(self, name: str, labels: dict[str, str]) -> Json:
        body = k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=name, labels=labels))
        return await self._call(lambda api, t: k8s.CoreV1Api(api).create_namespace(
            body, _preload_content=False, _request_timeout=t), f"creating namespace {name}")

    async def delete_namespace(self, name: str) -> bool:
        """Start deleting the namespace; False when it is already gone."""
        try:
            await self._call(lambda api, t: k8s.CoreV1Api(api).delete_namespace(
                name, body=k8s.V1DeleteOptions(propagation_policy="Background"),
                _preload_content=False, _request_timeout=t), f"deleting namespace {name}")
        except KubeNotFound:
            return False
        return True

    # --- secrets --------------------------------------------------------------------------
    async def create_secret(self, namespace: str, name: str, string_data: dict[str, str],
                            labels: dict[str, str]) -> bool:
        """Create the Secret unless it exists; True when this call created it.

        Existence is learnt from the create itself (409 AlreadyExists), so the orchestrator
        never reads a Secret back and never holds values it did not just generate.
        """
        body = k8s.V1Secret(
            type="Opaque", string_data=string_data,
            metadata=k8s.V1ObjectMeta(name=name, namespace=namespace, labels=labels))
        try:
            await self._call(lambda api, t: k8s.CoreV1Api(api).create_namespaced_secret(
                namespace, body, _preload_content=False, _request_timeout=t),
                f"creating Secret {namespace}/{name}", quote_message=False)
        except KubeConflict:
            return False
        return True

    # --- workloads ------------------------------------------------------------------------
    async def snapshot(self, namespace: str, selector: str) -> Snapshot:
        """The store's workloads, pods, claims and recent events."""
        def items(call: Callable[[k8s.ApiClient, float], Any], what: str) -> Any:
            return self._call(call, f"listing {what} in {namespace}")

        core, apps, batch = k8s.CoreV1Api, k8s.AppsV1Api, k8s.BatchV1Api
        results = await asyncio.gather(
            items(lambda a, t: apps(a).list_namespaced_stateful_set(
                namespace, label_selector=selector, _request_timeout=t,
                _preload_content=False), "StatefulSets"),
            items(lambda a, t: apps(a).list_namespaced_deployment(
                namespace, label_selector=selector, _request_timeout=t,
                _preload_content=False), "Deployments"),
            items(lambda a, t: batch(a).list_namespaced_job(
                namespace, label_selector=selector, _request_timeout=t,
                _preload_content=False), "Jobs"),
            items(lambda a, t: core(a).list_namespaced_pod(
                namespace, label_selector=selector, _request_timeout=t,
                _preload_content=False), "Pods"),
            items(lambda a, t: core(a).list_namespaced_persistent_volume_claim(
                namespace, _request_timeout=t, _preload_content=False), "PersistentVolumeClaims"),
            items(lambda a, t: core(a).list_namespaced_event(
                namespace, _request_timeout=t, _preload_content=False), "Events"),
        )
        lists = [result.get("items") or [] for result in results]
        return Snapshot(*lists)

    async def server_version(self) -> str:
        version = await self._call(lambda api, t: k8s.VersionApi(api).get_code(
            _preload_content=False, _request_timeout=t), "reading the server version")
        return str(version.get("gitVersion", "unknown"))

    # --- plumbing -------------------------------------------------------------------------
    async def _get(self, call: Callable[[k8s.ApiClient, float], Any], action: str) -> Json | None:
        try:
            return await self._call(call, action)
        except KubeNotFound:
            return None

    async def _call(self, call: Callable[[k8s.ApiClient, float], Any], action: str, *,
                    quote_message: bool = True) -> Json:
        api = self._client()
        try:
            response = await asyncio.to_thread(call, api, self._timeout)
        except ApiException as exc:
            raise from_status(exc.status or 0, exc.body, action,
                              quote_message=quote_message) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise KubeUnavailable(f"{action}: Kubernetes API unreachable "
                                  f"({type(exc).__name__})") from exc
        document = json.loads(response.data) if response.data else {}
        if not isinstance(document, dict):
            raise KubeError(f"{action}: unexpected answer from the API server")
        return document

    def _client(self) -> k8s.ApiClient:
        if self._api is None:
            configuration = k8s.Configuration()
            try:
                if self._kubeconfig is None and _in_cluster():
                    k8s_config.load_incluster_config(  # type: ignore[no-untyped-call]
                        client_configuration=configuration)
                else:
                    k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
                        config_file=str(self._kubeconfig) if self._kubeconfig else None,
                        context=self._context, client_configuration=configuration)
            except (ConfigException, OSError) as exc:
                raise KubeUnavailable(f"no usable Kubernetes configuration: {exc}") from exc
            # We retry on our own schedule (the reconciler's backoff), not urllib3's.
            configuration.retries = False
            self._api = k8s.ApiClient(configuration)
        return self._api

    def close(self) -> None:
        if self._api is not None:
            self._api.close()  # type: ignore[no-untyped-call]
            self._api = None


def _in_cluster() -> bool:
    return Path("/var/run/secrets/kubernetes.io/serviceaccount/token").is_file()
