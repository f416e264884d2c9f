"""The helm client against the stand-in with the real binary: install, upgrade, uninstall, and
recovery of a release that a dead helm left pending (helm's own lock is that record)."""

from __future__ import annotations

import base64
import gzip
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s

from kube_standin import KubeStandin
from orchestrator.config import REPO_ROOT
from orchestrator.helm.client import HelmClient
from orchestrator.helm.errors import ChartRenderError, HelmError, OperationInProgress
from orchestrator.helm.runner import HelmRunner
from tests.orchestrator.lifecycle_support import core_api, helm_wrapper

CHART = REPO_ROOT / "helm" / "woocommerce"
VALUES = [REPO_ROOT / "values-local.yaml"]
STORE_VALUES = {
    "store": {"name": "demo"},
    "ingress": {"host": "demo.localhost"},
    "mariadb": {"auth": {"existingSecret": "db"}},
    "wordpress": {"admin": {"existingSecret": "admin"}},
}


@pytest.fixture
def helm(kube_standin: KubeStandin, helm_bin: Path) -> HelmClient:
    core = core_api(kube_standin.kubeconfig)
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name="shop")))
    return HelmClient(HelmRunner(helm_bin, kubeconfig=kube_standin.kubeconfig), timeout=30)


def _pretend_helm_died(
    kube_standin: KubeStandin, revision: int, status: str, age: timedelta
) -> None:
    """Rewrite a release record the way a helm killed mid-operation leaves it: marked pending,
    last touched ``age`` ago. (This is helm's storage format: gzip'd JSON, base64 twice.)"""
    name = f"sh.helm.release.v1.store.v{revision}"
    secret = kube_standin.read("secrets", "shop", name)
    document = json.loads(
        gzip.decompress(base64.b64decode(base64.b64decode(secret["data"]["release"])))
    )
    document["info"]["status"] = status
    moment = (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    document["info"]["last_deployed"] = moment
    encoded = base64.b64encode(gzip.compress(json.dumps(document).encode())).decode()
    core_api(kube_standin.kubeconfig).patch_namespaced_secret(
        name,
        "shop",
        {
            "metadata": {"labels": {"status": status}},
            "data": {"release": base64.b64encode(encoded.encode()).decode()},
        },
    )


async def ensure(helm: HelmClient, **values: Any) -> Any:
    return await helm.ensure_release(
        "store", "shop", chart=CHART, values_files=VALUES, values={**STORE_VALUES, **values}
    )


async def test_install_upgrade_status_uninstall(helm: HelmClient) -> None:
    assert await helm.status("store", "shop") is None
    first = await ensure(helm)
    assert (first.revision, first.status) == (1, "deployed")
    second = await ensure(helm)
    assert second.revision == 2
    status = await helm.status("store", "shop")
    assert status is not None and status.revision == 2 and status.last_deployed is not None
    assert await helm.uninstall("store", "shop") is True
    assert await helm.uninstall("store", "shop") is False
    assert await helm.status("store", "shop") is None


async def test_bad_values_are_a_render_error(helm: HelmClient) -> None:
    with pytest.raises(ChartRenderError, match="ingress"):
        await ensure(helm, ingress={"host": "Not A Host"})
    assert await helm.status("store", "shop") is None


async def test_stale_pending_install_is_cleared_and_installed_again(
    helm: HelmClient, kube_standin: KubeStandin
) -> None:
    await ensure(helm)
    _pretend_helm_died(kube_standin, 1, "pending-install", age=timedelta(hours=1))
    assert (await helm.status("store", "shop")).status == "pending-install"  # type: ignore[union-attr]
    recovered = await ensure(helm)
    assert (recovered.revision, recovered.status) == (1, "deployed")


async def test_stale_pending_upgrade_is_rolled_back_then_upgraded(
    helm: HelmClient, kube_standin: KubeStandin
) -> None:
    await ensure(helm)
    await ensure(helm)
    _pretend_helm_died(kube_standin, 2, "pending-upgrade", age=timedelta(hours=1))
    recovered = await ensure(helm)
    # 1 deployed, 2 stuck, 3 the rollback to 1, 4 our upgrade.
    assert (recovered.revision, recovered.status) == (4, "deployed")


async def test_a_stuck_upgrade_that_grew_a_volume_is_upgraded_over(
    helm: HelmClient, kube_standin: KubeStandin
) -> None:
    """helm died in an upgrade that had already grown wp-content. Rolling back to the revision
    before asks the bound claim to shrink, which the API server refuses; the release is no
    longer pending after that attempt, so the upgrade goes ahead over it."""
    grown = {"admin": {"existingSecret": "admin"}, "persistence": {"size": "5Gi"}}
    await ensure(helm)
    claim = "store-wordpress-content"
    kube_standin.wait_for(
        lambda: (
            (kube_standin.read("persistentvolumeclaims", "shop", claim).get("status") or {}).get(
                "phase"
            )
            == "Bound"
        ),
        timeout=10,
    )
    await ensure(helm, wordpress=grown)
    _pretend_helm_died(kube_standin, 2, "pending-upgrade", age=timedelta(hours=1))

    recovered = await ensure(helm, wordpress=grown)

    assert recovered.status == "deployed"
    claimed = kube_standin.read("persistentvolumeclaims", "shop", claim)
    assert claimed["spec"]["resources"]["requests"]["storage"] == "5Gi"


async def test_a_stuck_upgrade_whose_rollback_fails_stays_an_error(
    helm: HelmClient, kube_standin: KubeStandin, helm_bin: Path, tmp_path: Path
) -> None:
    """A rollback that fails and leaves the release pending is not gone over."""
    await ensure(helm)
    await ensure(helm)
    _pretend_helm_died(kube_standin, 2, "pending-upgrade", age=timedelta(hours=1))
    broken = helm_wrapper(
        tmp_path,
        "helm",
        f'[ "$1" = rollback ] && {{ echo "Error: rollback exploded" >&2; exit 1; }}\n'
        f'exec {helm_bin} "$@"\n',
    )
    stubborn = HelmClient(HelmRunner(broken, kubeconfig=kube_standin.kubeconfig), timeout=30)
    with pytest.raises(HelmError, match="rollback exploded"):
        await ensure(stubborn)
    assert (await helm.status("store", "shop")).status == "pending-upgrade"  # type: ignore[union-attr]


async def test_young_pending_release_is_left_to_its_owner(
    helm: HelmClient, kube_standin: KubeStandin
) -> None:
    await ensure(helm)
    _pretend_helm_died(kube_standin, 1, "pending-install", age=timedelta(seconds=1))
    with pytest.raises(OperationInProgress, match="pending-install"):
        await ensure(helm)
    assert (await helm.status("store", "shop")).status == "pending-install"  # type: ignore[union-attr]


async def test_a_failed_first_install_is_installed_over(
    helm: HelmClient, kube_standin: KubeStandin
) -> None:
    kube_standin.faults.fail_requests(1, status=422, method="PATCH", path_contains="statefulsets")
    with pytest.raises(HelmError, match="injected by the test"):
        await ensure(helm)
    assert (await helm.status("store", "shop")).status == "failed"  # type: ignore[union-attr]
    recovered = await ensure(helm)
    assert (recovered.revision, recovered.status) == (2, "deployed")
