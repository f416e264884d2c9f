"""The real helm binary (v4, server-side apply, watch-list waits) against the stand-in. The tests
that take `cluster` only are protocol tests: they also run against a real cluster."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from kube_standin.standin import KubeStandin
from tests.kube_standin.cluster import Cluster

CHART = Path(__file__).parent / "testdata" / "shop"
NAMESPACE = "shop-1"


@pytest.fixture
def helm(helm_bin: Path, cluster: Cluster) -> Any:
    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(helm_bin), *args, "--kubeconfig", str(cluster.kubeconfig)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"helm {' '.join(args)} failed:\n{result.stderr}")
        return result

    return run


def install(helm: Any, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result: subprocess.CompletedProcess[str] = helm(
        "upgrade",
        "--install",
        "shop",
        str(CHART),
        "--namespace",
        NAMESPACE,
        "--create-namespace",
        *args,
        check=check,
    )
    return result


def test_install_upgrade_uninstall_lifecycle(helm: Any, cluster: Cluster) -> None:
    install(helm)

    status = json.loads(helm("status", "shop", "-n", NAMESPACE, "-o", "json").stdout)
    assert (status["info"]["status"], status["version"]) == ("deployed", 1)
    for kind, name in (
        ("deployment", "shop-web"),
        ("statefulset", "shop-db"),
        ("service", "shop-web"),
        ("job", "shop-setup-1"),
        ("secret", "shop-db"),
        ("networkpolicy", "shop-default-deny"),
        ("ingress", "shop-web"),
        ("resourcequota", "shop-quota"),
        ("limitrange", "shop-limits"),
        ("poddisruptionbudget", "shop-web"),
        ("pvc", "shop-content"),
    ):
        obj = cluster.get(kind, NAMESPACE, name)
        assert obj is not None, f"{kind}/{name} was not created"
        assert obj["metadata"]["annotations"]["meta.helm.sh/release-name"] == "shop"
    release = cluster.get("secret", NAMESPACE, "sh.helm.release.v1.shop.v1")
    assert release is not None
    assert release["type"] == "helm.sh/release.v1"
    assert release["metadata"]["labels"]["owner"] == "helm"

    install(helm, "--set", "image=nginx:1.28", "--set", "setupRevision=2")
    releases = json.loads(helm("list", "-n", NAMESPACE, "-o", "json").stdout)
    assert [(r["name"], r["revision"], r["status"]) for r in releases] == [
        ("shop", "2", "deployed")
    ]
    web = cluster.get("deployment", NAMESPACE, "shop-web")
    assert web is not None
    assert web["metadata"]["generation"] == 2
    assert cluster.get("job", NAMESPACE, "shop-setup-1") is None

    helm("uninstall", "shop", "-n", NAMESPACE, "--wait")

    assert json.loads(helm("list", "-A", "-o", "json").stdout) == []
    assert cluster.list("deployments", NAMESPACE) == []
    assert [c["metadata"]["name"] for c in cluster.list("pvc", NAMESPACE)] == [
        "data-shop-db-0"
    ]  # StatefulSet claims outlive the release, as on a cluster


def test_install_and_uninstall_are_quick_and_leave_no_pods(
    helm: Any, kube_standin: KubeStandin
) -> None:
    """Deletion is immediate in the stand-in (a listed difference): a cluster's pods take their
    grace period to go."""
    started = time.monotonic()
    install(helm)
    installed_in = time.monotonic() - started

    started = time.monotonic()
    helm("uninstall", "shop", "-n", NAMESPACE, "--wait")
    uninstalled_in = time.monotonic() - started

    assert kube_standin.list("pods", NAMESPACE) == []
    # Far below a pod's 30 s grace period, with room for helm slowed by other test processes.
    assert installed_in < 15 and uninstalled_in < 15


def test_wait_succeeds_once_the_kubelet_makes_workloads_ready(
    helm: Any, kube_standin: KubeStandin
) -> None:
    kube_standin.kubelet.ready_after = 0.2

    install(helm, "--wait", "--timeout", "20s")

    web = kube_standin.get("deployment", NAMESPACE, "shop-web")
    assert web is not None
    assert web["status"]["availableReplicas"] == 1


def test_wait_times_out_while_the_kubelet_holds(helm: Any, kube_standin: KubeStandin) -> None:
    kube_standin.kubelet.mode = "hold"

    result = install(helm, "--wait", "--timeout", "500ms", check=False)

    assert result.returncode != 0
    assert "context deadline exceeded" in result.stderr or "timed out" in result.stderr


def test_a_failing_hook_job_fails_the_install(helm: Any, kube_standin: KubeStandin) -> None:
    kube_standin.kubelet.fail("Job", "BackoffLimitExceeded", name_contains="setup")

    result = install(helm, "--set", "setupHook=true", "--timeout", "20s", check=False)

    assert result.returncode != 0
    assert "status: Failed, message: Job Failed" in result.stderr
    status = json.loads(helm("status", "shop", "-n", NAMESPACE, "-o", "json").stdout)
    assert status["info"]["status"] == "failed"


def test_a_hook_job_that_completes_lets_the_install_finish(helm: Any) -> None:
    install(helm, "--set", "setupHook=true", "--timeout", "20s")

    status = json.loads(helm("status", "shop", "-n", NAMESPACE, "-o", "json").stdout)
    assert status["info"]["status"] == "deployed"
    assert [h["name"] for h in status["hooks"]] == ["shop-setup-1"]
