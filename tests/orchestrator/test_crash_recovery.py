"""The orchestrator process killed with SIGKILL mid-provision, then started again: the store
still reaches Ready, in the same namespace, with the secrets it had."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.orchestrator import OrchestratorProcess, orchestrator_process
from harness.stores import wait_for_status, wait_for_store
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
    process = orchestrator_process(
        postgres_database,
        kube_standin.kubeconfig,
        slow_helm,
        tmp_path,
        # Short, as the restart waits for the killed process's lease to run out; not shorter,
        # or a renewal delayed by a busy CPU loses it.
        lease_seconds="5",
        reconcile_interval_seconds="0.2",
        readiness_poll_seconds="0.3",
        backoff_initial_seconds="0.2",
        helm_timeout_seconds="20",
    )
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
