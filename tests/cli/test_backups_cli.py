"""``woo backups ...`` and ``woo stores create --clone-from`` against a running platform with
backups on (its own process, real HTTP, real helm, the stand-in ending the Jobs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.orchestrator import OrchestratorProcess
from harness.postgres import temporary_database
from harness.tokens import ADMIN_TOKEN
from kube_standin import KubeStandin
from tests.cli.conftest import Woo, cli_environment, run_woo, start_orchestrator
from tests.orchestrator import backup_support as support

SNAPSHOT = support.snapshot_of("cli")


@pytest.fixture
def backup_platform(
    kube_standin: KubeStandin, helm_bin: Path, tmp_path: Path
) -> Iterator[OrchestratorProcess]:
    support.install_credentials(kube_standin)
    settings = {key: str(value) for key, value in support.SETTINGS.items()}
    with temporary_database("woo_cli_backups") as database:
        yield from start_orchestrator(database.url, kube_standin, helm_bin, tmp_path, **settings)


@pytest.fixture
def woo(backup_platform: OrchestratorProcess, tmp_path: Path) -> Woo:
    env = cli_environment(tmp_path, WOO_URL=backup_platform.url, WOO_TOKEN=ADMIN_TOKEN)
    return lambda *args, timeout=120: run_woo(env, *args, timeout=timeout)


def test_back_up_restore_and_clone_from_the_command_line(
    woo: Woo, kube_standin: KubeStandin
) -> None:
    support.backups_succeed(kube_standin, SNAPSHOT, 2048)
    support.restores_succeed(kube_standin, SNAPSHOT)
    store = woo("stores", "create", "shop", "--wait", "-o", "json").json()

    taken = woo("backups", "create", store["id"], "--wait", "--timeout", "60s", "-o", "json")
    assert taken.code == 0, taken.stderr
    backup = taken.json()
    assert (backup["status"], backup["snapshot_id"], backup["size_bytes"]) == (
        "Succeeded",
        SNAPSHOT,
        2048,
    )
    table = woo("backups", "list", store["id"])
    header, row = table.stdout.splitlines()
    assert header.split()[:3] == ["ID", "KIND", "STATUS"]
    assert row.split()[:3] == [backup["id"], "manual", "Succeeded"]
    got = woo("backups", "get", store["id"], backup["id"], "-o", "json")
    assert got.json()["id"] == backup["id"]

    restored = woo(
        "backups", "restore", store["id"], backup["id"], "--wait", "--timeout", "90s", "-o", "json"
    )
    assert restored.code == 0, restored.stderr
    assert restored.json()["status"] == "Ready"
    kinds = [b["kind"] for b in woo("backups", "list", store["id"], "-o", "json").json()]
    assert sorted(kinds) == ["manual", "safety"]

    clone = woo(
        "stores", "create", "copy", "--clone-from", store["id"], "--backup", backup["id"],
        "--wait", "--timeout", "90s", "-o", "json",
    )  # fmt: skip
    assert clone.code == 0, clone.stderr
    assert clone.json()["backups"]["cloned_from_store_id"] == store["id"]

    # Backups outlive their store: still listed, still clonable.
    assert woo("stores", "delete", store["id"], "--wait", "--timeout", "60s").code == 0
    after = woo("backups", "list", store["id"], "-o", "json")
    assert after.code == 0, after.stderr
    assert backup["id"] in [b["id"] for b in after.json()]


def test_refusals_and_failures_have_their_exit_codes(woo: Woo, kube_standin: KubeStandin) -> None:
    kube_standin.kubelet.finish_jobs(
        3, support.failure_line("backup", 3, "wrong restic password"),
        container="backup", name_contains="backup-",
    )  # fmt: skip
    store = woo("stores", "create", "shop", "--wait", "-o", "json").json()
    failed = woo("backups", "create", store["id"], "--wait", "--timeout", "60s")
    assert failed.code == 7
    assert "wrong restic password" in failed.stderr

    backup_id = failed.stdout.splitlines()[1].split()[0]
    refused = woo("backups", "restore", store["id"], backup_id)
    assert refused.code == 4
    assert "only a Succeeded backup can be restored" in refused.stderr
    missing = woo("backups", "get", store["id"], "00000000-0000-0000-0000-000000000000")
    assert missing.code == 3
    assert woo("backups", "list", "no-such-store").code == 3
    assert woo("stores", "create", "x", "--backup", backup_id).code == 2


def test_backups_off_is_a_refusal(platform: OrchestratorProcess, tmp_path: Path) -> None:
    env = cli_environment(tmp_path, WOO_URL=platform.url, WOO_TOKEN=ADMIN_TOKEN)
    store = run_woo(env, "stores", "create", "plain", "--wait", "-o", "json").json()
    refused = run_woo(env, "backups", "create", store["id"])
    assert refused.code == 4
    assert "backups are off" in refused.stderr
