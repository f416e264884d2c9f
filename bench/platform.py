"""What the benchmarks run against: the Kubernetes API stand-in (instant kubelet), a PostgreSQL
database of their own, the real helm binary and chart, and the orchestrator as its own process
(`python -m orchestrator`), exactly as it runs in production. The stand-in runs as a process of
its own too, so its work never slows the client that takes the measurements."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from orchestrator.config import REPO_ROOT, Settings

POSTGRES_ADMIN_URL = os.environ.get(
    "WOO_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
CHART = REPO_ROOT / "helm" / "woocommerce"
LOCAL_VALUES = REPO_ROOT / "values-local.yaml"


@dataclass
class Standin:
    url: str
    kubeconfig: Path


@dataclass
class Platform:
    url: str
    process: subprocess.Popen[bytes]
    standin: Standin
    database_url: str
    helm: Path
    helm_env: dict[str, str]
    orchestrator_env: dict[str, str]
    log: Path

    def kill_and_restart(self) -> None:
        """SIGKILL the orchestrator (no shutdown of any kind) and start a new one, same
        database, same port."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = _start_orchestrator(self.orchestrator_env, self.log)
        _wait_until_up(self.url, self.process)

    def namespaces(self) -> list[str]:
        response = httpx.get(f"{self.standin.url}/api/v1/namespaces", timeout=10)
        response.raise_for_status()
        return [item["metadata"]["name"] for item in response.json()["items"]]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def bare_helm_install(self, name: str) -> None:
        """The baseline: what an operator does by hand for one store, with helm waiting for
        the same readiness the orchestrator waits for (workloads and the setup Job)."""
        namespace = f"{name}-bare"
        kubectl_free_create_namespace(self.standin, namespace)
        values = {
            "store": {"name": name},
            "ingress": {"host": f"{name}.bare.localhost"},
            "mariadb": {"auth": {"existingSecret": "db"}},
            "wordpress": {"admin": {"existingSecret": "admin"}},
        }
        subprocess.run(
            [
                str(self.helm),
                "upgrade",
                "store",
                str(CHART),
                "--install",
                "--namespace",
                namespace,
                "--values",
                str(LOCAL_VALUES),
                "--values",
                "-",
                "--wait=watcher",
                "--wait-for-jobs",
                "--timeout",
                "120s",
                "--kubeconfig",
                str(self.standin.kubeconfig),
            ],
            input=json.dumps(values).encode(),
            check=True,
            env=self.helm_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )


def kubectl_free_create_namespace(standin: Standin, name: str) -> None:
    httpx.post(
        f"{standin.url}/api/v1/namespaces",
        json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
        timeout=10,
    ).raise_for_status()


@contextmanager
def running_platform(ready_after: float = 0.0, **settings: str) -> Iterator[Platform]:
    work = Path(tempfile.mkdtemp(prefix="woo-bench-"))
    helm_env = {
        **os.environ,
        "HELM_CACHE_HOME": str(work / "helm-cache"),
        "HELM_CONFIG_HOME": str(work / "helm-config"),
        "HELM_DATA_HOME": str(work / "helm-data"),
    }
    with temporary_database() as database_url, standin_process(work, ready_after) as standin:
        port = _free_port()
        env = {
            **helm_env,
            "WOO_PORT": str(port),
            "WOO_DATABASE_URL": database_url,
            "WOO_KUBECONFIG": str(standin.kubeconfig),
            "WOO_LOG_LEVEL": "warning",
            "WOO_DATA_DIR": str(work / "var"),
            **{f"WOO_{key.upper()}": value for key, value in settings.items()},
        }
        log = work / "orchestrator.log"
        platform = Platform(
            f"http://127.0.0.1:{port}",
            _start_orchestrator(env, log),
            standin,
            database_url,
            _helm(),
            helm_env,
            env,
            log,
        )
        try:
            _wait_until_up(platform.url, platform.process)
            yield platform
        finally:
            platform.process.send_signal(signal.SIGTERM)
            platform.process.wait(timeout=30)


def _start_orchestrator(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "orchestrator"],
            env=env,
            stdout=output,
            stderr=output,
            cwd=REPO_ROOT,
        )


def _helm() -> Path:
    helm = Settings().resolve_helm()
    if helm is None:
        raise RuntimeError("helm not found: run scripts/install_helm.py")
    return helm


@contextmanager
def standin_process(work: Path, ready_after: float) -> Iterator[Standin]:
    port = _free_port()
    kubeconfig = work / "kubeconfig"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kube_standin",
            "--port",
            str(port),
            "--kubeconfig",
            str(kubeconfig),
            "--kubelet",
            "ready",
            "--ready-after",
            str(ready_after),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _answers(f"{url}/version"):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the Kubernetes API stand-in did not start")
            time.sleep(0.05)
        yield Standin(url, kubeconfig)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def temporary_database() -> Iterator[str]:
    name = f"woo_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_for_status(
    client: httpx.Client, store_id: str, status: str, timeout: float = 120.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        store: dict[str, Any] = client.get(f"/stores/{store_id}").json()
        if store["status"] == status:
            return store
        if store["status"] == "Failed":
            raise RuntimeError(f"store failed: {store['status_reason']}")
        time.sleep(0.02)
    raise TimeoutError(f"store {store_id} not {status} within {timeout}s")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the orchestrator exited during start-up")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError("the orchestrator did not become ready")
