"""Backups, restores and clones end to end: the real application, reconciler and helm with the
real store chart (backups on), against the stand-in, whose kubelet ends backup and restore Jobs
with the result lines the chart's scripts write (their termination message)."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from kubernetes import client as k8s
from sqlalchemy import update

from harness.app import RunningApp, running_app
from kube_standin import KubeStandin
from orchestrator.models import Backup, Store, StoreStatus, utcnow
from tests.orchestrator import backup_support as support
from tests.orchestrator.conftest import SettingsFor
from tests.orchestrator.lifecycle_support import (
    core_api,
    events,
    wait_for_status,
    wait_for_store,
)

SNAPSHOT = support.snapshot_of("first")


@pytest.fixture
def backup_settings(settings_for: SettingsFor) -> SettingsFor:
    """The platform on the stand-in with a backup target (never contacted: no pod runs)."""
    return lambda **overrides: settings_for(**{**support.SETTINGS, **overrides})


@pytest.fixture
async def api(backup_settings: SettingsFor, kube_standin: KubeStandin) -> AsyncIterator[RunningApp]:
    support.install_credentials(kube_standin)
    async with running_app(backup_settings()) as running:
        yield running


async def ready_store(client: httpx.AsyncClient, name: str = "shop") -> dict[str, Any]:
    created = (await client.post("/stores", json={"store_name": name})).json()
    return await wait_for_status(client, created["id"], "Ready")


async def wait_for_backup(
    client: httpx.AsyncClient, store_id: str, backup_id: str, status: str, timeout: float = 20
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    backup: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = await client.get(f"/stores/{store_id}/backups/{backup_id}")
        backup = response.json()
        if backup.get("status") == status:
            return backup
        await asyncio.sleep(0.1)
    raise AssertionError(f"backup never became {status}: {backup}")


async def succeeded_backup(client: httpx.AsyncClient, store: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"/stores/{store['id']}/backups")
    assert response.status_code == 202, response.text
    return await wait_for_backup(client, store["id"], response.json()["id"], "Succeeded")


def release_values(helm_bin: Path, kubeconfig: Path, namespace: str) -> dict[str, Any]:
    out = subprocess.run(
        [str(helm_bin), "get", "values", "store", "-n", namespace, "-o", "json",
         "--kubeconfig", str(kubeconfig)],
        check=True, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    values: dict[str, Any] = json.loads(out.stdout)
    return values


def task_jobs(kube: KubeStandin, namespace: str, task: str) -> list[dict[str, Any]]:
    return [
        job
        for job in kube.list("jobs", namespace)
        if job["metadata"].get("labels", {}).get("woo-platform/task") == task
        and "ownerReferences" not in job["metadata"]
    ]


async def test_an_on_demand_backup_runs_then_succeeds_with_its_snapshot(
    api: RunningApp, kube_standin: KubeStandin, helm_bin: Path
) -> None:
    store = await ready_store(api.client)
    assert store["backups"]["schedule"] == "30 2 * * *"
    assert store["backups"]["last_success_at"] is None
    values = release_values(helm_bin, kube_standin.kubeconfig, store["namespace"])
    assert values["backup"]["repository"] == (
        f"s3:https://s3.backups.example.test/woo-backups/stores/{store['id']}"
    )
    assert values["backup"]["target"]["port"] == 443
    copy = kube_standin.read("secrets", store["namespace"], "store-backup")
    assert set(copy["data"]) == set(support.CREDENTIALS)

    kube_standin.kubelet.mode = "hold"
    started = await api.client.post(f"/stores/{store['id']}/backups")
    assert started.status_code == 202
    backup = started.json()
    assert (backup["status"], backup["kind"], backup["snapshot_id"]) == ("Running", "manual", None)
    (job,) = kube_standin.wait_for(lambda: task_jobs(kube_standin, store["namespace"], "backup"))
    assert job["metadata"]["name"] == "backup-" + backup["id"].replace("-", "")[:8]
    assert job["metadata"]["labels"]["woo-platform/backup-id"] == backup["id"]
    assert support.container_env(job, "backup")["BACKUP_KIND"] == "manual"
    again = await api.client.post(f"/stores/{store['id']}/backups")
    assert again.status_code == 409 and backup["id"] in again.json()["detail"]

    support.backups_succeed(kube_standin, SNAPSHOT, 4096)
    kube_standin.kubelet.mode = "ready"
    done = await wait_for_backup(api.client, store["id"], backup["id"], "Succeeded")
    assert (done["snapshot_id"], done["size_bytes"]) == (SNAPSHOT, 4096)
    assert done["finished_at"] is not None

    listed = (await api.client.get(f"/stores/{store['id']}/backups")).json()["items"]
    assert [b["id"] for b in listed] == [backup["id"]]
    again_store = (await api.client.get(f"/stores/{store['id']}")).json()
    assert again_store["backups"]["last_success_at"] is not None
    assert again_store["backups"]["overdue"] is False
    timeline = [(e["step"], e["outcome"]) for e in await events(api.client, store["id"])]
    assert ("backup", "started") in timeline and ("backup", "succeeded") in timeline
    metrics = (await api.client.get("/metrics")).text
    assert 'woo_backups_total{kind="manual",outcome="succeeded"} 1.0' in metrics
    assert f'woo_store_last_backup_success_timestamp_seconds{{store_id="{store["id"]}"' in metrics


async def test_a_failed_backup_job_is_recorded_with_its_reason(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    store = await ready_store(api.client)
    kube_standin.kubelet.finish_jobs(
        3,
        support.failure_line("backup", 3, "the restic password is wrong"),
        container="backup",
        name_contains="backup-",
    )
    started = (await api.client.post(f"/stores/{store['id']}/backups")).json()
    failed = await wait_for_backup(api.client, store["id"], started["id"], "Failed")
    assert failed["reason"] == "exit 3: the restic password is wrong"
    assert failed["snapshot_id"] is None

    # A Job that fails without a result line (killed, evicted) keeps the Job's own words.
    kube_standin.kubelet.heal()
    kube_standin.kubelet.fail("Job", "BackoffLimitExceeded", name_contains="backup-")
    second = (await api.client.post(f"/stores/{store['id']}/backups")).json()
    failed = await wait_for_backup(api.client, store["id"], second["id"], "Failed")
    assert failed["reason"].startswith("BackoffLimitExceeded")
    timeline = await events(api.client, store["id"])
    assert any(
        e["outcome"] == "failed" and "restic password is wrong" in e["message"] for e in timeline
    )
    metrics = (await api.client.get("/metrics")).text
    assert 'woo_backups_total{kind="manual",outcome="failed"} 2.0' in metrics


async def test_scheduled_backups_are_learnt_from_the_cronjobs_jobs(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    store = await ready_store(api.client)
    support.backups_succeed(kube_standin, SNAPSHOT, 1234)
    cronjob = kube_standin.read("cronjobs", store["namespace"], "store-backup")
    template = cronjob["spec"]["jobTemplate"]
    # What the CronJob controller creates at the scheduled time.
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": "store-backup-29413590",
            "labels": template["metadata"]["labels"],
            "ownerReferences": [
                {
                    "apiVersion": "batch/v1",
                    "kind": "CronJob",
                    "name": "store-backup",
                    "uid": cronjob["metadata"]["uid"],
                    "controller": True,
                }
            ],
        },
        "spec": template["spec"],
    }
    batch = k8s.BatchV1Api(core_api(kube_standin.kubeconfig).api_client)
    batch.create_namespaced_job(store["namespace"], job)  # type: ignore[arg-type]

    async def scheduled() -> list[dict[str, Any]]:
        items = (await api.client.get(f"/stores/{store['id']}/backups")).json()["items"]
        return [b for b in items if b["kind"] == "scheduled" and b["status"] == "Succeeded"]

    deadline = time.monotonic() + 20
    while not await scheduled():
        assert time.monotonic() < deadline, "the scheduled backup was never recorded"
        await asyncio.sleep(0.1)
    (backup,) = await scheduled()
    assert (backup["snapshot_id"], backup["size_bytes"]) == (SNAPSHOT, 1234)


async def test_restore_goes_through_restoring_to_ready_after_a_safety_backup(
    api: RunningApp, kube_standin: KubeStandin, helm_bin: Path
) -> None:
    store = await ready_store(api.client)
    support.backups_succeed(kube_standin, SNAPSHOT, 4096)
    backup = await succeeded_backup(api.client, store)
    support.restores_succeed(kube_standin, SNAPSHOT)

    response = await api.client.post(
        f"/stores/{store['id']}/restore", json={"backup_id": backup["id"]}
    )
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "Restoring"
    # The answer shows the store as every route does, backup summary included.
    assert response.json()["backups"]["last_success_at"] is not None
    seen: set[str] = set()

    def watch(s: dict[str, Any]) -> bool:
        seen.add(s["status"])
        return bool(s["status"] == "Ready")

    restored = await wait_for_store(api.client, store["id"], watch, timeout=60, what="Ready")
    assert "Restoring" in seen
    assert restored["status_reason"] is None

    timeline = [(e["step"], e["outcome"]) for e in await events(api.client, store["id"])]
    order = [
        ("restore", "accepted"),
        ("safety-backup", "succeeded"),
        ("pause", "succeeded"),
        ("restore", "succeeded"),
        ("release", "succeeded"),
        ("readiness", "succeeded"),
    ]
    positions = [timeline.index(step, timeline.index(order[0])) for step in order]
    assert positions == sorted(positions), timeline

    items = (await api.client.get(f"/stores/{store['id']}/backups")).json()["items"]
    safety = [b for b in items if b["kind"] == "safety"]
    assert [b["status"] for b in safety] == ["Succeeded"]
    (restore_job,) = task_jobs(kube_standin, store["namespace"], "restore")
    env = support.container_env(restore_job, "restore")
    assert env["SNAPSHOT_ID"] == SNAPSHOT
    assert env.get("SOURCE_REPOSITORY", "") == ""
    # The storefront runs again: the release is no longer paused.
    values = release_values(helm_bin, kube_standin.kubeconfig, store["namespace"])
    assert values["storefront"] == {"paused": False}
    wordpress = kube_standin.read("deployments", store["namespace"], "store-wordpress")
    assert wordpress["spec"]["replicas"] == 1
    metrics = (await api.client.get("/metrics")).text
    assert 'woo_restores_total{kind="restore",outcome="succeeded"} 1.0' in metrics


async def test_restores_that_cannot_be_are_refused_and_change_nothing(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    support.backups_succeed(kube_standin, SNAPSHOT, 10)
    shop = await ready_store(api.client, "shop")
    other = await ready_store(api.client, "other")
    theirs = await succeeded_backup(api.client, other)
    kube_standin.kubelet.heal()
    kube_standin.kubelet.finish_jobs(1, "", container="backup", name_contains="backup-")
    kube_standin.kubelet.fail("Job", "BackoffLimitExceeded", name_contains="backup-")
    failed = (await api.client.post(f"/stores/{shop['id']}/backups")).json()
    await wait_for_backup(api.client, shop["id"], failed["id"], "Failed")

    cases = [
        ({"backup_id": "no-such-backup"}, 404, "not_found"),
        ({"backup_id": theirs["id"]}, 422, "validation_error"),
        ({"backup_id": failed["id"]}, 409, "invalid_state"),
        ({"backup_id": theirs["id"], "extra": 1}, 422, "validation_error"),
    ]
    for body, status, code in cases:
        response = await api.client.post(f"/stores/{shop['id']}/restore", json=body)
        assert (response.status_code, response.json()["error"]) == (status, code), body
    assert (
        "clone_from"
        in (
            await api.client.post(f"/stores/{shop['id']}/restore", json={"backup_id": theirs["id"]})
        ).json()["detail"]
    )

    provisioning = (await api.client.post("/stores", json={"store_name": "young"})).json()
    response = await api.client.post(
        f"/stores/{provisioning['id']}/restore", json={"backup_id": theirs["id"]}
    )
    assert (response.status_code, response.json()["error"]) == (409, "invalid_state")
    after = (await api.client.get(f"/stores/{shop['id']}")).json()
    assert after["status"] == "Ready"
    assert task_jobs(kube_standin, shop["namespace"], "restore") == []
    missing = await api.client.get(f"/stores/{shop['id']}/backups/{theirs['id']}")
    assert missing.status_code == 404

    # A store whose data is lost has no volumes to restore into: the way back is a clone.
    async with api.app.state.sessions() as session:
        lost = await session.get(Store, other["id"])
        assert lost is not None
        lost.status, lost.data_lost_at = StoreStatus.DEGRADED, utcnow()
        lost.status_reason = "data lost: namespace gone"
        await session.commit()
    refused = await api.client.post(
        f"/stores/{other['id']}/restore", json={"backup_id": theirs["id"]}
    )
    assert (refused.status_code, refused.json()["error"]) == (409, "invalid_state")
    assert "clone_from" in refused.json()["detail"]
    assert task_jobs(kube_standin, other["namespace"], "restore") == []


async def test_backups_disabled_are_refused(
    backup_settings: SettingsFor, kube_standin: KubeStandin
) -> None:
    async with running_app(backup_settings(backup_endpoint=None)) as running:
        store = await ready_store(running.client)
        assert store["backups"] is None
        for method, path, body in [
            ("POST", f"/stores/{store['id']}/backups", None),
            ("POST", f"/stores/{store['id']}/restore", {"backup_id": "x"}),
            ("POST", "/stores", {"store_name": "copy", "clone_from": {"store_id": store["id"]}}),
        ]:
            response = await running.client.request(method, path, json=body)
            assert (response.status_code, response.json()["error"]) == (409, "backups_disabled")
        assert "store-backup" not in [
            s["metadata"]["name"] for s in kube_standin.list("secrets", store["namespace"])
        ]


async def test_a_failed_safety_backup_abandons_the_restore_with_the_data_untouched(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    store = await ready_store(api.client)
    support.backups_succeed(kube_standin, SNAPSHOT, 10)
    backup = await succeeded_backup(api.client, store)
    kube_standin.kubelet.finish_jobs(
        1, support.failure_line("backup", 1, "the backup target is unreachable"),
        container="backup", name_contains="backup-",
    )  # fmt: skip
    response = await api.client.post(
        f"/stores/{store['id']}/restore", json={"backup_id": backup["id"]}
    )
    assert response.status_code == 202
    degraded = await wait_for_status(api.client, store["id"], "Degraded", timeout=60)
    assert "restore abandoned, the store's data is unchanged" in degraded["status_reason"]
    assert "backup target is unreachable" in degraded["status_reason"]
    assert task_jobs(kube_standin, store["namespace"], "restore") == []
    wordpress = kube_standin.read("deployments", store["namespace"], "store-wordpress")
    assert wordpress["spec"]["replicas"] == 1


async def test_a_failed_restore_job_fails_the_store_with_the_reason_and_retry_restores(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    store = await ready_store(api.client)
    support.backups_succeed(kube_standin, SNAPSHOT, 10)
    backup = await succeeded_backup(api.client, store)
    kube_standin.kubelet.finish_jobs(
        3, support.failure_line("restore", 3, f"there is no snapshot {SNAPSHOT[:8]}"),
        container="restore", name_contains="restore-",
    )  # fmt: skip
    await api.client.post(
        f"/stores/{store['id']}/restore", json={"backup_id": backup["id"], "safety_backup": False}
    )
    failed = await wait_for_status(api.client, store["id"], "Failed", timeout=60)
    assert "exit 3: there is no snapshot" in failed["status_reason"]
    items = (await api.client.get(f"/stores/{store['id']}/backups")).json()["items"]
    assert [b["kind"] for b in items] == ["manual"]  # no safety backup was asked for

    support.restores_succeed(kube_standin, SNAPSHOT)
    retried = await api.client.post(f"/stores/{store['id']}/retry")
    assert retried.json()["status"] == "Restoring"
    await wait_for_status(api.client, store["id"], "Ready", timeout=60)
    assert len(task_jobs(kube_standin, store["namespace"], "restore")) == 2


async def test_clone_seeds_a_new_store_that_adopts_the_site(
    api: RunningApp, kube_standin: KubeStandin, helm_bin: Path
) -> None:
    source = await ready_store(api.client, "source")
    support.backups_succeed(kube_standin, SNAPSHOT, 10)
    backup = await succeeded_backup(api.client, source)
    support.restores_succeed(kube_standin, SNAPSHOT)

    response = await api.client.post(
        "/stores", json={"store_name": "copy", "clone_from": {"store_id": source["id"]}}
    )
    assert response.status_code == 202, response.text
    clone = await wait_for_status(api.client, response.json()["id"], "Ready", timeout=60)
    assert clone["namespace"] != source["namespace"]
    assert clone["domain"] == "copy.localhost"
    assert clone["backups"]["cloned_from_store_id"] == source["id"]

    (restore_job,) = task_jobs(kube_standin, clone["namespace"], "restore")
    env = support.container_env(restore_job, "restore")
    assert env["SNAPSHOT_ID"] == backup["snapshot_id"]
    assert env["SOURCE_REPOSITORY"].endswith(f"/woo-backups/stores/{source['id']}")
    assert env["SOURCE_STORE_ID"] == source["id"]
    values = release_values(helm_bin, kube_standin.kubeconfig, clone["namespace"])
    assert values["setup"]["adoptRestoredSite"] is True
    assert values["backup"]["storeId"] == clone["id"]
    # Fresh credentials of its own.
    theirs = kube_standin.read("secrets", source["namespace"], "store-admin-credentials")
    mine = kube_standin.read("secrets", clone["namespace"], "store-admin-credentials")
    assert theirs["data"]["admin-password"] != mine["data"]["admin-password"]
    first = (await events(api.client, clone["id"]))[0]
    assert backup["id"] in first["message"]

    refused = await api.client.post(
        "/stores",
        json={
            "store_name": "copy2",
            "clone_from": {"store_id": clone["id"], "backup_id": backup["id"]},
        },
    )
    assert refused.status_code == 422


async def test_backups_outlive_their_store_and_still_seed_a_clone(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    source = await ready_store(api.client, "gone")
    support.backups_succeed(kube_standin, SNAPSHOT, 10)
    backup = await succeeded_backup(api.client, source)
    await api.client.delete(f"/stores/{source['id']}")
    await wait_for_status(api.client, source["id"], "Deleted", timeout=60)
    await api.app.state.housekeeping.sweep()

    listed = (await api.client.get("/backups", params={"store_id": source["id"]})).json()["items"]
    assert [b["id"] for b in listed] == [backup["id"]]
    assert listed[0]["expires_at"] is not None
    assert listed[0]["store_name"] == "gone"

    support.restores_succeed(kube_standin, SNAPSHOT)
    response = await api.client.post(
        "/stores",
        json={
            "store_name": "reborn",
            "clone_from": {"store_id": source["id"], "backup_id": backup["id"]},
        },
    )
    assert response.status_code == 202, response.text
    await wait_for_status(api.client, response.json()["id"], "Ready", timeout=60)
    unknown = await api.client.get("/backups", params={"store_id": "never-was"})
    assert unknown.json()["items"] == []


async def test_a_store_may_ask_for_its_own_backup_schedule(
    api: RunningApp, kube_standin: KubeStandin, helm_bin: Path
) -> None:
    refused = await api.client.post(
        "/stores", json={"store_name": "odd", "backup_schedule": "daily"}
    )
    assert refused.status_code == 422
    assert refused.json()["fields"][0]["field"] == "backup_schedule"
    store = (
        await api.client.post(
            "/stores", json={"store_name": "often", "backup_schedule": "0 */6 * * *"}
        )
    ).json()
    assert store["backups"]["schedule"] == "0 */6 * * *"
    ready = await wait_for_status(api.client, store["id"], "Ready")
    values = release_values(helm_bin, kube_standin.kubeconfig, ready["namespace"])
    assert values["backup"]["schedule"] == "0 */6 * * *"
    cronjob = kube_standin.read("cronjobs", ready["namespace"], "store-backup")
    assert cronjob["spec"]["schedule"] == "0 */6 * * *"


async def test_housekeeping_forgets_expired_backups_and_ends_lost_ones(
    api: RunningApp, kube_standin: KubeStandin, caplog: pytest.LogCaptureFixture
) -> None:
    """An expired backup of a deleted store is forgotten (its repository named in the log, the
    data left to the operator); a backup whose Job was never seen ending is recorded Failed."""
    source = await ready_store(api.client, "old")
    support.backups_succeed(kube_standin, SNAPSHOT, 10)
    kept = await succeeded_backup(api.client, source)
    kube_standin.kubelet.heal()
    kube_standin.kubelet.mode = "hold"
    lost = (await api.client.post(f"/stores/{source['id']}/backups")).json()
    # The store goes, and its running Job with it, before the Job could report an end.
    await api.client.delete(f"/stores/{source['id']}")
    await wait_for_status(api.client, source["id"], "Deleted", timeout=60)

    long_ago = datetime.now(UTC) - timedelta(days=1)
    async with api.app.state.sessions() as session:
        await session.execute(
            update(Backup).where(Backup.id == lost["id"]).values(started_at=long_ago)
        )
        await session.commit()
    await api.app.state.housekeeping.sweep()
    listed = {
        b["id"]: b
        for b in (await api.client.get("/backups", params={"store_id": source["id"]})).json()[
            "items"
        ]
    }
    assert listed[lost["id"]]["status"] == "Failed"
    assert "no result" in listed[lost["id"]]["reason"]
    assert listed[kept["id"]]["expires_at"] is not None

    async with api.app.state.sessions() as session:
        await session.execute(update(Backup).values(expires_at=long_ago))
        await session.commit()
    caplog.set_level(logging.INFO)
    await api.app.state.housekeeping.sweep()
    assert (await api.client.get("/backups", params={"store_id": source["id"]})).json()[
        "items"
    ] == []
    assert any(
        f"woo-backups/stores/{source['id']} is no longer used" in record.getMessage()
        for record in caplog.records
    )


async def test_a_replica_that_starts_later_reads_no_pods_for_backups_already_recorded(
    api: RunningApp, backup_settings: SettingsFor, kube_standin: KubeStandin
) -> None:
    store = await ready_store(api.client)
    support.backups_succeed(kube_standin, SNAPSHOT, 10)
    backup = await succeeded_backup(api.client, store)
    seen = len(kube_standin.requests)
    async with running_app(backup_settings()) as second:
        objects = second.app.state.reconciler.steps.objects
        await second.app.state.control.run(objects.wait_synced())
        await asyncio.sleep(1)  # its tracker's first look at every task Job
        again = (await second.client.get(f"/stores/{store['id']}/backups/{backup['id']}")).json()
    assert again == backup
    pod_reads = [
        r
        for r in kube_standin.requests[seen:]
        if r.path.endswith("/pods") and "job-name" in r.query
    ]
    assert pod_reads == []


async def test_a_restore_job_that_never_ends_fails_the_store_at_its_deadline(
    backup_settings: SettingsFor, kube_standin: KubeStandin
) -> None:
    support.install_credentials(kube_standin)
    async with running_app(backup_settings(backup_deadline_seconds=4)) as api:
        store = await ready_store(api.client)
        support.backups_succeed(kube_standin, SNAPSHOT, 10)
        backup = await succeeded_backup(api.client, store)
        # The quota refuses the restore's pod: the Job exists and never ends.
        kube_standin.kubelet.fail("Job", "QuotaExceeded", name_contains="restore-")
        body = {"backup_id": backup["id"], "safety_backup": False}
        assert (
            await api.client.post(f"/stores/{store['id']}/restore", json=body)
        ).status_code == 202
        failed = await wait_for_status(api.client, store["id"], "Failed", timeout=30)
    assert "no result within 4s" in failed["status_reason"]
    assert backup["id"] in failed["status_reason"]


async def test_a_restore_resumes_after_the_orchestrator_stops_mid_way(
    backup_settings: SettingsFor, kube_standin: KubeStandin
) -> None:
    support.install_credentials(kube_standin)
    settings = backup_settings()
    async with running_app(settings) as api:
        store = await ready_store(api.client)
        support.backups_succeed(kube_standin, SNAPSHOT, 10)
        backup = await succeeded_backup(api.client, store)
        kube_standin.kubelet.fail("Job", "QuotaExceeded", name_contains="restore-")
        await api.client.post(f"/stores/{store['id']}/restore", json={"backup_id": backup["id"]})
        await wait_for_store(
            api.client,
            store["id"],
            lambda s: (s["status_reason"] or "").startswith("restoring backup"),
            what="the restore Job running",
        )
    # A new process: the restore, recorded on the store, goes on from the Job it had started.
    kube_standin.kubelet.heal()
    support.restores_succeed(kube_standin, SNAPSHOT)
    async with running_app(settings) as api:
        await wait_for_status(api.client, store["id"], "Ready", timeout=60)
        timeline = [(e["step"], e["outcome"]) for e in await events(api.client, store["id"])]
    assert timeline.count(("safety-backup", "succeeded")) == 1
    assert ("restore", "succeeded") in timeline
    assert len(task_jobs(kube_standin, store["namespace"], "restore")) == 1


async def test_a_backup_job_the_cluster_refuses_is_a_503_and_a_failed_backup(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    store = await ready_store(api.client)
    kube_standin.faults.fail_requests(1, status=500, method="POST", path_contains="/jobs")
    response = await api.client.post(f"/stores/{store['id']}/backups")
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    (backup,) = (await api.client.get(f"/stores/{store['id']}/backups")).json()["items"]
    assert backup["status"] == "Failed"
    assert backup["reason"].startswith("the backup Job could not be created")
    # Nothing is left running: the next one may start.
    support.backups_succeed(kube_standin, SNAPSHOT, 10)
    assert (await succeeded_backup(api.client, store))["snapshot_id"] == SNAPSHOT
