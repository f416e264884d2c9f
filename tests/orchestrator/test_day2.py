"""Day-2 operations over whole lifecycles, against the stand-in with its fake kubelet and the real
helm and chart: repair of a store whose objects vanished (Secrets and claims untouched), a store
whose data is gone (reported, never recreated until asked), bounded automatic repairs, suspend
and resume, and the diagnostics (workloads, warnings, logs: bounded and without secrets)."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

from kubernetes import client as k8s
from kubernetes import config as k8s_config

from harness.app import running_app
from kube_standin import KubeStandin
from orchestrator.config import REPO_ROOT, Settings
from tests.orchestrator.conftest import make_settings
from tests.orchestrator.lifecycle_support import events, wait_for_status, wait_for_store

SECRETS = ("store-db-credentials", "store-admin-credentials")
CLAIMS = ("store-wordpress-content", "data-store-mariadb-0")


def settings(
    database_url: str, tmp_path: Path, kube: KubeStandin, helm_bin: Path, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "kubeconfig": kube.kubeconfig,
        "helm_bin": helm_bin,
        "chart_path": REPO_ROOT / "helm" / "woocommerce",
        "values_dir": REPO_ROOT,
        "repair_backoff_seconds": 0.3,
        **overrides,
    }
    return make_settings(database_url, tmp_path, **values)


def store(name: str) -> dict[str, str]:
    return {"store_name": name, "domain": f"{name}.localhost", "environment": "local"}


def apis(kubeconfig: Path) -> tuple[k8s.CoreV1Api, k8s.AppsV1Api]:
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
        str(kubeconfig), client_configuration=configuration
    )
    api = k8s.ApiClient(configuration)
    return k8s.CoreV1Api(api), k8s.AppsV1Api(api)


def kept(kube: KubeStandin, namespace: str) -> dict[str, Any]:
    """What a repair must leave alone: the Secrets (version and data) and the claims (uid)."""
    found: dict[str, Any] = {}
    for name in SECRETS:
        secret = kube.read("secrets", namespace, name)
        found[name] = (secret["metadata"]["resourceVersion"], secret["data"])
    for name in CLAIMS:
        found[name] = kube.read("persistentvolumeclaims", namespace, name)["metadata"]["uid"]
    return found


def timeline(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["step"], e["outcome"]) for e in items]


async def test_a_deployment_deleted_out_of_band_is_repaired_with_secrets_and_claims_kept(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> None:
    _, apps = apis(kube_standin.kubeconfig)
    async with running_app(settings(postgres_database, tmp_path, kube_standin, helm_bin)) as api:
        created = (await api.client.post("/stores", json=store("fixme"))).json()
        await wait_for_status(api.client, created["id"], "Ready")
        namespace = created["namespace"]
        before = kept(kube_standin, namespace)
        events_before = len(await events(api.client, created["id"]))

        apps.delete_namespaced_deployment("store-wordpress", namespace)
        await wait_for_store(
            api.client,
            created["id"],
            lambda s: (
                s["status"] == "Ready"
                and kube_standin.get("deployments", namespace, "store-wordpress") is not None
            ),
            timeout=30,
            what="Ready with its Deployment back",
        )
        after = (await events(api.client, created["id"]))[events_before:]

    assert kept(kube_standin, namespace) == before
    steps = timeline(after)
    assert steps[0] == ("health", "degraded")
    assert steps[1] == ("health", "waiting")
    assert ("data", "succeeded") in steps
    assert ("release", "succeeded") in steps
    messages = [e["message"] for e in after]
    assert "missing from the cluster: WordPress Deployment" in messages[0]
    assert messages[1].startswith("automatic repair 1 of 3 in 0s")
    [repaired] = [m for m in messages if m.startswith("repaired:")]
    assert "Secrets and volume claims kept" in repaired
    assert "restored what was wrong: missing from the cluster: WordPress Deployment" in repaired
    assert any(m.startswith("secrets already present, kept") for m in messages)


async def test_a_store_scaled_to_zero_by_hand_is_scaled_back(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> None:
    _, apps = apis(kube_standin.kubeconfig)
    async with running_app(settings(postgres_database, tmp_path, kube_standin, helm_bin)) as api:
        created = (await api.client.post("/stores", json=store("scaled"))).json()
        await wait_for_status(api.client, created["id"], "Ready")
        namespace = created["namespace"]
        # What `kubectl scale --replicas=0` amounts to (the stand-in has no scale subresource).
        apps.patch_namespaced_deployment("store-wordpress", namespace, {"spec": {"replicas": 0}})
        await wait_for_store(
            api.client,
            created["id"],
            lambda s: (
                s["status"] == "Ready"
                and kube_standin.read("deployments", namespace, "store-wordpress")["spec"][
                    "replicas"
                ]
                == 1
            ),
            timeout=30,
            what="Ready at one replica again",
        )
        messages = [e["message"] for e in await events(api.client, created["id"])]
    assert "scaled to zero outside the platform: WordPress Deployment" in messages


async def test_lost_data_is_reported_never_recreated_until_asked(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> None:
    core, _ = apis(kube_standin.kubeconfig)
    async with running_app(settings(postgres_database, tmp_path, kube_standin, helm_bin)) as api:
        created = (await api.client.post("/stores", json=store("gone"))).json()
        store_id, namespace = created["id"], created["namespace"]
        await wait_for_status(api.client, store_id, "Ready")
        old_uid = kube_standin.read("namespaces", None, namespace)["metadata"]["uid"]

        core.delete_namespace(namespace)
        lost = await wait_for_store(
            api.client,
            store_id,
            lambda s: s["data_lost_at"] is not None,
            timeout=30,
            what="data lost",
        )
        assert lost["status"] == "Degraded"
        assert lost["status_reason"].startswith("data lost: namespace " + namespace)
        assert "recreate_empty" in lost["status_reason"]

        # Time passes, changes come and go: nothing is recreated, nothing is retried.
        await asyncio.sleep(2.0)
        kube_standin.wait_for(lambda: kube_standin.get("namespaces", None, namespace) is None)
        await asyncio.sleep(1.0)
        assert kube_standin.get("namespaces", None, namespace) is None
        still = (await api.client.get(f"/stores/{store_id}")).json()
        assert (still["status"], still["data_lost_at"]) == ("Degraded", lost["data_lost_at"])

        # Only an explicit choice: a plain repair or a suspension is refused.
        for path, body in (("reconcile", None), ("suspend", None), ("resume", None)):
            refused = await api.client.post(f"/stores/{store_id}/{path}", json=body)
            assert refused.status_code == 409, path
            assert refused.json()["error"] == "invalid_state"
        assert kube_standin.get("namespaces", None, namespace) is None

        recreate = await api.client.post(
            f"/stores/{store_id}/reconcile", json={"recreate_empty": True}
        )
        assert recreate.status_code == 202
        assert recreate.json()["status"] == "Provisioning"
        ready = await wait_for_status(api.client, store_id, "Ready", timeout=30)
        assert ready["data_lost_at"] is None
        new_uid = kube_standin.read("namespaces", None, namespace)["metadata"]["uid"]
        assert new_uid != old_uid

        # Recreating a store whose data is there is refused.
        again = await api.client.post(
            f"/stores/{store_id}/reconcile", json={"recreate_empty": True}
        )
        assert again.status_code == 409
        messages = [e["message"] for e in await events(api.client, store_id)]
    assert any(m.startswith("recreate empty requested") for m in messages)


async def test_a_deleted_volume_claim_is_lost_data(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> None:
    core, _ = apis(kube_standin.kubeconfig)
    async with running_app(settings(postgres_database, tmp_path, kube_standin, helm_bin)) as api:
        created = (await api.client.post("/stores", json=store("claim"))).json()
        store_id, namespace = created["id"], created["namespace"]
        await wait_for_status(api.client, store_id, "Ready")
        old_uid = kube_standin.read("persistentvolumeclaims", namespace, "data-store-mariadb-0")[
            "metadata"
        ]["uid"]
        core.delete_namespaced_persistent_volume_claim(
            "data-store-mariadb-0", namespace, _preload_content=False
        )
        # The StatefulSet's controller makes a new, empty claim of the same name (on a real
        # cluster once the pod lets go of the old one). Nothing is unhealthy, so an operator's
        # repair is what finds it: it stops before applying anything.
        accepted = await api.client.post(f"/stores/{store_id}/reconcile")
        assert accepted.status_code == 202
        lost = await wait_for_store(
            api.client, store_id, lambda s: s["data_lost_at"] is not None, what="data lost"
        )
        revisions = [
            e["message"] for e in await events(api.client, store_id) if e["step"] == "release"
        ]
    assert lost["status_reason"].startswith(
        "data lost: volume claim data-store-mariadb-0 was deleted and replaced by a new, empty one"
    )
    replacement = kube_standin.read("persistentvolumeclaims", namespace, "data-store-mariadb-0")
    assert replacement["metadata"]["uid"] != old_uid
    # Helm ran once, at the install: the repair applied nothing.
    assert len([m for m in revisions if m.startswith("release revision")]) == 1


async def test_a_deleted_secret_is_lost_data_and_never_regenerated(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> None:
    """The database was written with the deleted password: a new one would lock WordPress out,
    so the repair stops instead of creating it."""
    core, _ = apis(kube_standin.kubeconfig)
    async with running_app(settings(postgres_database, tmp_path, kube_standin, helm_bin)) as api:
        created = (await api.client.post("/stores", json=store("secretless"))).json()
        store_id, namespace = created["id"], created["namespace"]
        await wait_for_status(api.client, store_id, "Ready")
        core.delete_namespaced_secret("store-db-credentials", namespace)
        assert (await api.client.post(f"/stores/{store_id}/reconcile")).status_code == 202
        lost = await wait_for_store(
            api.client, store_id, lambda s: s["data_lost_at"] is not None, what="data lost"
        )
    assert lost["status_reason"].startswith("data lost: Secret store-db-credentials is gone")
    assert kube_standin.get("secrets", namespace, "store-db-credentials") is None


async def test_automatic_repairs_are_bounded(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> None:
    """A store that keeps crashing is repaired repair_max_attempts times, then left Degraded
    for an operator, whose reconcile starts a new round."""
    config = settings(
        postgres_database,
        tmp_path,
        kube_standin,
        helm_bin,
        repair_max_attempts=2,
        repair_backoff_seconds=0.2,
        ready_deadline_seconds=1.5,
        resync_seconds=0.5,
    )
    async with running_app(config) as api:
        created = (await api.client.post("/stores", json=store("flaky"))).json()
        store_id = created["id"]
        await wait_for_status(api.client, store_id, "Ready")
        kube_standin.kubelet.fail("Deployment", "CrashLoopBackOff", name_contains="wordpress")

        async def gave_up() -> list[str]:
            return [
                e["message"]
                for e in await events(api.client, store_id)
                if e["message"].startswith("no automatic repair")
                or e["message"].startswith("automatic repair")
            ]

        deadline = asyncio.get_running_loop().time() + 40
        while not any(m.startswith("no automatic repair") for m in await gave_up()):
            assert asyncio.get_running_loop().time() < deadline, await gave_up()
            await asyncio.sleep(0.2)
        await asyncio.sleep(2.0)
        messages = await gave_up()
        scheduled = [m for m in messages if m.startswith("automatic repair")]
        assert [m.split(" in ")[0] for m in scheduled] == [
            "automatic repair 1 of 2",
            "automatic repair 2 of 2",
        ]
        degraded = (await api.client.get(f"/stores/{store_id}")).json()
        assert degraded["status"] == "Degraded"

        # Why it keeps crashing: the instance before the last restart.
        crashed = await api.client.get(
            f"/stores/{store_id}/logs", params={"container": "wordpress", "previous": "true"}
        )
        assert crashed.status_code == 200, crashed.text
        assert crashed.json()["previous"] is True
        assert crashed.json()["lines"] == [
            "wordpress: the previous instance exited with code 1 (Error)"
        ]
        no_previous = await api.client.get(
            f"/stores/{store_id}/logs", params={"container": "mariadb", "previous": "true"}
        )
        assert no_previous.status_code == 409
        assert "has no previous instance" in no_previous.json()["detail"]

        kube_standin.kubelet.heal()
        forced = await api.client.post(f"/stores/{store_id}/reconcile", json={})
        assert forced.status_code == 202
        await wait_for_status(api.client, store_id, "Ready", timeout=30)


async def test_suspend_and_resume(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> None:
    async with running_app(settings(postgres_database, tmp_path, kube_standin, helm_bin)) as api:
        created = (await api.client.post("/stores", json=store("sleepy"))).json()
        store_id, namespace = created["id"], created["namespace"]
        refused = await api.client.post(f"/stores/{store_id}/suspend")
        assert refused.status_code == 409, "a store still provisioning is not suspended"
        await wait_for_status(api.client, store_id, "Ready")
        before = kept(kube_standin, namespace)

        accepted = await api.client.post(f"/stores/{store_id}/suspend")
        assert accepted.status_code == 202
        assert accepted.json()["status"] == "Suspended"
        suspended = await wait_for_store(
            api.client,
            store_id,
            lambda s: (s["status_reason"] or "").startswith("suspended:"),
            what="suspended",
        )
        assert suspended["status"] == "Suspended"
        assert (
            kube_standin.read("deployments", namespace, "store-wordpress")["spec"]["replicas"] == 0
        )
        assert (
            kube_standin.read("statefulsets", namespace, "store-mariadb")["spec"]["replicas"] == 0
        )
        assert kube_standin.read("cronjobs", namespace, "store-cron")["spec"]["suspend"] is True
        assert kube_standin.read("deployments", namespace, "store-maintenance")
        assert kube_standin.read("configmaps", namespace, "store-maintenance")
        service = kube_standin.read("services", namespace, "store-wordpress")
        assert service["spec"]["selector"]["app.kubernetes.io/component"] == "maintenance"
        pods = (await api.client.get(f"/stores/{store_id}/workloads")).json()["pods"]
        assert {p["component"] for p in pods} == {"maintenance"}
        assert kept(kube_standin, namespace) == before

        again = await api.client.post(f"/stores/{store_id}/suspend")
        assert again.status_code == 409
        assert again.json()["error"] == "invalid_state"

        resumed = await api.client.post(f"/stores/{store_id}/resume")
        assert resumed.status_code == 202
        await wait_for_status(api.client, store_id, "Ready", timeout=30)
        assert kube_standin.get("deployments", namespace, "store-maintenance") is None
        assert (
            kube_standin.read("deployments", namespace, "store-wordpress")["spec"]["replicas"] == 1
        )
        assert kept(kube_standin, namespace) == before
        not_suspended = await api.client.post(f"/stores/{store_id}/resume")
        assert not_suspended.status_code == 409
        steps = timeline(await events(api.client, store_id))
    assert steps.count(("request", "accepted")) == 3


async def test_suspended_stores_are_not_judged_unhealthy(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> None:
    config = settings(postgres_database, tmp_path, kube_standin, helm_bin, resync_seconds=0.3)
    async with running_app(config) as api:
        created = (await api.client.post("/stores", json=store("quiet"))).json()
        store_id = created["id"]
        await wait_for_status(api.client, store_id, "Ready")
        await api.client.post(f"/stores/{store_id}/suspend")
        suspended = await wait_for_store(
            api.client,
            store_id,
            lambda s: (s["status_reason"] or "").startswith("suspended:"),
            what="suspended",
        )
        await asyncio.sleep(1.5)  # several full health checks
        now = (await api.client.get(f"/stores/{store_id}")).json()
        metrics = (await api.client.get("/metrics")).text
    assert (now["status"], now["updated_at"]) == ("Suspended", suspended["updated_at"])
    assert 'woo_stores{status="Suspended"} 1.0' in metrics


async def test_diagnostics_are_bounded_and_keep_secrets_out(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> None:
    core, _ = apis(kube_standin.kubeconfig)
    async with running_app(settings(postgres_database, tmp_path, kube_standin, helm_bin)) as api:
        created = (await api.client.post("/stores", json=store("peek"))).json()
        store_id, namespace = created["id"], created["namespace"]
        await wait_for_status(api.client, store_id, "Ready")

        workloads = (await api.client.get(f"/stores/{store_id}/workloads")).json()
        by_component = {p["component"]: p for p in workloads["pods"]}
        assert {"wordpress", "mariadb", "setup"} <= set(by_component)
        wordpress = by_component["wordpress"]
        assert wordpress["phase"] == "Running" and wordpress["ready"] is True
        assert wordpress["restarts"] == 0 and wordpress["last_termination_reason"] is None
        assert wordpress["image"] == wordpress["containers"][0]["image"]
        assert [c["name"] for c in wordpress["containers"]] == ["wordpress"]

        core.create_namespaced_event(
            namespace,
            {  # type: ignore[arg-type]
                "metadata": {"name": "probe-failed"},
                "type": "Warning",
                "reason": "Unhealthy",
                "message": "Readiness probe failed: HTTP probe failed with statuscode: 500",
                "involvedObject": {"kind": "Pod", "name": wordpress["name"]},
                "lastTimestamp": "2026-11-30T12:00:00Z",
                "count": 3,
            },
        )
        warnings = (await api.client.get(f"/stores/{store_id}/warnings")).json()["items"]
        assert {
            "reason": "Unhealthy",
            "object": f"Pod/{wordpress['name']}",
            "count": 3,
        }.items() <= warnings[0].items()
        in_workloads = (await api.client.get(f"/stores/{store_id}/workloads")).json()["warnings"]
        assert [w["reason"] for w in in_workloads] == [w["reason"] for w in warnings]

        secret = kube_standin.read("secrets", namespace, "store-db-credentials")["data"]
        password = base64.b64decode(secret["mariadb-password"]).decode()
        admin = kube_standin.read("secrets", namespace, "store-admin-credentials")["data"]
        admin_password = base64.b64decode(admin["admin-password"]).decode()
        kube_standin.write_log(
            namespace,
            wordpress["name"],
            "wordpress",
            "\n".join(
                [f"request {n}" for n in range(1, 1500)]
                + [f"connecting with password={password}", f"admin login {admin_password} ok"]
            ),
        )
        logs = await api.client.get(
            f"/stores/{store_id}/logs", params={"container": "wordpress", "tail": 3}
        )
        assert logs.status_code == 200, logs.text
        body = logs.json()
        assert body["pod"] == wordpress["name"]
        assert body["lines"] == [
            "request 1499",
            "connecting with password=[redacted]",
            "admin login [redacted] ok",
        ]
        assert password not in logs.text and admin_password not in logs.text

        longest = (
            await api.client.get(
                f"/stores/{store_id}/logs",
                params={"container": "wordpress", "pod": wordpress["name"], "tail": 1000},
            )
        ).json()
        assert len(longest["lines"]) == 1000

        invalid: list[dict[str, str | int]] = [
            {"container": "wordpress", "tail": 0},
            {"container": "wordpress", "tail": 1001},
            {"container": "WordPress"},
            {"container": "wordpress", "pod": "../../secrets"},
            {},
        ]
        for params in invalid:
            refused = await api.client.get(f"/stores/{store_id}/logs", params=params)
            assert refused.status_code == 422, params
            assert refused.json()["error"] == "validation_error"
        missing = await api.client.get(f"/stores/{store_id}/logs", params={"container": "php-fpm"})
        assert missing.status_code == 404
        unknown = await api.client.get("/stores/00000000-0000-0000-0000-000000000000/workloads")
        assert unknown.status_code == 404
