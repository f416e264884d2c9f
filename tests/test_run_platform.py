"""`make run` (scripts/run-platform.sh) in demo mode, as a newcomer runs it: no kubeconfig, so
the stand-in answers. Stopped with Ctrl-C and started again, it carries on the same stores in
the same cluster; a store named `fail-…` fails on purpose; a taken port stops it at once with
one line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.ports import free_port
from orchestrator.config import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "run-platform.sh"


@dataclass(frozen=True)
class Demo:
    url: str
    data_dir: Path


def _environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """No kubeconfig anywhere (a HOME of its own), fast timings, ports of its own."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("KUBECONFIG", "WOO_KUBECONFIG", "WOO_DATABASE_URL")
        and not key.startswith("WOO_")
    }
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env.update(
        HOME=str(home),
        HELM_CACHE_HOME=str(home / "helm-cache"),
        HELM_CONFIG_HOME=str(home / "helm-config"),
        HELM_DATA_HOME=str(home / "helm-data"),
        WOO_DATA_DIR=str(tmp_path / "var"),
        WOO_PORT=str(free_port()),
        WOO_STANDIN_PORT=str(free_port()),
        WOO_RECONCILE_INTERVAL_SECONDS="0.2",
        WOO_READINESS_POLL_SECONDS="0.3",
    )
    env.update(overrides)
    return env


@contextmanager
def make_run(env: dict[str, str], log: Path) -> Iterator[Demo]:
    """Start the script in its own process group and stop it as Ctrl-C does (SIGINT to the
    whole group)."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            [str(SCRIPT)], env=env, stdout=output, stderr=output, start_new_session=True
        )
    url = f"http://127.0.0.1:{env['WOO_PORT']}"
    try:
        started = time.monotonic()
        while not _answers(f"{url}/healthz"):
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() - started < 300, "make run never answered"
            time.sleep(0.1)
        print(f"make run answered /healthz after {time.monotonic() - started:.1f}s")
        yield Demo(url, Path(env["WOO_DATA_DIR"]))
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _wait_for(url: str, store_id: str, status: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    store: dict[str, Any] = {}
    while time.monotonic() < deadline:
        store = httpx.get(f"{url}/stores/{store_id}").json()
        if store["status"] == status:
            return store
        time.sleep(0.2)
    raise AssertionError(f"store never became {status}; last seen: {store}")


def test_a_restarted_demo_carries_on_its_stores_and_fails_fail_stores(tmp_path: Path) -> None:
    env, log = _environment(tmp_path), tmp_path / "make-run.log"
    with make_run(env, log) as demo:
        kept = httpx.post(f"{demo.url}/stores", json={"store_name": "kept"}).json()
        failing = httpx.post(f"{demo.url}/stores", json={"store_name": "fail-demo"}).json()
        _wait_for(demo.url, kept["id"], "Ready")
        failed = _wait_for(demo.url, failing["id"], "Failed")
        assert "BackoffLimitExceeded" in failed["status_reason"]
        assert (
            "fails the setup of every store named 'fail-…' on purpose" in (failed["status_reason"])
        )
    assert (demo.data_dir / "demo" / "cluster.json").is_file()

    with make_run(env, log) as demo:
        # Several health checks later the store is still Ready: its namespace and workloads
        # came back with the cluster, nothing is "missing from the cluster".
        time.sleep(3)
        again = httpx.get(f"{demo.url}/stores/{kept['id']}").json()
        assert again["status"] == "Ready", again
        listed = httpx.get(f"{demo.url}/stores").json()
        assert {s["status"] for s in listed["items"]} == {"Ready", "Failed"}
        # The restored cluster still holds what the store is made of: deletion completes.
        assert httpx.delete(f"{demo.url}/stores/{kept['id']}").status_code == 202
        _wait_for(demo.url, kept["id"], "Deleted")


def test_a_lost_cluster_state_starts_the_demo_clean(tmp_path: Path) -> None:
    env, log = _environment(tmp_path), tmp_path / "make-run.log"
    with make_run(env, log) as demo:
        store = httpx.post(f"{demo.url}/stores", json={"store_name": "gone"}).json()
        _wait_for(demo.url, store["id"], "Ready")
    (demo.data_dir / "demo" / "cluster.json").unlink()
    with make_run(env, log) as demo:
        assert httpx.get(f"{demo.url}/stores").json()["total"] == 0


@pytest.mark.parametrize("which", ["WOO_STANDIN_PORT", "WOO_PORT"])
def test_a_taken_port_stops_make_run_with_one_line(tmp_path: Path, which: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        env = _environment(tmp_path, **{which: port})
        result = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    problem = [line for line in result.stderr.splitlines() if "in use" in line]
    assert len(problem) == 1, result.stderr
    assert port in problem[0] and which in problem[0]
    assert "Traceback" not in result.stderr
    # Stopped before the orchestrator touched a database.
    assert not (tmp_path / "var" / "demo" / "woo-platform.sqlite3").exists()
