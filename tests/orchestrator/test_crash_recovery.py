"""The orchestrator process killed with SIGKILL mid-provision, then started again: the store
still reaches Ready, in the same namespace, with the secrets it had."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.orchestrator import OrchestratorProcess
from harness.ports import free_port
from harness.stores import wait_for_status, wait_for_store
from harness.tokens import ADMIN_TOKEN
from kube_standin import KubeStandin
from tests.orchestrator.lifecycle_support import helm_wrapper


@pytest.fixture
def orchestrator(
    postgres_database: str, kube_standin: KubeStandin, helm_bin: Path, tmp_path: Path
) -> Iterator[OrchestratorProcess]:
    # helm takes a moment longer here, so the kill lands while the release is being installed.
    slow_helm = helm_wrapper(
        tmp_path, "helm", f'[ "$1" = upgrade ] && sleep 1.5\nexec {helm_bin} "$@"\n'
    )
    env = {
        **os.environ,
        "WOO_PORT": str(free_port()),
        "WOO_DATABASE_URL": postgres_database,
        "WOO_KUBECONFIG": str(kube_standin.kubeconfig),
        "WOO_HELM_BIN": str(slow_helm),
        # Short, as the restart waits for the killed process's lease to run out; not shorter,
        # or a renewal delayed by a busy CPU loses it.
        "WOO_LEASE_SECONDS": "5",
        "WOO_RECONCILE_INTERVAL_SECONDS": "0.2",
        "WOO_READINESS_POLL_SECONDS": "0.3",
        "WOO_BACKOFF_INITIAL_SECONDS": "0.2",
        "WOO_HELM_TIMEOUT_SECONDS": "20",
        "WOO_DATA_DIR": str(tmp_path / "var"),
        "WOO_API_TOKEN": ADMIN_TOKEN,
    }
    process = OrchestratorProcess(env, tmp_path / "orchestrator.log")
    yield process
    process.stop()


def test_sigkill_mid_provision_then_restart_reaches_ready(
    orchestrator: OrchestratorProcess, kube_standin: KubeStandin
) -> None:
    orchestrator.start()
    with orchestrator.client() as client:
        created = client.post(
            "/stores",
            json={"store_name": "demo", "domain": "demo.localhost", "environment": "local"},
        ).json()
        installing = "installing the helm release"
        wait_for_store(
            client,
            created["id"],
            lambda s: s["status_reason"] == installing,
            timeout=40,
            what=installing,
        )
        secrets_before = {
            name: kube_standin.read("secrets", created["namespace"], name)["data"]
            for name in ("store-db-credentials", "store-admin-credentials")
        }
        orchestrator.kill()

        orchestrator.start()
        ready = wait_for_status(client, created["id"], "Ready", timeout=40)
        assert ready["namespace"] == created["namespace"]
        assert [n for n in kube_standin.namespaces() if n.startswith("demo-")] == [
            created["namespace"]
        ]
        secrets_after = {
            name: kube_standin.read("secrets", created["namespace"], name)["data"]
            for name in secrets_before
        }
        assert secrets_after == secrets_before
        events = client.get(f"/stores/{created['id']}/events").json()["items"]
        namespace_created = [
            e for e in events if e["step"] == "namespace" and e["message"].endswith("created")
        ]
        assert len(namespace_created) == 1
