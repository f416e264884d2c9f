"""``woo stores ...`` against a running platform: what operators and scripts rely on — the
output forms and the exit codes."""

from __future__ import annotations

from pathlib import Path

from harness.orchestrator import OrchestratorProcess
from harness.tokens import ADMIN_TOKEN
from kube_standin import KubeStandin
from tests.cli.conftest import Woo, cli_environment, run_woo


def test_create_wait_list_get_and_delete_a_store(woo: Woo) -> None:
    created = woo("stores", "create", "shop", "--domain", "shop.localhost", "--wait", "-o", "json")
    assert created.code == 0, created.stderr
    store = created.json()
    assert store["status"] == "Ready"
    assert store["urls"]["storefront"] == "http://shop.localhost/"

    listed = woo("stores", "list", "--output", "json")
    assert listed.code == 0, listed.stderr
    assert [s["id"] for s in listed.json()] == [store["id"]]

    table = woo("stores", "list", "--status", "Ready")
    assert table.code == 0
    header, row = table.stdout.splitlines()
    assert header.split()[:4] == ["ID", "NAME", "STATUS", "DOMAIN"]
    assert row.split()[:4] == [store["id"], "shop", "Ready", "shop.localhost"]

    got = woo("stores", "get", store["id"], "-o", "json")
    assert got.json()["id"] == store["id"]

    events = woo("stores", "events", store["id"], "-o", "json")
    assert events.code == 0
    assert events.json()[-1]["step"] == "readiness"

    deleted = woo("stores", "delete", store["id"], "--wait", "--timeout", "60s", "-o", "json")
    assert deleted.code == 0, deleted.stderr
    assert deleted.json()["status"] == "Deleted"
    assert woo("stores", "list", "-o", "json").json() == []
    assert [s["id"] for s in woo("stores", "list", "--include-deleted", "-o", "json").json()] == [
        store["id"]
    ]


def test_list_all_follows_every_page(woo: Woo) -> None:
    ids = {woo("stores", "create", f"page{n}", "-o", "json").json()["id"] for n in range(3)}
    assert len(woo("stores", "list", "--limit", "2", "-o", "json").json()) == 2
    everything = woo("stores", "list", "--all", "--limit", "1", "-o", "json")
    assert {store["id"] for store in everything.json()} == ids


def test_the_same_idempotency_key_creates_one_store(woo: Woo) -> None:
    first = woo("stores", "create", "once", "--idempotency-key", "k-1", "-o", "json")
    again = woo("stores", "create", "once", "--idempotency-key", "k-1", "-o", "json")
    assert first.code == again.code == 0
    assert first.json()["id"] == again.json()["id"]


def test_an_unknown_store_exits_3_with_the_apis_message(woo: Woo) -> None:
    missing = woo("stores", "get", "00000000-0000-0000-0000-000000000000")
    assert missing.code == 3
    assert "not found" in missing.stderr
    assert missing.stdout == ""


def test_a_refused_request_exits_4_with_the_reason(woo: Woo) -> None:
    store = woo("stores", "create", "fine", "--wait", "-o", "json").json()
    refused = woo("stores", "retry", store["id"])
    assert refused.code == 4
    assert "only a Failed store can be retried" in refused.stderr

    invalid = woo("stores", "create", "Not_A_Label")
    assert invalid.code == 4
    assert "store_name" in invalid.stderr


def test_wait_gives_up_with_exit_5_and_the_last_state(woo: Woo) -> None:
    store = woo("stores", "create", "patient", "--wait", "-o", "json").json()
    waited = woo("stores", "wait", store["id"], "--for", "Deleted", "--timeout", "1s")
    assert waited.code == 5
    assert "still Ready after 1s" in waited.stderr
    assert "Ready" in waited.stdout


def test_wait_stops_with_exit_7_when_the_store_fails(woo: Woo, kube_standin: KubeStandin) -> None:
    kube_standin.kubelet.fail("Job", "BackoffLimitExceeded", namespace_prefix="doomed-")
    created = woo("stores", "create", "doomed", "--wait", "--timeout", "90s", "-o", "json")
    assert created.code == 7, created.stderr
    assert created.json()["status"] == "Failed"
    assert "is Failed" in created.stderr


def test_without_a_token_or_with_a_wrong_one_exits_6(
    platform: OrchestratorProcess, tmp_path: Path
) -> None:
    anonymous = run_woo(cli_environment(tmp_path, WOO_URL=platform.url), "stores", "list")
    assert anonymous.code == 6
    assert "bearer token is required" in anonymous.stderr
    wrong = run_woo(
        cli_environment(tmp_path, WOO_URL=platform.url, WOO_TOKEN="woo_wrong"), "stores", "list"
    )
    assert wrong.code == 6


def test_the_config_file_supplies_url_and_token(
    platform: OrchestratorProcess, tmp_path: Path
) -> None:
    config = tmp_path / "woo.toml"
    config.write_text(f'url = "{platform.url}"\ntoken = "{ADMIN_TOKEN}"\n')
    listed = run_woo(cli_environment(tmp_path, WOO_CONFIG=str(config)), "stores", "list")
    assert listed.code == 0, listed.stderr
    assert listed.stdout.split() == ["ID", "NAME", "STATUS", "DOMAIN", "ENV", "CREATED", "REASON"]


def test_an_unreachable_platform_exits_1(tmp_path: Path) -> None:
    env = cli_environment(tmp_path, WOO_URL="http://127.0.0.1:9", WOO_TOKEN="woo_x")
    unreachable = run_woo(env, "stores", "list")
    assert unreachable.code == 1
    assert "cannot reach http://127.0.0.1:9" in unreachable.stderr
