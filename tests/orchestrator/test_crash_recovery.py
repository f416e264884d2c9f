"""The orchestrator process killed with SIGKILL mid-provision, then started again: the store
still reaches Ready, in the same namespace, with the secrets it had."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kube_standin import KubeStandin
from orchestrator.config import REPO_ROOT
from tests.orchestrator.lifecycle_support import helm_wrapper


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Orchestrator:
    """``python -m orchestrator`` as its own process, as it runs in production."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.url = f"http://127.0.0.1:{env['WOO_PORT']}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "orchestrator"],
                env=self.env,
                stdout=log,
                stderr=log,
                cwd=REPO_ROOT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"orchestrator did not start:\n{self.log.read_text()}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.fixture
def orchestrator(
    postgres_database: str, kube_standin: KubeStandin, helm_bin: Path, tmp_path: Path
) -> Iterator[Orchestrator]:
    # helm takes a moment longer here, so the kill lands while the release is being installed.
    slow_helm = helm_wrapper(
        tmp_path, "helm", f'[ "$1" = upgrade ] && sleep 1.5\nexec {helm_bin} "$@"\n'
    )
    env = {
        **os.environ,
        "WOO_PORT": str(_free_port()),
        "WOO_DATABASE_URL": postgres_database,
        "WOO_KUBECONFIG": str(kube_standin.kubeconfig),
        "WOO_HELM_BIN": str(slow_helm),
        "WOO_LEASE_SECONDS": "2",
        "WOO_RECONCILE_INTERVAL_SECONDS": "0.2",
        "WOO_READINESS_POLL_SECONDS": "0.3",
        "WOO_BACKOFF_INITIAL_SECONDS": "0.2",
        "WOO_HELM_TIMEOUT_SECONDS": "20",
        "WOO_DATA_DIR": str(tmp_path / "var"),
    }
    process = Orchestrator(env, tmp_path / "orchestrator.log")
    yield process
    process.stop()


def _store(url: str, store_id: str) -> dict[str, Any]:
    response = httpx.get(f"{url}/stores/{store_id}", timeout=5)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def _wait(url: str, store_id: str, until: Any, timeout: float = 40) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    store: dict[str, Any] = {}
    while time.monotonic() < deadline:
        store = _store(url, store_id)
        if until(store):
            return store
        time.sleep(0.1)
    raise AssertionError(f"timed out; last seen {store}")


def test_sigkill_mid_provision_then_restart_reaches_ready(
    orchestrator: Orchestrator, kube_standin: KubeStandin
) -> None:
    orchestrator.start()
    created = httpx.post(
        f"{orchestrator.url}/stores",
        timeout=5,
        json={"store_name": "demo", "domain": "demo.localhost", "environment": "local"},
    ).json()
    _wait(
        orchestrator.url,
        created["id"],
        lambda s: s["status_reason"] == "installing the helm release",
    )
    secrets_before = {
        name: kube_standin.read("secrets", created["namespace"], name)["data"]
        for name in ("store-db-credentials", "store-admin-credentials")
    }
    orchestrator.kill()

    orchestrator.start()
    ready = _wait(orchestrator.url, created["id"], lambda s: s["status"] == "Ready")
    assert ready["namespace"] == created["namespace"]
    assert [n for n in kube_standin.namespaces() if n.startswith("demo-")] == [created["namespace"]]
    secrets_after = {
        name: kube_standin.read("secrets", created["namespace"], name)["data"]
        for name in secrets_before
    }
    assert secrets_after == secrets_before
    events = httpx.get(f"{orchestrator.url}/stores/{created['id']}/events").json()["items"]
    namespace_created = [
        e for e in events if e["step"] == "namespace" and e["message"].endswith("created")
    ]
    assert len(namespace_created) == 1
