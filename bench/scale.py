"""Idle cost at scale: N Ready, idle stores for a minute, at N = 100, 1,000 and 10,000.

Creating 10,000 stores through helm would take hours, so each N is seeded directly: one store
is installed for real (helm, the real chart, the stand-in's kubelet making it ready), then its
objects (StatefulSet, Deployment, setup Job, pods, claims) are copied into N store namespaces
labelled as the orchestrator labels them, the kubelet is switched off so the copies stay as
written, and N Ready rows are written into the orchestrator's database. The orchestrator runs as
its own process; the stand-in runs in this process and counts every request it serves.

Measured over the idle minute: Kubernetes API requests per second (watches included), the
orchestrator's CPU (all its threads, from /proc) and RSS, and database statements per second
(the orchestrator's own counter, ``woo_db_statements_total``, read before and after). Then the
time from a pod's crash (its container waiting in CrashLoopBackOff, its Deployment unavailable)
to the store showing ``Degraded``, and back to ``Ready`` once the pod recovers.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.platform import CHART, LOCAL_VALUES, percentile
from harness.orchestrator import OrchestratorProcess
from harness.ports import free_port
from harness.postgres import temporary_database
from harness.tokens import ADMIN_TOKEN
from kube_standin.resources import find
from kube_standin.standin import KubeStandin
from orchestrator import db
from orchestrator.config import Settings

SIZES = (100, 1_000, 10_000)
IDLE_SECONDS = 60.0
CRASHES = 5
TEMPLATE = "template"
KINDS = ("statefulsets", "deployments", "jobs", "pods", "persistentvolumeclaims")
TICKS = os.sysconf("SC_CLK_TCK")


def run() -> dict[str, Any]:
    results = [_one_size(stores) for stores in SIZES]
    largest = results[-1]
    return {
        "sizes": results,
        "idle_seconds": IDLE_SECONDS,
        "api_requests_per_s_at_10000": largest["api_requests_per_s"],
        "target_api_requests_per_s_below": 5,
        "cpu_percent_at_10000": largest["cpu_percent"],
        "target_cpu_percent_below": 5,
        "rss_mib_at_10000": largest["rss_mib"],
        "target_rss_mib_below": 300,
        "db_statements_per_s_at_10000": largest["db_statements_per_s"],
        "crash_to_degraded_max_s": max(r["crash_to_degraded_max_s"] for r in results),
        "target_crash_to_degraded_s_below": 5,
        # Measured in 2026-11 on a real API server with the polling reconciler (30 stores).
        "baseline_api_requests_per_s_per_store": 0.10,
        "baseline_api_requests_per_s_at_10000": 1000.0,
        "ratio_api_requests_to_baseline_at_10000": round(largest["api_requests_per_s"] / 1000.0, 5),
    }


def _one_size(stores: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="woo-scale-") as folder:
        return _measured(stores, Path(folder))


def _measured(stores: int, work: Path) -> dict[str, Any]:
    helm_env = {
        **os.environ,
        "HELM_CACHE_HOME": str(work / "helm-cache"),
        "HELM_CONFIG_HOME": str(work / "helm-config"),
        "HELM_DATA_HOME": str(work / "helm-data"),
    }
    with KubeStandin(kubelet="ready") as kube, temporary_database("woo_scale") as database:
        started = time.perf_counter()
        _install_template(kube, helm_env)
        ids = _seed_cluster(kube, stores)
        _seed_database(database.url, ids)
        seeded = time.perf_counter() - started
        orchestrator = OrchestratorProcess(
            {
                **helm_env,
                "WOO_PORT": str(free_port()),
                "WOO_DATABASE_URL": database.url,
                "WOO_KUBECONFIG": str(kube.kubeconfig),
                "WOO_LOG_LEVEL": "warning",
                "WOO_DATA_DIR": str(work / "var"),
                "WOO_API_TOKEN": ADMIN_TOKEN,
            },
            work / "orchestrator.log",
        )
        started = time.perf_counter()
        orchestrator.start()
        try:
            with orchestrator.client(timeout=30) as client:
                settle = _settle(orchestrator.pid, kube, started)
                idle = _idle_minute(orchestrator.pid, kube, client)
                crashes = _crashes(kube, client, ids)
        finally:
            orchestrator.stop()
    return {
        "stores": stores,
        "objects_in_cluster": sum(len(kube.list(kind)) for kind in KINDS) + stores,
        "seed_seconds": round(seeded, 1),
        "start_to_settled_s": settle,
        **idle,
        "crash_to_degraded_p50_s": round(percentile(crashes["degraded"], 0.5), 3),
        "crash_to_degraded_max_s": round(max(crashes["degraded"]), 3),
        "recovery_to_ready_max_s": round(max(crashes["ready"]), 3),
    }


# --- the cluster and the database -------------------------------------------------------------
def _install_template(kube: KubeStandin, helm_env: dict[str, str]) -> None:
    """One store installed for real; its objects are what every seeded store is made of."""
    kube.registry.create(find("namespaces"), "", {"metadata": {"name": TEMPLATE}}, manager="bench")
    values = {
        "store": {"name": "template"},
        "ingress": {"host": "template.localhost"},
        "mariadb": {"auth": {"existingSecret": "db"}},
        "wordpress": {"admin": {"existingSecret": "admin"}},
    }
    helm = Settings().resolve_helm()
    assert helm is not None, "helm not found: run scripts/install_helm.py"
    subprocess.run(
        [
            str(helm),
            "upgrade",
            "store",
            str(CHART),
            "--install",
            "--namespace",
            TEMPLATE,
            "--values",
            str(LOCAL_VALUES),
            "--values",
            "-",
            "--wait=watcher",
            "--wait-for-jobs",
            "--timeout",
            "120s",
            "--kubeconfig",
            str(kube.kubeconfig),
        ],
        input=json.dumps(values).encode(),
        check=True,
        env=helm_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    kube.kubelet.mode = "off"


def _seed_cluster(kube: KubeStandin, stores: int) -> list[tuple[str, str]]:
    """N store namespaces holding copies of the template's objects; returns (id, namespace)."""
    templates = {kind: kube.list(kind, TEMPLATE) for kind in KINDS}
    ids = []
    for i in range(stores):
        store_id, namespace = str(uuid.uuid4()), f"scale{i}-{i:08x}"
        kube.store.write(
            find("namespaces"),
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": namespace,
                    "uid": str(uuid.uuid4()),
                    "labels": {
                        "app.kubernetes.io/managed-by": "woo-platform",
                        "woo-platform/store-id": store_id,
                        "woo-platform/store-name": f"scale{i}",
                    },
                },
                "status": {"phase": "Active"},
            },
        )
        for kind, objects in templates.items():
            resource = find(kind)
            for template in objects:
                obj = copy.deepcopy(template)
                obj["metadata"].update(namespace=namespace, uid=str(uuid.uuid4()))
                kube.store.write(resource, obj)
        ids.append((store_id, namespace))
    return ids


