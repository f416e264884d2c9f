"""What the benchmarks run against: the Kubernetes API stand-in (instant kubelet), a PostgreSQL
database of their own, the real helm binary and chart, and the orchestrator as its own process
(`python -m orchestrator`), exactly as it runs in production. The stand-in runs as a process of
its own too, so its work never slows the client that takes the measurements."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from harness.orchestrator import OrchestratorProcess
from harness.ports import free_port
from harness.postgres import temporary_database
from harness.standin import StandinProcess, standin_process
from harness.tokens import ADMIN_TOKEN
from orchestrator.config import REPO_ROOT, Settings
from orchestrator.helm.runner import LOWER_PRIORITY

CHART = REPO_ROOT / "helm" / "woocommerce"
LOCAL_VALUES = REPO_ROOT / "values-local.yaml"


@dataclass
class Platform:
    orchestrator: OrchestratorProcess
    standin: StandinProcess
    database_url: str
    helm: Path
    helm_env: dict[str, str]

    @property
    def url(self) -> str:
        return self.orchestrator.url

    def kill_and_restart(self) -> None:
        """SIGKILL the orchestrator (no shutdown of any kind) and start a new one, same
        database, same port."""
        self.orchestrator.kill()
        self.orchestrator.start()

    def namespaces(self) -> list[str]:
        response = httpx.get(f"{self.standin.url}/api/v1/namespaces", timeout=10)
        response.raise_for_status()
        return [item["metadata"]["name"] for item in response.json()["items"]]

    def client(self) -> httpx.Client:
        return self.orchestrator.client(timeout=30)

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.orchestrator.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def bare_helm_install(self, name: str, *, niced: bool = False) -> None:
        """The baseline: what an operator does by hand for one store, with helm waiting for
        the same readiness the orchestrator waits for (workloads and the setup Job), at normal
        priority. ``niced``: at the niceness the orchestrator runs its helm at, which on a
        machine shared with other work gets helm a smaller share of the CPU than the baseline's
        (a comparison at equal priority tells that share from the orchestrator's own cost)."""
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
                *(LOWER_PRIORITY if niced else []),
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


def kubectl_free_create_namespace(standin: StandinProcess, name: str) -> None:
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
    with (
        temporary_database("woo_bench") as database,
        standin_process(work, ready_after) as standin,
    ):
        env = {
            **helm_env,
            "WOO_PORT": str(free_port()),
            "WOO_DATABASE_URL": database.url,
            "WOO_KUBECONFIG": str(standin.kubeconfig),
            "WOO_LOG_LEVEL": "warning",
            "WOO_DATA_DIR": str(work / "var"),
            "WOO_API_TOKEN": ADMIN_TOKEN,
            **{f"WOO_{key.upper()}": value for key, value in settings.items()},
        }
        orchestrator = OrchestratorProcess(env, work / "orchestrator.log")
        orchestrator.start()
        try:
            yield Platform(orchestrator, standin, database.url, _helm(), helm_env)
        finally:
            orchestrator.stop()


def _helm() -> Path:
    helm = Settings().resolve_helm()
    if helm is None:
        raise RuntimeError("helm not found: run scripts/install_helm.py")
    return helm


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
