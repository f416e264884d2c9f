"""Plan and version changes of one store (PATCH /stores/{id}): the real application, reconciler,
helm binary and store chart against the Kubernetes API stand-in, on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from harness.app import RunningApp, running_app
from kube_standin import KubeStandin
from orchestrator.config import Settings
from tests.orchestrator.fleet_support import NEW_IMAGE, fleet_settings, wordpress_container
from tests.orchestrator.lifecycle_support import (
    events,
    helm_wrapper,
    wait_for_status,
    wait_for_store,
)


@pytest.fixture
def settings_for(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> Callable[..., Settings]:
    def build(**overrides: Any) -> Settings:
        helm = overrides.pop("helm_bin", helm_bin)
        return fleet_settings(postgres_database, tmp_path, kube_standin, helm, **overrides)

    return build


@pytest.fixture
async def api(settings_for: Callable[..., Settings]) -> AsyncIterator[RunningApp]:
    async with running_app(settings_for()) as running:
        yield running


def allow_volume_expansion(kube_standin: KubeStandin) -> None:
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
        str(kube_standin.kubeconfig), client_configuration=configuration
    )
    storage = k8s.StorageV1Api(k8s.ApiClient(configuration))
    storage.patch_storage_class("standard", {"allowVolumeExpansion": True})


async def ready_store(api: RunningApp, name: str, **extra: Any) -> dict[str, Any]:
    body = {"store_name": name, "environment": "local", **extra}
    created = await api.client.post("/stores", json=body)
    assert created.status_code == 202, created.text
    return await wait_for_status(api.client, created.json()["id"], "Ready")


def quota(kube_standin: KubeStandin, namespace: str) -> dict[str, str]:
    hard: dict[str, str] = kube_standin.read("resourcequotas", namespace, "store-quota")["spec"][
        "hard"
    ]
    return hard


def claim_size(kube_standin: KubeStandin, namespace: str, name: str) -> str:
    claim = kube_standin.read("persistentvolumeclaims", namespace, name)
    size: str = claim["spec"]["resources"]["requests"]["storage"]
    return size


async def test_a_plan_change_applies_new_resources_quota_and_volumes(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    allow_volume_expansion(kube_standin)
    store = await ready_store(api, "grow")
    assert (store["plan"], store["version"]) == ("small", "v1")
    assert store["versions"] == {"chart": "0.1.0", "wordpress": "7.1.2", "woocommerce": "11.2.0"}
    namespace = store["namespace"]
    assert quota(kube_standin, namespace)["limits.memory"] == "8Gi"

    changed = await api.client.patch(f"/stores/{store['id']}", json={"plan": "medium"})
    assert changed.status_code == 202, changed.text
    assert changed.json()["status"] == "Upgrading"
    assert changed.json()["upgrade"] == {"plan": "medium", "version": "v1"}
    again = await api.client.patch(f"/stores/{store['id']}", json={"plan": "large"})
    assert again.status_code == 409
    assert again.json()["error"] == "invalid_state"

    ready = await wait_for_status(api.client, store["id"], "Ready")
    assert (ready["plan"], ready["upgrade"]) == ("medium", None)
    hard = quota(kube_standin, namespace)
    assert (hard["limits.memory"], hard["requests.cpu"], hard["requests.storage"]) == (
        "12Gi",
        "2",
        "16Gi",
    )
    assert wordpress_container(kube_standin, namespace)["resources"] == {
        "requests": {"cpu": "250m", "memory": "512Mi"},
        "limits": {"cpu": "2", "memory": "2Gi"},
    }
    config = kube_standin.read("configmaps", namespace, "store-wordpress-config")
    assert "MaxRequestWorkers 6" in config["data"]["mpm_prefork.conf"]
    # The database claim is expanded; the StatefulSet's claim template keeps its size.
    assert claim_size(kube_standin, namespace, "data-store-mariadb-0") == "10Gi"
    statefulset = kube_standin.read("statefulsets", namespace, "store-mariadb")
    template = statefulset["spec"]["volumeClaimTemplates"][0]
    assert template["spec"]["resources"]["requests"]["storage"] == "2Gi"
    assert claim_size(kube_standin, namespace, "store-wordpress-content") == "5Gi"
    messages = [event["message"] for event in await events(api.client, store["id"])]
    assert any(m.startswith("change of plan small -> medium done") for m in messages)


async def test_a_storage_shrink_is_refused_and_changes_nothing(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    store = await ready_store(api, "big", plan="medium")
    before = await events(api.client, store["id"])
    hard = quota(kube_standin, store["namespace"])

    refused = await api.client.patch(f"/stores/{store['id']}", json={"plan": "small"})
    assert refused.status_code == 409
    assert refused.json() == {
        "error": "storage_refused",
        "detail": "plan 'small' would shrink wp-content volume 5Gi -> 2Gi, database volume "
        "10Gi -> 2Gi; volumes only grow",
    }
    after = (await api.client.get(f"/stores/{store['id']}")).json()
    assert (after["status"], after["plan"], after["upgrade"]) == ("Ready", "medium", None)
    assert await events(api.client, store["id"]) == before
    assert quota(kube_standin, store["namespace"]) == hard


async def test_a_volume_larger_than_the_new_plan_is_never_shrunk(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    """The claims, not only the plans, decide: a wp-content volume an earlier change grew to
    6Gi refuses a plan of 5Gi."""
    allow_volume_expansion(kube_standin)
    store = await ready_store(api, "grown")
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
        str(kube_standin.kubeconfig), client_configuration=configuration
    )
    k8s.CoreV1Api(k8s.ApiClient(configuration)).patch_namespaced_persistent_volume_claim(
        "store-wordpress-content",
        store["namespace"],
        {"spec": {"resources": {"requests": {"storage": "6Gi"}}}},
    )
    refused = await api.client.patch(f"/stores/{store['id']}", json={"plan": "medium"})
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "plan 'medium' does not fit the store's volumes: volume store-wordpress-content is 6Gi "
        "and would shrink to 5Gi; volumes only grow"
    )
    assert (await api.client.get(f"/stores/{store['id']}")).json()["plan"] == "small"


async def test_growth_needs_a_storage_class_that_expands(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    store = await ready_store(api, "fixed")
    refused = await api.client.patch(f"/stores/{store['id']}", json={"plan": "medium"})
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "plan 'medium' does not fit the store's volumes: storage class 'standard' of volume "
        "data-store-mariadb-0 does not allow volume expansion (allowVolumeExpansion is not true)"
    )
    assert (await api.client.get(f"/stores/{store['id']}")).json()["status"] == "Ready"


async def test_unknown_plans_and_versions_are_invalid(api: RunningApp) -> None:
    created = await api.client.post("/stores", json={"store_name": "odd", "plan": "huge"})
    assert created.status_code == 422
    assert created.json()["fields"][0]["field"] == "plan"
    store = await ready_store(api, "known")
    for body, field in (({"plan": "huge"}, "plan"), ({"version": "v9"}, "version")):
        refused = await api.client.patch(f"/stores/{store['id']}", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.json()["fields"][0]["field"] == field
    empty = await api.client.patch(f"/stores/{store['id']}", json={})
    assert empty.status_code == 422
    missing = await api.client.patch("/stores/nope", json={"pinned": True})
    assert missing.status_code == 404


async def test_a_version_upgrade_runs_the_new_images(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    store = await ready_store(api, "newer")
    changed = await api.client.patch(f"/stores/{store['id']}", json={"version": "v2"})
    assert changed.status_code == 202
    ready = await wait_for_status(api.client, store["id"], "Ready")
    assert (ready["version"], ready["plan"]) == ("v2", "small")
    assert ready["versions"] == {"chart": "0.1.0", "wordpress": "7.2.0", "woocommerce": "11.3.0"}
    assert wordpress_container(kube_standin, store["namespace"])["image"] == NEW_IMAGE
    # The setup Job of the new revision ran (migrations) with the new WooCommerce version.
    jobs = kube_standin.list("jobs", store["namespace"])
    assert "store-setup-r2" in [job["metadata"]["name"] for job in jobs]


async def test_a_version_that_never_becomes_ready_is_rolled_back(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    kube_standin.kubelet.fail("Deployment", "CrashLoopBackOff", image_contains=":7.2.0")
    store = await ready_store(api, "stuck")
    old_image = wordpress_container(kube_standin, store["namespace"])["image"]

    changed = await api.client.patch(f"/stores/{store['id']}", json={"version": "v2"})
    assert changed.status_code == 202
    failed = await wait_for_store(
        api.client, store["id"], lambda s: s["status"] == "Failed", timeout=30, what="Failed"
    )
    reason = failed["status_reason"]
    assert reason.startswith("change of version v1 -> v2 failed: not ready within 3s: ")
    assert "CrashLoopBackOff" in reason
    assert reason.endswith(
        "rolled back to plan small, version v1 (what revision 1 served), now revision 3"
    ), reason
    assert (failed["version"], failed["upgrade"]) == ("v1", None)
    assert failed["versions"]["wordpress"] == "7.1.2"
    # The previous revision serves again.
    assert wordpress_container(kube_standin, store["namespace"])["image"] == old_image
    kube_standin.wait_for(
        lambda: (
            kube_standin.read("deployments", store["namespace"], "store-wordpress")["status"].get(
                "availableReplicas"
            )
            == 1
        ),
        timeout=10,
    )
    metrics = (await api.client.get("/metrics")).text
    assert "woo_store_upgrades_failed_total 1.0" in metrics


async def test_a_change_that_grew_a_volume_is_rolled_back_without_shrinking_it(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    """The change grew wp-content (2Gi -> 5Gi) before failing. The revision before it asked
    for 2Gi, which the API server refuses for a bound claim: the store gets its plan and
    version back with the volume kept at 5Gi."""
    allow_volume_expansion(kube_standin)
    kube_standin.kubelet.fail("Deployment", "CrashLoopBackOff", image_contains=":7.2.0")
    store = await ready_store(api, "grew")
    old_image = wordpress_container(kube_standin, store["namespace"])["image"]

    changed = await api.client.patch(
        f"/stores/{store['id']}", json={"plan": "medium", "version": "v2"}
    )
    assert changed.status_code == 202
    failed = await wait_for_store(
        api.client, store["id"], lambda s: s["status"] == "Failed", timeout=30, what="Failed"
    )

    reason = failed["status_reason"]
    assert "rolled back to plan small, version v1 (what revision 1 served)" in reason, reason
    assert (failed["plan"], failed["version"], failed["upgrade"]) == ("small", "v1", None)
    assert wordpress_container(kube_standin, store["namespace"])["image"] == old_image
    namespace = store["namespace"]
    assert claim_size(kube_standin, namespace, "store-wordpress-content") == "5Gi"
    assert quota(kube_standin, namespace)["limits.memory"] == "8Gi"  # the small plan's again


async def test_a_rollback_that_fails_says_so(
    settings_for: Callable[..., Settings],
    kube_standin: KubeStandin,
    helm_bin: Path,
    tmp_path: Path,
) -> None:
    """helm itself fails the rollback (the third upgrade: install, change, rollback): the store
    still ends Failed, and the reason says that the rollback failed."""
    upgrades = tmp_path / "upgrades"
    broken_rollback = helm_wrapper(
        tmp_path,
        "helm",
        f'if [ "$1" = upgrade ]; then\n  echo >> {upgrades}\n'
        f'  if [ "$(wc -l < {upgrades})" -ge 3 ]; then\n'
        '    echo "Error: UPGRADE FAILED: rollback exploded" >&2; exit 1\n  fi\nfi\n'
        f'exec {helm_bin} "$@"\n',
    )
    kube_standin.kubelet.fail("Deployment", "CrashLoopBackOff", image_contains=":7.2.0")
    async with running_app(settings_for(helm_bin=broken_rollback)) as api:
        store = await ready_store(api, "nope")
        changed = await api.client.patch(f"/stores/{store['id']}", json={"version": "v2"})
        assert changed.status_code == 202
        failed = await wait_for_store(
            api.client, store["id"], lambda s: s["status"] == "Failed", timeout=30, what="Failed"
        )
    assert failed["status_reason"].startswith("change of version v1 -> v2 failed: not ready")
    assert failed["status_reason"].endswith(
        "rollback to plan small, version v1 (what revision 1 served) failed: "
        "UPGRADE FAILED: rollback exploded"
    ), failed["status_reason"]
    assert failed["version"] == "v1"


async def test_pinning_changes_only_the_pin(api: RunningApp) -> None:
    store = await ready_store(api, "pin")
    pinned = await api.client.patch(f"/stores/{store['id']}", json={"pinned": True})
    assert pinned.status_code == 200
    assert (pinned.json()["pinned"], pinned.json()["status"]) == (True, "Ready")
    catalogue = (await api.client.get("/catalogue")).json()
    assert [p["name"] for p in catalogue["plans"]] == ["small", "medium", "large"]
    assert [(v["name"], v["default"]) for v in catalogue["versions"]] == [
        ("v1", True),
        ("v2", False),
    ]
