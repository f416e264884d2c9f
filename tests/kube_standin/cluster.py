"""The cluster the stand-in's protocol tests talk to: the stand-in itself, or a real cluster
named by WOO_PROTOCOL_KUBECONFIG. The same tests then show where the stand-in drifts from
Kubernetes.

Tests see the cluster only through its API (the official client, helm, or `Cluster.http`), so
nothing here reads the stand-in's memory: inspection is a GET like any client's.
"""

from __future__ import annotations

import builtins
import os
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from kubernetes import client, config

from kube_standin.resources import find
from kube_standin.standin import wait_for

PROTOCOL_KUBECONFIG = "WOO_PROTOCOL_KUBECONFIG"

Obj = dict[str, Any]
T = TypeVar("T")


def real_cluster_kubeconfig() -> Path | None:
    """The kubeconfig of the real cluster to test against, when one is named."""
    named = os.environ.get(PROTOCOL_KUBECONFIG)
    return Path(named) if named else None


@dataclass
class Cluster:
    kubeconfig: Path
    http: httpx.Client
    # How long a deleted namespace may take to go: a real namespace controller needs seconds.
    namespace_deletion_timeout: float

    def get(self, kind_or_plural: str, namespace: str | None, name: str) -> Obj | None:
        response = self.http.get(f"{_collection(kind_or_plural, namespace)}/{name}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        found: Obj = response.json()
        return found

    def list(self, kind_or_plural: str, namespace: str | None = None) -> list[Obj]:
        response = self.http.get(_collection(kind_or_plural, namespace))
        response.raise_for_status()
        items: list[Obj] = response.json()["items"]
        return items

    def namespaces(self) -> builtins.list[str]:
        return [item["metadata"]["name"] for item in self.list("namespaces")]

    def wait_for(self, condition: Callable[[], T], timeout: float = 30.0) -> T:
        return wait_for(condition, timeout, interval=0.05)

    def delete_namespaces_except(self, kept: set[str]) -> None:
        """Delete the namespaces a test created and wait until they are gone, so the next test
        may create the same names."""
        created = set(self.namespaces()) - kept
        for name in created:
            self.http.delete(f"/api/v1/namespaces/{name}")
        self.wait_for(
            lambda: not created & set(self.namespaces()), timeout=self.namespace_deletion_timeout
        )


@contextmanager
def connect(kubeconfig: Path) -> Iterator[httpx.Client]:
    """An HTTP client that authenticates as the kubeconfig says (CA, client certificate, or
    bearer token), for requests the official client cannot make (watch streams read line by
    line, protobuf bodies, unknown media types)."""
    configuration = client.Configuration()
    config.load_kube_config(  # type: ignore[no-untyped-call]
        config_file=str(kubeconfig), client_configuration=configuration
    )
    tls = ssl.create_default_context(cafile=configuration.ssl_ca_cert)
    if not configuration.verify_ssl:  # insecure-skip-tls-verify in the kubeconfig
        tls.check_hostname = False
        tls.verify_mode = ssl.CERT_NONE
    if configuration.cert_file:
        tls.load_cert_chain(configuration.cert_file, configuration.key_file)
    headers = {}
    token = configuration.api_key.get("authorization")
    if token:
        headers["Authorization"] = token
    with httpx.Client(
        base_url=configuration.host, verify=tls, headers=headers, timeout=30
    ) as session:
        yield session


def _collection(kind_or_plural: str, namespace: str | None) -> str:
    resource = find(kind_or_plural)
    root = f"/apis/{resource.group}/{resource.version}" if resource.group else "/api/v1"
    if resource.namespaced and namespace:
        return f"{root}/namespaces/{namespace}/{resource.plural}"
    return f"{root}/{resource.plural}"
