"""Injected request failures and an API server that goes away and comes back."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import urllib3
from kubernetes import client
from kubernetes.client import ApiException

from kube_standin.standin import KubeStandin

CHART = Path(__file__).parent / "testdata" / "shop"


def test_the_next_matching_requests_fail_with_a_status_body(
    kube_standin: KubeStandin, core: client.CoreV1Api
) -> None:
    kube_standin.faults.fail_requests(2, status=500, method="GET", path_contains="/secrets")

    core.list_namespace()
    for _ in range(2):
        with pytest.raises(ApiException) as failed:
            core.list_namespaced_secret("default")
        assert failed.value.status == 500
        assert json.loads(failed.value.body or "")["reason"] == "InternalError"
    core.list_namespaced_secret("default")


def test_retry_after_makes_the_python_client_retry_by_itself(
    kube_standin: KubeStandin, core: client.CoreV1Api
) -> None:
    kube_standin.faults.fail_requests(1, status=503, path_contains="/namespaces")
    with pytest.raises(ApiException) as failed:
        core.list_namespace()
    assert failed.value.status == 503

    kube_standin.faults.fail_requests(1, status=429, path_contains="/namespaces", retry_after=0)
    core.list_namespace()  # urllib3 honoured Retry-After and retried

    assert kube_standin.faults.injected == 2


def test_helm_fails_on_an_api_error_and_succeeds_on_retry(
    helm_bin: Path, kube_standin: KubeStandin
) -> None:
    kube_standin.faults.fail_requests(1, status=500, method="PATCH", path_contains="/deployments/")
    argv = [
        str(helm_bin),
        "upgrade",
        "--install",
        "shop",
        str(CHART),
        "-n",
        "shop",
        "--create-namespace",
        "--kubeconfig",
        str(kube_standin.kubeconfig),
    ]

    failed = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    retried = subprocess.run(argv, capture_output=True, text=True, timeout=60)

    assert failed.returncode != 0
    assert "Internal error occurred" in failed.stderr
    assert retried.returncode == 0, retried.stderr


def test_stop_and_start_keep_the_port_and_the_objects(
    kube_standin: KubeStandin, core: client.CoreV1Api
) -> None:
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="shop")))
    port = kube_standin.port

    kube_standin.stop()
    with pytest.raises(urllib3.exceptions.MaxRetryError):
        core.read_namespace("shop", _request_timeout=1)
    kube_standin.start()

    assert kube_standin.port == port
    assert core.read_namespace("shop").status.phase == "Active"  # type: ignore[union-attr]


def test_each_stand_in_starts_empty(kube_standin: KubeStandin) -> None:
    assert kube_standin.namespaces() == ["default", "kube-node-lease", "kube-public", "kube-system"]
