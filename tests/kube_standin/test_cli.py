"""`python -m kube_standin`: the stand-in as a foreground process (browser e2e, demo mode)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_runs_until_sigterm_and_writes_a_kubeconfig(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kc"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kube_standin",
            "--port",
            "0",
            "--kubeconfig",
            str(kubeconfig),
            "--kubelet",
            "hold",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
        assert server in banner
        assert httpx.get(f"{server}/version").json()["major"] == "1"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def _standin(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kube_standin", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_busy_port_stops_it_with_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _standin("--port", str(port))
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 1
    assert stderr == (
        f"kube_standin: port {port} on 127.0.0.1 is already in use (another stand-in?)\n"
    )


def _server(kubeconfig: Path) -> httpx.Client:
    server = yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"]
    return httpx.Client(base_url=server, timeout=5)


def _create(api: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(path, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_state_file_carries_the_cluster_over_a_restart(tmp_path: Path) -> None:
    state, kubeconfig = tmp_path / "cluster.json", tmp_path / "kc"
    args = ("--port", "0", "--kubeconfig", str(kubeconfig), "--state-file", str(state))
    first = _standin(*args, "--namespace-termination", "600")
    try:
        assert first.stdout is not None
        first.stdout.readline()
        api = _server(kubeconfig)
        _create(api, "/api/v1/namespaces", {"metadata": {"name": "kept"}})
        config_map = {"metadata": {"name": "c"}, "data": {"a": "1"}}
        version = _create(api, "/api/v1/namespaces/kept/configmaps", config_map)["metadata"][
            "resourceVersion"
        ]
        _create(api, "/api/v1/namespaces", {"metadata": {"name": "leaving"}})
        assert api.delete("/api/v1/namespaces/leaving").status_code == 200
        leaving_version = api.get("/api/v1/namespaces/leaving").json()["metadata"][
            "resourceVersion"
        ]
        # Saved within moments of the change, without any shutdown.
        deadline = time.monotonic() + 10
        while not (
            state.exists() and f'"resourceVersion":"{leaving_version}"' in state.read_text()
        ):
            assert time.monotonic() < deadline, "the change was never saved"
            time.sleep(0.1)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

    second = _standin(*args, "--namespace-termination", "0.3")
    try:
        assert second.stdout is not None
        second.stdout.readline()
        api = _server(kubeconfig)
        restored = api.get("/api/v1/namespaces/kept/configmaps/c").json()
        assert restored["data"] == {"a": "1"}
        assert restored["metadata"]["resourceVersion"] == version
        # A namespace that was terminating finishes terminating in the new process.
        deadline = time.monotonic() + 10
        while api.get("/api/v1/namespaces/leaving").status_code != 404:
            assert time.monotonic() < deadline, "the terminating namespace never went away"
            time.sleep(0.1)
        # Writes go on from the saved resourceVersion, never back in time.
        newer = _create(api, "/api/v1/namespaces/kept/configmaps", {"metadata": {"name": "d"}})
        assert int(newer["metadata"]["resourceVersion"]) > int(leaving_version)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=10) == 0


def test_a_file_that_is_not_a_state_file_stops_it_with_one_line(tmp_path: Path) -> None:
    state = tmp_path / "cluster.json"
    state.write_text("{}")
    process = _standin("--port", "0", "--state-file", str(state))
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 1
    assert stderr == (
        f"kube_standin: {state} is not a stand-in state file (format None, expected 1)\n"
    )
