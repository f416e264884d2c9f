"""``woo stores suspend|resume|reconcile|workloads|logs`` against a running platform (its own
process, real HTTP, the stand-in and real helm): outputs and exit codes."""

from __future__ import annotations

from tests.cli.conftest import Woo


def test_suspend_resume_and_reconcile_with_their_refusals(woo: Woo) -> None:
    store = woo("stores", "create", "nap", "--wait", "-o", "json").json()

    suspended = woo("stores", "suspend", store["id"], "--wait", "--timeout", "60s", "-o", "json")
    assert suspended.code == 0, suspended.stderr
    assert suspended.json()["status"] == "Suspended"
    assert suspended.json()["status_reason"].startswith("suspended:")

    again = woo("stores", "suspend", store["id"])
    assert again.code == 4
    assert "already suspended" in again.stderr
    listed = woo("stores", "list", "--status", "Suspended", "-o", "json")
    assert [s["id"] for s in listed.json()] == [store["id"]]

    resumed = woo("stores", "resume", store["id"], "--wait", "--timeout", "60s", "-o", "json")
    assert resumed.code == 0, resumed.stderr
    assert resumed.json()["status"] == "Ready"
    not_suspended = woo("stores", "resume", store["id"])
    assert not_suspended.code == 4
    assert "only a Suspended store can be resumed" in not_suspended.stderr

    repaired = woo("stores", "reconcile", store["id"], "--wait", "--timeout", "60s")
    assert repaired.code == 0, repaired.stderr
    assert repaired.stdout.splitlines()[1].split()[:3] == [store["id"], "nap", "Ready"]
    events = woo("stores", "events", store["id"], "-o", "json").json()
    assert any(e["message"] == "reconcile requested" for e in events)

    intact = woo("stores", "reconcile", store["id"], "--recreate-empty")
    assert intact.code == 4
    assert "data is intact" in intact.stderr


def test_workloads_and_logs(woo: Woo) -> None:
    store = woo("stores", "create", "looking", "--wait", "-o", "json").json()

    workloads = woo("stores", "workloads", store["id"], "-o", "json")
    assert workloads.code == 0, workloads.stderr
    components = {pod["component"] for pod in workloads.json()["pods"]}
    assert {"wordpress", "mariadb"} <= components
    table = woo("stores", "workloads", store["id"])
    assert table.stdout.splitlines()[0].split()[:4] == ["POD", "COMPONENT", "PHASE", "READY"]

    logs = woo("stores", "logs", store["id"], "-c", "wordpress", "--tail", "5")
    assert logs.code == 0, logs.stderr
    assert "started by the kube stand-in" in logs.stdout
    as_json = woo("stores", "logs", store["id"], "-c", "mariadb", "-o", "json").json()
    assert as_json["container"] == "mariadb" and as_json["pod"] == "store-mariadb-0"

    never_restarted = woo("stores", "logs", store["id"], "-c", "wordpress", "--previous")
    assert never_restarted.code == 4
    assert "has no previous instance" in never_restarted.stderr
    assert woo("stores", "logs", store["id"], "-c", "wordpress", "--tail", "0").code == 2
    missing = woo("stores", "logs", store["id"], "-c", "nginx")
    assert missing.code == 3
    assert "no container 'nginx'" in missing.stderr
    invalid = woo("stores", "logs", store["id"], "-c", "Not_A_Name")
    assert invalid.code == 4
    unknown = woo("stores", "workloads", "00000000-0000-0000-0000-000000000000")
    assert unknown.code == 3
