"""`python -m kube_standin`: the stand-in as a foreground process (browser e2e, demo mode)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

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
