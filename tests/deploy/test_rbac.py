"""RBAC proven, not guessed: whole store lifecycles (a local store that fails on an image pull,
is retried and gets Ready, is backed up, restored and cloned, then deleted; a prod store created,
suspended, resumed, repaired, its workloads and logs read, and deleted) run against the
Kubernetes API stand-in with the real helm and store chart. Every request the orchestrator and
helm made is turned into the permission it needs, and the platform chart's ClusterRole must
grant all of them and nothing that was never used. A third store uses the vault secrets backend
(OpenBao, ExternalSecrets), so its requests are proven too."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.app import RunningApp, running_app
from kube_standin.resources import find
from kube_standin.standin import KubeStandin
from orchestrator.config import REPO_ROOT, Settings
from tests.chart.conftest import ingress_variant
from tests.deploy.platform_chart import render_platform
from tests.deploy.rbac import (
    ALL_NAMESPACES,
    CLUSTER,
    NAMESPACED,
    Permission,
    granted,
    permission,
    permissions,
)
from tests.orchestrator import backup_support
from tests.orchestrator.conftest import make_settings
from tests.orchestrator.fleet_support import VERSIONS
from tests.orchestrator.lifecycle_support import wait_for_status, wait_for_store
from tests.orchestrator.vault_support import external_secrets_operator, openbao

LOCAL = {"store_name": "demo", "domain": "demo.localhost", "environment": "local"}
PROD = {"store_name": "shop", "domain": "shop.example.com", "environment": "prod"}
VAULTED = {"store_name": "vaulted", "domain": "vaulted.localhost", "environment": "local"}


# How stores are exposed: the platform chart's `stores.exposure`, and the store chart's values
# files that render that kind (the repository's own, or their Ingress variants).
EXPOSURES = ["gatewayAPI", "ingress"]


def versions_file(tmp_path: Path) -> Path:
    path = tmp_path / "versions.yaml"
    path.write_text(VERSIONS)
    return path


def values_dir(exposure: str, tmp_path: Path) -> Path:
    if exposure == "gatewayAPI":
        return REPO_ROOT
    variants = tmp_path / "values"
    variants.mkdir()
    for environment in ("local", "prod"):
        variant = ingress_variant(REPO_ROOT / f"values-{environment}.yaml")
        (variants / f"values-{environment}.yaml").write_text(variant.read_text())
    return variants


async def store_lifecycles(
    kube: KubeStandin, helm_bin: Path, tmp_path: Path, exposure: str
) -> set[str]:
    """Runs the lifecycles; returns the store namespaces the platform created."""
    settings = make_settings(
        f"sqlite:///{tmp_path / 'woo.sqlite3'}",
        tmp_path,
        kubeconfig=kube.kubeconfig,
        helm_bin=helm_bin,
        chart_path=REPO_ROOT / "helm" / "woocommerce",
        values_dir=values_dir(exposure, tmp_path),
        ready_deadline_seconds=4,
        # PROD's domain lies outside the base domain: the operator allows it.
        allowed_domain_suffixes=["example.com"],
        # Every Ready store is checked again while the test runs (the safety net's reads too).
        resync_seconds=0.3,
        # Backups on: credentials copied from the platform namespace, backup and restore Jobs.
        **backup_support.SETTINGS,
        versions_file=versions_file(tmp_path),
        upgrade_ready_deadline_seconds=3,
    )
    backup_support.install_credentials(kube)
    kube.kubelet.fail("Deployment", "ImagePullBackOff", message='Back-off pulling image "x"')
    async with running_app(settings) as api:
        assert (await api.client.get("/readyz")).status_code == 200
        local = (await api.client.post("/stores", json=LOCAL)).json()
        # Diagnostics (pods, claims, events) are read while the store is stuck.
        await wait_for_store(
            api.client, local["id"], lambda s: "ImagePullBackOff" in (s["status_reason"] or "")
        )
        await wait_for_status(api.client, local["id"], "Failed")
        kube.kubelet.heal()
        await api.client.post(f"/stores/{local['id']}/retry")
        await wait_for_status(api.client, local["id"], "Ready")
        clone = await backup_restore_and_clone(api.client, kube, local)
        prod = (await api.client.post("/stores", json=PROD)).json()
        await wait_for_status(api.client, prod["id"], "Ready")
        await day2_upgrades(api, kube, local["id"])
        # An admin reads a store's credentials: the one read of a store Secret.
        assert (await api.client.get(f"/stores/{prod['id']}/credentials")).status_code == 200
        # Day-2: suspended (the maintenance page replaces the workloads), resumed, repaired
        # (the data check: claims, a dry-run create of each Secret), and its diagnostics read.
        await api.client.post(f"/stores/{prod['id']}/suspend")
        await wait_for_store(
            api.client, prod["id"], lambda s: (s["status_reason"] or "").startswith("suspended:")
        )
        await api.client.post(f"/stores/{prod['id']}/resume")
        await wait_for_status(api.client, prod["id"], "Ready")
        await api.client.post(f"/stores/{prod['id']}/reconcile")
        await wait_for_store(
            api.client, prod["id"], lambda s: s["status"] == "Ready" and not s["status_reason"]
        )
        assert (await api.client.get(f"/stores/{prod['id']}/workloads")).status_code == 200
        logs = await api.client.get(f"/stores/{prod['id']}/logs", params={"container": "wordpress"})
        assert logs.status_code == 200, logs.text
        for store in (local, prod, clone):
            await api.client.delete(f"/stores/{store['id']}")
            await wait_for_status(api.client, store["id"], "Deleted")
    # The vault secrets backend: credentials in OpenBao, ExternalSecrets in the namespace.
    with openbao() as bao:
        vault_settings = Settings.model_validate(
            {
                **settings.model_dump(),
                "secrets_backend": "vault",
                "vault_addr": bao.address,
                "vault_token": bao.token,
            }
        )
        async with running_app(vault_settings) as api:
            vaulted = (await api.client.post("/stores", json=VAULTED)).json()
            with external_secrets_operator(kube, bao):
                await wait_for_status(api.client, vaulted["id"], "Ready")
            credentials = await api.client.get(f"/stores/{vaulted['id']}/credentials")
            assert credentials.status_code == 200
            await api.client.delete(f"/stores/{vaulted['id']}")
            await wait_for_status(api.client, vaulted["id"], "Deleted")
    return {local["namespace"], prod["namespace"], vaulted["namespace"], clone["namespace"]}


async def backup_restore_and_clone(
    client: httpx.AsyncClient, kube: KubeStandin, store: dict[str, Any]
) -> dict[str, Any]:
    """A manual backup of the store, a restore of it (after a safety backup), and a clone of
    it; returns the clone."""
    snapshot = backup_support.snapshot_of("rbac")
    backup_support.backups_succeed(kube, snapshot, 100)
    backup_support.restores_succeed(kube, snapshot)
    backup = (await client.post(f"/stores/{store['id']}/backups")).json()
    await wait_for_backup(client, store["id"], backup["id"])
    restore = await client.post(f"/stores/{store['id']}/restore", json={"backup_id": backup["id"]})
    assert restore.status_code == 202, restore.text
    await wait_for_status(client, store["id"], "Ready")
    copy = {"store_name": "copy", "clone_from": {"store_id": store["id"]}}
    clone: dict[str, Any] = (await client.post("/stores", json=copy)).json()
    await wait_for_status(client, clone["id"], "Ready")
    return clone


async def wait_for_backup(client: httpx.AsyncClient, store_id: str, backup_id: str) -> None:
    for _ in range(200):
        backup = (await client.get(f"/stores/{store_id}/backups/{backup_id}")).json()
        if backup["status"] == "Succeeded":
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"backup {backup_id} never succeeded")


async def day2_upgrades(api: RunningApp, kube: KubeStandin, store_id: str) -> None:
    """A plan change whose volumes grow (the database claim is expanded: the storage class is
    read first), then a version that never becomes ready (helm rolls it back)."""
    storage_classes = find("storageclasses")
    standard = kube.registry.get(storage_classes, "", "standard")
    kube.registry.replace(
        storage_classes,
        "",
        "standard",
        {**standard, "allowVolumeExpansion": True},
        manager="cluster-admin",
    )
    changed = await api.client.patch(f"/stores/{store_id}", json={"plan": "medium"})
    assert changed.status_code == 202, changed.text
    await wait_for_status(api.client, store_id, "Ready")
    kube.kubelet.fail("Deployment", "CrashLoopBackOff", image_contains=":7.2.0")
    changed = await api.client.patch(f"/stores/{store_id}", json={"version": "v2"})
    assert changed.status_code == 202, changed.text
    failed = await wait_for_status(api.client, store_id, "Failed")
    assert "rolled back to plan" in failed["status_reason"], failed
    kube.kubelet.heal()


def made_by_the_operator(method: str, path: str) -> bool:
    """Requests of the External Secrets Operator the test plays, and of the cluster operator
    writing the platform's backup credentials: not the platform's."""
    credentials = f"/api/v1/namespaces/{backup_support.PLATFORM_NAMESPACE}/secrets"
    return ("/externalsecrets/" in path and path.endswith("/status")) or (
        method == "POST" and path == credentials
    )


@pytest.fixture(params=EXPOSURES)
def exposure(request: pytest.FixtureRequest) -> str:
    return str(request.param)


Used = tuple[set[Permission], set[str]]


@pytest.fixture(scope="module")
def lifecycles_seen() -> dict[str, Used]:
    """What each exposure's lifecycles used, kept for the module: every test here reads the
    same run (the lifecycles are a minute of helm and stand-in work per exposure)."""
    return {}


@pytest.fixture
async def used(
    lifecycles_seen: dict[str, Used],
    kube_standin: KubeStandin,
    helm_bin: Path,
    tmp_path: Path,
    exposure: str,
) -> Used:
    """(every permission the lifecycles needed, the store namespaces)."""
    if exposure not in lifecycles_seen:
        namespaces = await store_lifecycles(kube_standin, helm_bin, tmp_path, exposure)
        needed = {
            found
            for r in kube_standin.requests
            if not made_by_the_operator(r.method, r.path)
            for found in permissions(r.method, r.path, r.query, r.status)
        }
        lifecycles_seen[exposure] = (needed, namespaces)
    return lifecycles_seen[exposure]


def cluster_role(helm_bin: Path, exposure: str) -> dict[str, Any]:
    roles = render_platform(helm_bin, "default", "--set", f"stores.exposure={exposure}").of_kind(
        "ClusterRole"
    )
    assert len(roles) == 1
    return roles[0]


async def test_cluster_role_grants_exactly_what_the_lifecycle_used(
    used: Used, helm_bin: Path, exposure: str
) -> None:
    permissions, _ = used
    needed = {p.grant for p in permissions}
    grants = granted(cluster_role(helm_bin, exposure))
    missing = sorted(needed - grants)
    unused = sorted(grants - needed)
    assert missing == [], f"the ClusterRole lacks {missing}"
    assert unused == [], f"the ClusterRole grants what was never used: {unused}"


async def test_namespaced_requests_stay_in_store_namespaces(used: Used) -> None:
    """Secrets and everything namespaced are touched only inside the namespaces the platform
    created for its stores; the only cluster-scoped requests are on Namespaces and CRDs (helm
    looks up CRDs before installing); across all namespaces, the orchestrator only lists and
    watches what its readiness rules read (its watch-fed cache)."""
    permissions, namespaces = used
    assert {p.scope for p in permissions} == {CLUSTER, NAMESPACED, ALL_NAMESPACES}
    everywhere = {(p.verb, p.resource) for p in permissions if p.scope == ALL_NAMESPACES}
    assert {verb for verb, _ in everywhere} == {"list", "watch"}
    assert {resource for _, resource in everywhere} == {
        "pods",
        "deployments",
        "statefulsets",
        "jobs",
        "persistentvolumeclaims",
        "events",
    }
    outside = sorted(
        str(p) for p in permissions if p.scope == NAMESPACED and p.namespace not in namespaces
    )
    # The one exception: the platform's backup credentials, read to copy them into a store.
    platform = {
        (p.verb, p.resource)
        for p in permissions
        if p.namespace == backup_support.PLATFORM_NAMESPACE
    }
    assert platform == {("get", "secrets")}
    assert [p for p in outside if f"({backup_support.PLATFORM_NAMESPACE})" not in p] == []
    cluster_wide = {(p.verb, p.resource) for p in permissions if p.scope == CLUSTER}
    assert {r for _, r in cluster_wide} == {
        "namespaces",
        "customresourcedefinitions",
        "storageclasses",
    }
    # Storage classes are only read (may a plan change grow the volumes?).
    assert {v for v, r in cluster_wide if r == "storageclasses"} == {"get"}
    assert ("delete", "namespaces") in cluster_wide


@pytest.mark.parametrize("exposure", EXPOSURES)
def test_cluster_role_never_grants_escalation(helm_bin: Path, exposure: str) -> None:
    grants = granted(cluster_role(helm_bin, exposure))
    assert not {verb for verb, _, _ in grants} & {"escalate", "bind", "impersonate", "*"}
    assert not {res for _, _, res in grants} & {
        "clusterroles",
        "clusterrolebindings",
        "roles",
        "rolebindings",
        "nodes",
    }


@pytest.mark.parametrize(
    ("method", "path", "query", "expected"),
    [
        (
            "GET",
            "/api/v1/namespaces/a/secrets",
            "labelSelector=owner%3Dhelm",
            ("list", "", "secrets", NAMESPACED),
        ),
        ("GET", "/api/v1/namespaces/a/secrets/s", "", ("get", "", "secrets", NAMESPACED)),
        (
            "GET",
            "/apis/apps/v1/namespaces/a/deployments",
            "watch=true",
            ("watch", "apps", "deployments", NAMESPACED),
        ),
        ("GET", "/api/v1/pods", "", ("list", "", "pods", ALL_NAMESPACES)),
        ("GET", "/api/v1/namespaces/a", "", ("get", "", "namespaces", CLUSTER)),
        ("DELETE", "/api/v1/namespaces/a", "", ("delete", "", "namespaces", CLUSTER)),
        ("DELETE", "/api/v1/namespaces/a/pods", "", ("deletecollection", "", "pods", NAMESPACED)),
        ("POST", "/api/v1/namespaces", "", ("create", "", "namespaces", CLUSTER)),
        (
            "PUT",
            "/apis/batch/v1/namespaces/a/jobs/j/status",
            "",
            ("update", "batch", "jobs/status", NAMESPACED),
        ),
        (
            "PATCH",
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x",
            "",
            ("patch", "apiextensions.k8s.io", "customresourcedefinitions", CLUSTER),
        ),
        ("GET", "/api/v1/namespaces/a/pods/p/log", "", ("get", "", "pods/log", NAMESPACED)),
    ],
)
def test_request_to_permission(
    method: str, path: str, query: str, expected: tuple[str, str, str, str]
) -> None:
    found = permission(method, path, query)
    assert found is not None
    assert (found.verb, found.group, found.resource, found.scope) == expected


def test_apply_that_creates_needs_create_too() -> None:
    path = "/apis/apps/v1/namespaces/a/deployments/web"
    assert [p.verb for p in permissions("PATCH", path, "", 201)] == ["patch", "create"]
    assert [p.verb for p in permissions("PATCH", path, "", 200)] == ["patch"]


@pytest.mark.parametrize(
    "path", ["/version", "/api", "/apis", "/apis/apps/v1", "/openapi/v2", "/api/v1"]
)
def test_discovery_needs_no_rule(path: str) -> None:
    assert permission("GET", path, "") is None
