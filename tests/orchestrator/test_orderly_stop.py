"""SIGTERM to the orchestrator process while helm is installing stores: the process ends, its
helm children with it, and the stores' leases are handed back. When some work cannot end (a
statement waiting on a lock held elsewhere), the stop still ends within WOO_SHUTDOWN_SECONDS
and the log names what was left."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from harness.orchestrator import OrchestratorProcess, orchestrator_process
from harness.stores import wait_for_store
from kube_standin import KubeStandin
from tests.orchestrator.lifecycle_support import helm_wrapper

INSTALLING = "installing the helm release"
SHUTDOWN_SECONDS = 3


@pytest.fixture
def helm_pids(tmp_path: Path) -> Path:
    return tmp_path / "helm-pids"


@pytest.fixture
def orchestrator(
    postgres_database: str,
    kube_standin: KubeStandin,
    helm_bin: Path,
    tmp_path: Path,
    helm_pids: Path,
) -> Iterator[OrchestratorProcess]:
    # Every helm run notes its pid; an install takes long enough for the stop to land in it.
    slow_helm = helm_wrapper(
        tmp_path,
        "helm",
        f'echo $$ >> {helm_pids}\n[ "$1" = upgrade ] && sleep 60\nexec {helm_bin} "$@"\n',
    )
    process = orchestrator_process(
        postgres_database,
        kube_standin.kubeconfig,
        slow_helm,
        tmp_path,
        reconcile_interval_seconds="0.2",
        shutdown_seconds=str(SHUTDOWN_SECONDS),
    )
    yield process
    if process.process is not None and process.process.poll() is None:
        process.kill()


def _installing(orchestrator: OrchestratorProcess, names: list[str]) -> list[str]:
    """Ask for stores and return their ids once helm is installing each of them."""
    with orchestrator.client() as client:
        ids = [client.post("/stores", json={"store_name": name}).json()["id"] for name in names]
        for store_id in ids:
            wait_for_store(
                client,
                store_id,
                lambda s: s["status_reason"] == INSTALLING,
                timeout=40,
                what=INSTALLING,
            )
    return ids


def _stop(orchestrator: OrchestratorProcess, within: float) -> float:
    """SIGTERM, and the seconds until the process had ended (fails past ``within``)."""
    assert orchestrator.process is not None
    started = time.monotonic()
    orchestrator.process.terminate()
    orchestrator.process.wait(timeout=within)
    return time.monotonic() - started


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def _leased(database: str) -> int:
    with psycopg.connect(database) as connection:
        row = connection.execute("SELECT count(*) FROM stores WHERE lease_owner IS NOT NULL")
        return int(row.fetchone()[0])  # type: ignore[index]


def test_sigterm_mid_install_ends_helm_and_hands_the_leases_back(
    orchestrator: OrchestratorProcess, postgres_database: str, helm_pids: Path
) -> None:
    orchestrator.start()
    _installing(orchestrator, ["one", "two"])
    assert _leased(postgres_database) == 2

    _stop(orchestrator, within=SHUTDOWN_SECONDS + 10)

    pids = [int(line) for line in helm_pids.read_text().split()]
    assert pids and not [pid for pid in pids if _alive(pid)]
    # Handed back, so another replica takes the stores over at once, not a lease later.
    assert _leased(postgres_database) == 0
    assert "did not stop" not in orchestrator.log.read_text()


def test_work_that_cannot_end_does_not_keep_the_process_alive(
    orchestrator: OrchestratorProcess, postgres_database: str, helm_pids: Path
) -> None:
    orchestrator.start()
    [store_id] = _installing(orchestrator, ["stuck"])
    with psycopg.connect(postgres_database) as holder:
        # Someone else's open transaction holds the store's row: handing its lease back waits.
        holder.execute("SELECT id FROM stores WHERE id = %s FOR UPDATE", (store_id,))

        # The stop gives up at the deadline, then gives the cancelled work 5 s more.
        seconds = _stop(orchestrator, within=SHUTDOWN_SECONDS + 5 + 15)

        assert seconds >= SHUTDOWN_SECONDS
        log = orchestrator.log.read_text()
        assert "the reconciler did not stop within WOO_SHUTDOWN_SECONDS" in log
        # What was left is named: the store's pass, still handing its lease back.
        assert f"store-{store_id}" in log.split("did not stop", 1)[1]
        holder.rollback()
    pids = [int(line) for line in helm_pids.read_text().split()]
    assert pids and not [pid for pid in pids if _alive(pid)]