def _seed_database(url: str, ids: list[tuple[str, str]]) -> None:
    async def migrate() -> None:
        engine = db.create_engine(Settings(database_url=url))
        await db.migrate(engine)
        await engine.dispose()

    asyncio.run(migrate())
    now = datetime.now(UTC)
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        with cursor.copy(
            "COPY stores (id, store_name, namespace, domain, environment, desired_state, status,"
            " storefront_url, admin_url, created_at, updated_at, generation,"
            " applied_generation, release_revision, attempt, next_attempt_at) FROM STDIN"
        ) as rows:
            for i, (store_id, namespace) in enumerate(ids):
                name = namespace.split("-")[0]
                created = now - timedelta(seconds=len(ids) - i)
                rows.write_row(
                    (
                        store_id,
                        name,
                        namespace,
                        f"{name}.localhost",
                        "local",
                        "present",
                        "Ready",
                        f"http://{name}.localhost/",
                        f"http://{name}.localhost/wp-admin/",
                        created,
                        created,
                        1,
                        1,
                        1,
                        0,
                        now,
                    )
                )
        connection.commit()


# --- measuring ----------------------------------------------------------------------------------
def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _settle(pid: int, kube: KubeStandin, started: float) -> float:
    """Seconds from start until the orchestrator has listed everything and gone quiet: no API
    request and under 2% of a core for two seconds in a row."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        cpu, served = _cpu_seconds(pid), kube.served
        time.sleep(2.0)
        if kube.served == served and _cpu_seconds(pid) - cpu < 0.04 and kube.watches.open >= 7:
            return round(time.perf_counter() - started - 2.0, 1)
    raise TimeoutError("the orchestrator never settled")


def _statements(client: httpx.Client) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("woo_db_statements_total "):
            return float(line.split()[1])
    raise RuntimeError("woo_db_statements_total missing from /metrics")


def _idle_minute(pid: int, kube: KubeStandin, client: httpx.Client) -> dict[str, Any]:
    # What reading /metrics costs in statements, so the window counts only the idle ones.
    first = _statements(client)
    statements = _statements(client)
    scrape = statements - first
    served, cpu = kube.served, _cpu_seconds(pid)
    load = os.getloadavg()[0]
    started = time.monotonic()
    time.sleep(IDLE_SECONDS)
    elapsed = time.monotonic() - started
    cpu_used = _cpu_seconds(pid) - cpu
    requests = kube.served - served
    statements_used = _statements(client) - statements - scrape
    return {
        "api_requests": requests,
        "api_requests_per_s": round(requests / elapsed, 3),
        "cpu_percent": round(100 * cpu_used / elapsed, 2),
        "rss_mib": round(_rss_mib(pid), 1),
        "db_statements": int(statements_used),
        "db_statements_per_s": round(statements_used / elapsed, 2),
        "load_average_1m_before": round(load, 2),
        "load_average_1m_after": round(os.getloadavg()[0], 2),
    }


def _crashes(
    kube: KubeStandin, client: httpx.Client, ids: list[tuple[str, str]]
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"degraded": [], "ready": []}
    step = max(1, len(ids) // CRASHES)
    for store_id, namespace in ids[::step][:CRASHES]:
        pod, deployment = _wordpress(kube, namespace)
        crashed_pod, crashed_deployment = _crashed(pod), _unavailable(deployment)
        started = time.perf_counter()
        kube.store.write(find("pods"), crashed_pod)
        kube.store.write(find("deployments"), crashed_deployment)
        times["degraded"].append(_until(client, store_id, "Degraded", started))
        started = time.perf_counter()
        kube.store.write(find("pods"), pod)
        kube.store.write(find("deployments"), deployment)
        times["ready"].append(_until(client, store_id, "Ready", started))
    return times


def _wordpress(kube: KubeStandin, namespace: str) -> tuple[dict[str, Any], dict[str, Any]]:
    def component(obj: dict[str, Any]) -> str:
        return str((obj["metadata"].get("labels") or {}).get("app.kubernetes.io/component"))

    pod = next(p for p in kube.list("pods", namespace) if component(p) == "wordpress")
    deployment = next(d for d in kube.list("deployments", namespace) if component(d) == "wordpress")
    return pod, deployment


def _crashed(pod: dict[str, Any]) -> dict[str, Any]:
    crashed = copy.deepcopy(pod)
    for container in crashed["status"].get("containerStatuses") or []:
        container["ready"] = False
        container["state"] = {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": "back-off 10s restarting failed container",
            }
        }
    return crashed


def _unavailable(deployment: dict[str, Any]) -> dict[str, Any]:
    unavailable = copy.deepcopy(deployment)
    status = unavailable["status"]
    status.pop("availableReplicas", None)
    status.pop("readyReplicas", None)
    status["unavailableReplicas"] = 1
    for condition in status.get("conditions") or []:
        if condition["type"] == "Available":
            condition["status"] = "False"
            condition["reason"] = "MinimumReplicasUnavailable"
    return unavailable


def _until(client: httpx.Client, store_id: str, status: str, started: float) -> float:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if client.get(f"/stores/{store_id}").json()["status"] == status:
            return time.perf_counter() - started
        time.sleep(0.02)
    raise TimeoutError(f"store {store_id} never became {status}")
