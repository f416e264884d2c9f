"""``woo`` as operators run it: its own process, speaking real HTTP to an orchestrator process
(real Postgres, real helm, the Kubernetes API stand-in)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.orchestrator import OrchestratorProcess, orchestrator_process
from harness.postgres import temporary_database
from harness.tokens import ADMIN_TOKEN
from kube_standin import KubeStandin


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


Woo = Callable[..., Run]


@pytest.fixture
def platform(
    kube_standin: KubeStandin, helm_bin: Path, tmp_path: Path
) -> Iterator[OrchestratorProcess]:
    # A database of its own, which the orchestrator migrates as it starts.
    with temporary_database("woo_cli") as database:
        yield from start_orchestrator(database.url, kube_standin, helm_bin, tmp_path)


def start_orchestrator(
    database_url: str, kube_standin: KubeStandin, helm_bin: Path, tmp_path: Path, **extra: str
) -> Iterator[OrchestratorProcess]:
    process = orchestrator_process(
        database_url,
        kube_standin.kubeconfig,
        helm_bin,
        tmp_path,
        readiness_poll_seconds="0.3",
        backoff_initial_seconds="0.2",
        helm_timeout_seconds="60",
        log_level="warning",
        **extra,
    )
    process.start()
    yield process
    process.stop()


def cli_environment(tmp_path: Path, **values: str) -> dict[str, str]:
    """The environment `woo` runs in: nothing of the developer's own configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WOO_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config-home")
    env.update(values)
    return env


def run_woo(env: dict[str, str], *args: str, timeout: float = 120) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "woo_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def woo(platform: OrchestratorProcess, tmp_path: Path) -> Woo:
    """Runs `woo ARGS...` against the platform with the admin token, from the environment."""
    env = cli_environment(tmp_path, WOO_URL=platform.url, WOO_TOKEN=ADMIN_TOKEN)

    def run(*args: str, timeout: float = 120) -> Run:
        return run_woo(env, *args, timeout=timeout)

    return run
