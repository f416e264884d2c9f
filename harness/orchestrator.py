"""``python -m orchestrator`` as its own process, as it runs in production: started, killed with
SIGKILL (no shutdown of any kind), started again on the same port and database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from harness.ports import free_port
from harness.tokens import ADMIN_TOKEN, bearer
from orchestrator.config import REPO_ROOT

START_TIMEOUT_SECONDS = 60.0


class OrchestratorProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        """`env` is the whole environment of the process (WOO_PORT included); its output is
        appended to `log`."""
        self.env, self.log = env, log
        self.url = f"http://127.0.0.1:{env['WOO_PORT']}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it and return once /healthz answers."""
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "orchestrator"],
                env=self.env,
                stdout=output,
                stderr=output,
                cwd=REPO_ROOT,
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the orchestrator exited during start-up:\n{self._log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"the orchestrator did not start:\n{self._log()}")

    def client(self, timeout: float = 5) -> httpx.Client:
        """A client that sends the process's bootstrap token (WOO_API_TOKEN), if it has one."""
        token = self.env.get("WOO_API_TOKEN")
        return httpx.Client(
            base_url=self.url, timeout=timeout, headers=bearer(token) if token else {}
        )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGTERM, as an orderly shutdown; nothing to do when it is not running."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def _log(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def orchestrator_process(
    database_url: str, kubeconfig: Path, helm: Path, work: Path, **settings: str
) -> OrchestratorProcess:
    """An orchestrator (not started) on a free port, on ``database_url``, driving the cluster of
    ``kubeconfig`` with ``helm``, the admin token accepted, its data and log under ``work``.
    ``settings`` by their names in the settings class (``lease_seconds="5"``: WOO_LEASE_SECONDS)."""
    env = {
        **os.environ,
        "WOO_PORT": str(free_port()),
        "WOO_DATABASE_URL": database_url,
        "WOO_KUBECONFIG": str(kubeconfig),
        "WOO_HELM_BIN": str(helm),
        "WOO_DATA_DIR": str(work / "var"),
        "WOO_API_TOKEN": ADMIN_TOKEN,
        **{f"WOO_{name.upper()}": value for name, value in settings.items()},
    }
    return OrchestratorProcess(env, work / "orchestrator.log")
