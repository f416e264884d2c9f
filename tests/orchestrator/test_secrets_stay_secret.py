"""A whole store lifecycle with real tokens, the real helm and the stand-in, capturing every
log line, every API response, the store's events and the helm release the cluster keeps: no
password of the store's Secrets shows anywhere. Only the credentials endpoint returns the
admin password, to an admin token, uncached, and leaves an audit record.

(The setup Job's own output is covered by the chart's setup-script tests, which run the real
script: the stand-in does not run containers.)"""

from __future__ import annotations

import base64
import gzip
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.app import RunningApp, running_app
from harness.tokens import bearer
from kube_standin import KubeStandin
from tests.orchestrator.conftest import standin_settings
from tests.orchestrator.lifecycle_support import wait_for_status

SECRETS = ("store-db-credentials", "store-admin-credentials")


@pytest.fixture
async def platform(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> AsyncIterator[RunningApp]:
    settings = standin_settings(
        postgres_database, tmp_path, kube_standin, helm_bin, log_level="debug"
    )
    async with running_app(settings) as running:
        yield running


async def test_no_secret_value_leaves_the_secrets(
    platform: RunningApp, kube_standin: KubeStandin, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin = platform.client
    writer_token = (await admin.post("/tokens", json={"name": "shop", "scope": "write"})).json()
    responses: list[httpx.Response] = []

    async with platform.client_with(bearer(writer_token["token"])) as writer:

        async def call(client: httpx.AsyncClient, method: str, path: str, **kw: Any) -> Any:
            response = await client.request(method, path, **kw)
            responses.append(response)
            return response

        created = (await call(writer, "POST", "/stores", json={"store_name": "vault"})).json()
        await wait_for_status(writer, created["id"], "Ready")
        for path in ("", f"/{created['id']}", f"/{created['id']}/events"):
            await call(writer, "GET", f"/stores{path}")
        refused = await call(writer, "GET", f"/stores/{created['id']}/credentials")
        assert refused.status_code == 403

        passwords = _passwords(kube_standin, created["namespace"])
        release = _helm_release(kube_standin, created["namespace"])

        credentials = await call(admin, "GET", f"/stores/{created['id']}/credentials")
        assert credentials.status_code == 200
        assert credentials.headers["cache-control"] == "no-store"
        assert credentials.json()["username"] == "admin"
        assert credentials.json()["password"] == passwords["admin-password"]

        await call(writer, "DELETE", f"/stores/{created['id']}")
        await wait_for_status(writer, created["id"], "Deleted")
        for path in ("/stores?include_deleted=true", f"/stores/{created['id']}/events"):
            await call(writer, "GET", path)
        gone = await call(admin, "GET", f"/stores/{created['id']}/credentials")
        assert gone.status_code == 404
        for path in ("/metrics", "/readyz", "/config", "/audit?limit=200"):
            await call(admin, "GET", path)

    audit = responses[-1].json()["items"]
    reads = [r for r in audit if r["action"] == "getStoreCredentials"]
    assert [(r["token_name"], r["status_code"]) for r in reads] == [
        ("bootstrap", 404),
        ("bootstrap", 200),
        ("shop", 403),
    ]

    everything_but_the_credentials = [r for r in responses if r is not credentials]
    surfaces = {
        "log": "\n".join(record.getMessage() for record in caplog.records),
        "responses": "\n".join(f"{r.headers}\n{r.text}" for r in everything_but_the_credentials),
        "helm release": release,
    }
    assert len(caplog.records) > 20  # the lifecycle was logged, at debug level
    for name, text in surfaces.items():
        for key, value in passwords.items():
            assert value not in text, f"{key} appears in the {name}"


def _passwords(standin: KubeStandin, namespace: str) -> dict[str, str]:
    found = {}
    for name in SECRETS:
        for key, value in standin.read("secrets", namespace, name)["data"].items():
            if "password" in key:
                found[key] = base64.b64decode(value).decode()
    assert set(found) == {"mariadb-root-password", "mariadb-password", "admin-password"}
    return found


def _helm_release(standin: KubeStandin, namespace: str) -> str:
    """Every revision helm recorded (values and manifest), decoded: base64 twice, then gzip."""
    texts = []
    for secret in standin.list("secrets", namespace):
        if (secret["metadata"].get("labels") or {}).get("owner") == "helm":
            encoded = base64.b64decode(base64.b64decode(secret["data"]["release"]))
            texts.append(gzip.decompress(encoded).decode())
    assert texts
    return "\n".join(texts)
