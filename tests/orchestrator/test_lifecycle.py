"""Whole store lifecycles: the real application and reconciler, the real helm binary and the
real store chart, against the Kubernetes API stand-in over HTTP."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from harness.app import RunningApp, running_app
from kube_standin import KubeStandin
from orchestrator.provisioning.store_values import STORE_ID_LABEL
from tests.orchestrator.conftest import SettingsFor
from tests.orchestrator.lifecycle_support import (
    core_api,
    events,
    helm_wrapper,
    wait_for_status,
    wait_for_store,
)
from tests.orchestrator.manual_clock import ManualClock

DEMO = {"store_name": "demo", "domain": "demo.localhost", "environment": "local"}


@pytest.fixture
async def api(settings_for: SettingsFor) -> AsyncIterator[RunningApp]:
    async with running_app(settings_for()) as running:
        yield running


def store_namespaces(kube_standin: KubeStandin, prefix: str = "demo-") -> list[str]:
    return [name for name in kube_standin.namespaces() if name.startswith(prefix)]


def helm_release_records(kube_standin: KubeStandin, namespace: str) -> list[dict[str, Any]]:
    return [
        secret
        for secret in kube_standin.list("secrets", namespace)
        if (secret["metadata"].get("labels") or {}).get("owner") == "helm"
    ]


async def test_create_reaches_ready_with_everything_in_place(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    created = (await api.client.post("/stores", json=DEMO)).json()
    ready = await wait_for_status(api.client, created["id"], "Ready")
    assert ready["urls"] == {
        "storefront": "http://demo.localhost/",
        "admin": "http://demo.localhost/wp-admin/",
    }
    assert ready["status_reason"] is None

    namespace = kube_standin.read("namespaces", None, created["namespace"])
    labels = namespace["metadata"]["labels"]
    assert labels["app.kubernetes.io/managed-by"] == "woo-platform"
    assert labels["woo-platform/store-id"] == created["id"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"

    db = kube_standin.read("secrets", created["namespace"], "store-db-credentials")
    admin = kube_standin.read("secrets", created["namespace"], "store-admin-credentials")
    assert set(db["data"]) == {"mariadb-root-password", "mariadb-password"}
    assert set(admin["data"]) == {"admin-user", "admin-password", "admin-email"}
    passwords = [
        base64.b64decode(v).decode()
        for v in (
            db["data"]["mariadb-root-password"],
            db["data"]["mariadb-password"],
            admin["data"]["admin-password"],
        )
    ]
    assert all(len(p) >= 20 for p in passwords) and len(set(passwords)) == 3

    assert helm_release_records(kube_standin, created["namespace"])
    assert kube_standin.list("statefulsets", created["namespace"])
    assert kube_standin.list("deployments", created["namespace"])

    timeline = await events(api.client, created["id"])
    succeeded = [e["step"] for e in timeline if e["outcome"] == "succeeded"]
    assert succeeded == ["namespace", "secrets", "release", "readiness"]
    # No password reaches the API: not in the store, not in its events, not in the list.
    exposed = " ".join([str(ready), str(timeline), (await api.client.get("/stores")).text])
    assert not any(p in exposed for p in passwords)
    # Nor the helm release: values carry secret names only.
    release = helm_release_records(kube_standin, created["namespace"])[0]
    assert not any(p.encode() in base64.b64decode(release["data"]["release"]) for p in passwords)


async def test_delete_removes_namespace_and_release(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    created = (await api.client.post("/stores", json=DEMO)).json()
    await wait_for_status(api.client, created["id"], "Ready")
    assert (await api.client.delete(f"/stores/{created['id']}")).status_code == 202
    deleted = await wait_for_status(api.client, created["id"], "Deleted")
    assert deleted["urls"] is None
    assert store_namespaces(kube_standin) == []
    steps = [(e["step"], e["outcome"]) for e in await events(api.client, created["id"])]
    assert ("uninstall", "succeeded") in steps and ("namespace-delete", "succeeded") in steps
    assert (await api.client.get("/stores")).json()["total"] == 0
    hidden = (await api.client.get("/stores", params={"include_deleted": True})).json()
    assert [s["status"] for s in hidden["items"]] == ["Deleted"]
    # The name is free again.
    assert (await api.client.post("/stores", json=DEMO)).status_code == 202


async def test_delete_while_provisioning_leaves_nothing(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    kube_standin.kubelet.mode = "hold"
    created = (await api.client.post("/stores", json=DEMO)).json()
    await wait_for_store(
        api.client,
        created["id"],
        lambda s: "waiting for" in (s["status_reason"] or ""),
        what="waiting for workloads",
    )
    await api.client.delete(f"/stores/{created['id']}")
    await wait_for_status(api.client, created["id"], "Deleted")
    assert store_namespaces(kube_standin) == []


async def test_image_pull_error_is_reported_then_fails_then_retry_succeeds(
    settings_for: Any, kube_standin: KubeStandin
) -> None:
    kube_standin.kubelet.fail(
        "Deployment", "ImagePullBackOff", message='Back-off pulling image "wordpress:6.8"'
    )
    clock = ManualClock()
    settings = settings_for(ready_deadline_seconds=4, lease_seconds=60)
    async with running_app(settings, clock) as api:
        created = (await api.client.post("/stores", json=DEMO)).json()
        waiting = await wait_for_store(
            api.client,
            created["id"],
            lambda s: "ImagePullBackOff" in (s["status_reason"] or ""),
            what="ImagePullBackOff in status_reason",
        )
        assert waiting["status"] == "Provisioning"
        clock.advance(4)
        failed = await wait_for_status(api.client, created["id"], "Failed")
        assert "not ready within 4s" in failed["status_reason"]
        assert "ImagePullBackOff" in failed["status_reason"]

        kube_standin.kubelet.heal()
        assert (await api.client.post(f"/stores/{created['id']}/retry")).status_code == 202
        await wait_for_status(api.client, created["id"], "Ready")
        assert len(store_namespaces(kube_standin)) == 1


async def test_failed_setup_job_fails_the_store_and_retry_runs_a_new_job(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    kube_standin.kubelet.fail("Job", "BackoffLimitExceeded")
    created = (await api.client.post("/stores", json=DEMO)).json()
    failed = await wait_for_status(api.client, created["id"], "Failed")
    assert "setup job" in failed["status_reason"]
    assert "BackoffLimitExceeded" in failed["status_reason"]

    kube_standin.kubelet.heal()
    await api.client.post(f"/stores/{created['id']}/retry")
    await wait_for_status(api.client, created["id"], "Ready")
    jobs = kube_standin.list("jobs", created["namespace"])
    revisions = sorted(j["metadata"]["labels"]["woo-platform/release-revision"] for j in jobs)
    # The new revision replaced the failed Job (helm removes what the new manifest lacks).
    assert revisions == ["2"]


async def test_chart_render_error_is_a_typed_failure(
    settings_for: Any, kube_standin: KubeStandin, tmp_path: Path
) -> None:
    values_dir = tmp_path / "values"
    values_dir.mkdir()
    (values_dir / "values-local.yaml").write_text("notAChartValue: true\n")
    async with running_app(settings_for(values_dir=values_dir)) as api:
        created = (await api.client.post("/stores", json=DEMO)).json()
        failed = await wait_for_status(api.client, created["id"], "Failed")
        assert failed["status_reason"].startswith("installing the helm release failed:")
        assert "notAChartValue" in failed["status_reason"]
        assert helm_release_records(kube_standin, created["namespace"]) == []
        # Nothing is orphaned: the failed store still owns its namespace and DELETE clears it.
        await api.client.delete(f"/stores/{created['id']}")
        await wait_for_status(api.client, created["id"], "Deleted")
        assert store_namespaces(kube_standin) == []


async def test_helm_exiting_nonzero_is_a_typed_failure(
    settings_for: Any, kube_standin: KubeStandin, tmp_path: Path
) -> None:
    broken = helm_wrapper(tmp_path, "helm", 'echo "Error: plugin crashed: boom" >&2\nexit 1\n')
    async with running_app(settings_for(helm_bin=broken)) as api:
        created = (await api.client.post("/stores", json=DEMO)).json()
        failed = await wait_for_status(api.client, created["id"], "Failed")
        assert failed["status_reason"] == (
            "installing the helm release failed: plugin crashed: boom"
        )
        await api.client.delete(f"/stores/{created['id']}")
        # Uninstall cannot work with this helm either: the delete fails visibly, not silently.
        failed_delete = await wait_for_status(api.client, created["id"], "Failed")
        assert "uninstalling the helm release failed" in failed_delete["status_reason"]


async def test_hanging_helm_is_killed_and_the_store_fails_at_its_deadline(
    settings_for: Any, kube_standin: KubeStandin, tmp_path: Path, helm_bin: Path
) -> None:
    pids = tmp_path / "pids"
    hanging = helm_wrapper(
        tmp_path,
        "helm",
        f'case "$1" in\n  upgrade) echo $$ >> {pids}; '
        f'exec sleep 600;;\n  *) exec {helm_bin} "$@";;\n'
        "esac\n",
    )
    clock = ManualClock()
    settings = settings_for(
        helm_bin=hanging, helm_timeout_seconds=1, step_deadline_seconds=21, lease_seconds=60
    )
    async with running_app(settings, clock) as api:
        created = (await api.client.post("/stores", json=DEMO)).json()
        await wait_for_store(
            api.client,
            created["id"],
            lambda s: "retrying" in (s["status_reason"] or ""),
            what="a retry of the timed-out helm",
        )
        clock.advance(21)
        failed = await wait_for_status(api.client, created["id"], "Failed")
        assert "did not succeed before its deadline" in failed["status_reason"]
        assert "did not finish within 1s" in failed["status_reason"]
        retried = [e for e in await events(api.client, created["id"]) if e["outcome"] == "retrying"]
        assert retried, "a helm timeout is transient and must be retried before failing"
    for pid in pids.read_text().split():
        assert (
            not Path(f"/proc/{pid}").exists()
            or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
        ), "a hanging helm was left running"


async def test_api_server_errors_are_retried(api: RunningApp, kube_standin: KubeStandin) -> None:
    kube_standin.faults.fail_requests(4, status=500, path_contains="/namespaces")
    created = (await api.client.post("/stores", json=DEMO)).json()
    await wait_for_status(api.client, created["id"], "Ready")
    outcomes = [(e["step"], e["outcome"]) for e in await events(api.client, created["id"])]
    assert ("namespace", "retrying") in outcomes


async def test_two_replicas_share_the_work_without_overlap(
    settings_for: Any, kube_standin: KubeStandin
) -> None:
    async with (
        running_app(settings_for(replica_id="replica-a")) as a,
        running_app(settings_for(replica_id="replica-b")) as b,
    ):
        ids = []
        for i in range(4):
            client = (a if i % 2 else b).client
            response = await client.post("/stores", json={"store_name": f"shop{i}"})
            ids.append(response.json()["id"])
        for store_id in ids:
            await wait_for_status(a.client, store_id, "Ready")
            created = [
                e
                for e in await events(a.client, store_id)
                if e["step"] == "namespace" and e["outcome"] == "succeeded"
            ]
            assert len(created) == 1
    assert len([n for n in kube_standin.namespaces() if n.startswith("shop")]) == 4


@pytest.mark.parametrize(
    ("kind", "reason", "shown"),
    [
        ("StatefulSet", "CrashLoopBackOff", "CrashLoopBackOff: pod store-mariadb-0"),
        ("Deployment", "ErrImagePull", "ErrImagePull: pod store-wordpress-"),
        ("Deployment", "Unschedulable", "Unschedulable: pod store-wordpress-"),
        ("Deployment", "QuotaExceeded", "QuotaExceeded: "),
        ("StatefulSet", "PVCPending", "PVCPending: claim data-store-mariadb-0 is not bound"),
    ],
)
async def test_blocking_reason_is_shown_while_provisioning(
    api: RunningApp, kube_standin: KubeStandin, kind: str, reason: str, shown: str
) -> None:
    kube_standin.kubelet.fail(kind, reason)
    created = (await api.client.post("/stores", json=DEMO)).json()
    waiting = await wait_for_store(
        api.client, created["id"], lambda s: shown in (s["status_reason"] or ""), what=shown
    )
    assert waiting["status"] == "Provisioning"
    timeline = await events(api.client, created["id"])
    assert any(shown in e["message"] for e in timeline if e["outcome"] == "waiting")
    kube_standin.kubelet.heal()
    await wait_for_status(api.client, created["id"], "Ready")


async def test_delete_leaves_a_namespace_that_lost_the_store_label_and_fails_visibly(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    """Someone relabelled the namespace: it is no longer provably the store's, so the platform
    neither deletes it nor claims the store is gone; the store ends Failed, saying why."""
    created = (await api.client.post("/stores", json=DEMO)).json()
    namespace = created["namespace"]
    await wait_for_status(api.client, created["id"], "Ready")
    core_api(kube_standin.kubeconfig).patch_namespace(
        namespace, {"metadata": {"labels": {STORE_ID_LABEL: "someone-else"}}}
    )
    assert (await api.client.delete(f"/stores/{created['id']}")).status_code == 202
    failed = await wait_for_status(api.client, created["id"], "Failed")
    assert failed["status_reason"].endswith(
        f"namespace {namespace} does not belong to this store; left untouched"
    )
    kept = kube_standin.get("namespaces", None, namespace)
    assert kept is not None and not kept["metadata"].get("deletionTimestamp")
    assert helm_release_records(kube_standin, namespace), "the release must be left too"
    listed = (await api.client.get("/stores")).json()
    assert [store["id"] for store in listed["items"]] == [created["id"]]
