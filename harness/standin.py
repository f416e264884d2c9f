"""The Kubernetes API stand-in as a process of its own (``python -m kube_standin``), so its
work never slows the client that takes measurements."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from harness.ports import free_port
from orchestrator.config import REPO_ROOT


@dataclass(frozen=True)
class StandinProcess:
    url: str
    kubeconfig: Path


@contextmanager
def standin_process(work: Path, ready_after: float = 0.0) -> Iterator[StandinProcess]:
    """A stand-in with a ready kubelet whose workloads turn ready after `ready_after` seconds;
    its kubeconfig is written into `work`. Stopped with SIGTERM on exit."""
    port = free_port()
    kubeconfig = work / "kubeconfig"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kube_standin",
            "--port",
            str(port),
            "--kubeconfig",
            str(kubeconfig),
            "--kubelet",
            "ready",
            "--ready-after",
            str(ready_after),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _answers(f"{url}/version"):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the Kubernetes API stand-in did not start")
            time.sleep(0.05)
        yield StandinProcess(url, kubeconfig)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False
