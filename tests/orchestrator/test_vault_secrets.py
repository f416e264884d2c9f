"""The vault secrets backend against a real OpenBao dev server and the stand-in, with the real
helm and store chart: credentials land in KV v2 at the documented path and nowhere else,
ExternalSecrets name those paths and the chart's Secret names and keys, a store is Ready once
the operator (played by the test) has synced them, deletion removes the path, and an
unreachable Vault shows in /readyz and status_reason without failing stores. The credentials
endpoint reads KV v2 in this mode."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from harness.app import running_app
from harness.ports import free_port
from kube_standin import KubeStandin
from orchestrator.config import Settings
from orchestrator.kube.client import KubeClient
from orchestrator.models import Store
from orchestrator.provisioning.secret_backends import VaultSecrets, external_secret
from orchestrator.provisioning.store_values import ADMIN_SECRET, DB_SECRET, generated_secrets
from orchestrator.vault.client import VaultClient
from orchestrator.vault.errors import VaultUnavailable
from tests.orchestrator.conftest import standin_settings
from tests.orchestrator.lifecycle_support import wait_for_status, wait_for_store
from tests.orchestrator.vault_support import OpenBao, external_secrets_operator, openbao

DEMO = {"store_name": "demo", "domain": "demo.localhost", "environment": "local"}
PREFIX = "woo-platform/stores"
SCHEMA = Path(__file__).parent / "testdata" / "externalsecret-v1.schema.json"
CHART_SECRETS = {
    DB_SECRET: {"mariadb-root-password", "mariadb-password"},
    ADMIN_SECRET: {"admin-user", "admin-password", "admin-email"},
}


@pytest.fixture
def bao() -> Iterator[OpenBao]:
    with openbao() as server:
        yield server


def vault_settings(tmp_path: Path, standin: KubeStandin, helm_bin: Path, bao: OpenBao) -> Settings:
    return standin_settings(
        f"sqlite:///{tmp_path / 'woo.sqlite3'}",
        tmp_path,
        standin,
        helm_bin,
        secrets_backend="vault",
        vault_addr=bao.address,
        vault_token=bao.token,
        vault_request_timeout_seconds=2,
    )


def store_secrets(standin: KubeStandin, namespace: str) -> set[str]:
    """The Secrets in a namespace that are not helm's own release records."""
    return {
        secret["metadata"]["name"]
        for secret in standin.list("secrets", namespace)
        if (secret["metadata"].get("labels") or {}).get("owner") != "helm"
    }


async def test_credentials_live_in_kv_and_reach_the_chart_through_external_secrets(
    kube_standin: KubeStandin, helm_bin: Path, tmp_path: Path, bao: OpenBao
) -> None:
    settings = vault_settings(tmp_path, kube_standin, helm_bin, bao)
    async with running_app(settings) as api:
        ready = await api.client.get("/readyz")
        assert ready.json()["checks"]["secrets"] == "ok"
        created = (await api.client.post("/stores", json=DEMO)).json()
        store_id, namespace = created["id"], created["namespace"]

        # No operator yet: the store waits, saying for what, and the orchestrator itself has
        # created no Secret in the namespace.
        waiting = await wait_for_store(
            api.client,
            store_id,
            lambda s: "waiting for External Secrets to sync" in (s["status_reason"] or ""),
        )
        assert waiting["status"] == "Provisioning"
        assert DB_SECRET in waiting["status_reason"] and ADMIN_SECRET in waiting["status_reason"]
        assert store_secrets(kube_standin, namespace) == set()

        # The credentials are in KV at <prefix>/<store id>/<Secret name>, with the chart's keys.
        kv = {}
        for name, keys in CHART_SECRETS.items():
            response = bao.kv(f"{PREFIX}/{store_id}/{name}")
            assert response.status_code == 200, name
            kv[name] = response.json()["data"]["data"]
            assert set(kv[name]) == keys
        # GET /stores/{id}/credentials reads the backend in use: KV v2, before any Secret exists.
        credentials = await api.client.get(f"/stores/{store_id}/credentials")
        assert credentials.status_code == 200, credentials.text
        assert credentials.json()["username"] == kv[ADMIN_SECRET]["admin-user"]
        assert credentials.json()["password"] == kv[ADMIN_SECRET]["admin-password"]
        # The ExternalSecrets name those paths, and the Secret names and keys the chart reads.
        for name, keys in CHART_SECRETS.items():
            external = kube_standin.read("externalsecrets", namespace, name)
            spec = external["spec"]
            assert spec["target"]["name"] == name
            assert spec["secretStoreRef"] == {
                "kind": "ClusterSecretStore",
                "name": "woo-platform-vault",
            }
            assert {item["secretKey"] for item in spec["data"]} == keys
            assert {item["remoteRef"]["key"] for item in spec["data"]} == {
                f"{PREFIX}/{store_id}/{name}"
            }
            assert external["metadata"]["labels"]["woo-platform/store-id"] == store_id
            assert "stringData" not in json.dumps(external)

        with external_secrets_operator(kube_standin, bao):
            await wait_for_status(api.client, store_id, "Ready")
        assert store_secrets(kube_standin, namespace) == set(CHART_SECRETS)

        await api.client.delete(f"/stores/{store_id}")
        await wait_for_status(api.client, store_id, "Deleted")
    for name in CHART_SECRETS:
        assert bao.kv(f"{PREFIX}/{store_id}/{name}").status_code == 404, name


async def test_credentials_are_written_once(
    bao: OpenBao, kube_standin: KubeStandin, tmp_path: Path
) -> None:
    settings = vault_settings(tmp_path, kube_standin, Path("/unused"), bao)
    kube = KubeClient(kubeconfig=kube_standin.kubeconfig, context=None, request_timeout=5)
    vault = VaultClient(bao.address, bao.token, mount="secret", timeout=2)
    backend = VaultSecrets(settings, vault, kube)
    store = demo_store()
    await kube.create_namespace(store.namespace, {})
    try:
        first = await backend.ensure(store)
        before = bao.kv(f"{PREFIX}/{store.id}/{DB_SECRET}").json()["data"]
        second = await backend.ensure(store)
        after = bao.kv(f"{PREFIX}/{store.id}/{DB_SECRET}").json()["data"]
    finally:
        await vault.close()
        kube.close()
    assert "credentials written" in first and "ExternalSecrets created" in first
    assert second == "credentials and ExternalSecrets already present, kept"
    assert after == before and after["metadata"]["version"] == 1


async def test_an_unreachable_vault_shows_and_fails_no_store(
    kube_standin: KubeStandin, helm_bin: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with openbao() as first:
        port = int(first.address.rsplit(":", 1)[1])
        settings = vault_settings(tmp_path, kube_standin, helm_bin, first)
        token = first.token
    # The server is gone before the platform starts.
    async with running_app(settings) as api:
        ready = await api.client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["secrets"] == "unavailable"
        assert "not ready: secrets unavailable: " in caplog.text
        assert "unreachable" in caplog.text
        created = (await api.client.post("/stores", json=DEMO)).json()
        retrying = await wait_for_store(
            api.client,
            created["id"],
            lambda s: "unreachable" in (s["status_reason"] or ""),
        )
        assert retrying["status"] == "Provisioning"
        assert retrying["status_reason"].startswith("creating credentials: ")
        assert first.token not in json.dumps(retrying)
        credentials = await api.client.get(f"/stores/{created['id']}/credentials")
        assert credentials.status_code == 503, credentials.text
        assert "unreachable" in credentials.json()["detail"]
        assert first.token not in credentials.text

        # Vault is back: the same store goes on and becomes Ready.
        with openbao(port=port, token=token) as again:
            assert (await api.client.get("/readyz")).status_code == 200
            with external_secrets_operator(kube_standin, again):
                await wait_for_status(api.client, created["id"], "Ready", timeout=60)


async def test_vault_client_reports_unreachable_as_transient(tmp_path: Path) -> None:
    vault = VaultClient(f"http://127.0.0.1:{free_port()}", "t", mount="secret", timeout=1)
    try:
        with pytest.raises(VaultUnavailable, match="unreachable") as raised:
            await vault.write_once("a/b", {"k": "v"})
    finally:
        await vault.close()
    assert raised.value.transient and "v" not in str(raised.value).split(":")[-1]


# --- the manifests against the operator's published schema ---------------------------------------
def demo_store() -> Store:
    return Store(
        id="4f1c4c43-0000-4000-8000-000000000001",
        store_name="demo",
        namespace="demo-0a1b2c3d",
        domain="demo.localhost",
        environment="local",
    )


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema as the API server applies it with strict field validation: unknown fields
    are errors wherever the schema lists the fields."""
    schema = copy.deepcopy(schema)

    def close(node: Any) -> None:
        if isinstance(node, dict):
            if (
                "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(schema)
    return schema


def external_secrets(tmp_path: Path) -> list[dict[str, Any]]:
    settings = Settings(
        data_dir=tmp_path,
        secrets_backend="vault",
        vault_addr="http://127.0.0.1:1",
        vault_token="t",
    )
    store = demo_store()
    return [
        external_secret(settings, store, name, values)
        for name, values in generated_secrets(store).items()
    ]


def validate(manifest: dict[str, Any]) -> None:
    schema = strict(json.loads(SCHEMA.read_text()))
    jsonschema.Draft7Validator(schema).validate(manifest)


def test_external_secrets_meet_the_operators_crd_schema(tmp_path: Path) -> None:
    manifests = external_secrets(tmp_path)
    assert {m["metadata"]["name"] for m in manifests} == set(CHART_SECRETS)
    for manifest in manifests:
        validate(manifest)


@pytest.mark.parametrize(
    "break_it",
    [
        pytest.param(lambda m: m["spec"]["data"][0]["remoteRef"].pop("key"), id="no-remote-key"),
        pytest.param(lambda m: m["spec"]["data"][0].update(secretKey=7), id="key-not-a-string"),
        pytest.param(lambda m: m["spec"]["target"].update(creationPolicy="Always"), id="bad-enum"),
        pytest.param(lambda m: m["spec"].update(secretStore={"name": "x"}), id="unknown-field"),
    ],
)
def test_the_schema_check_refuses_broken_manifests(tmp_path: Path, break_it: Any) -> None:
    manifest = external_secrets(tmp_path)[0]
    break_it(manifest)
    with pytest.raises(jsonschema.ValidationError):
        validate(manifest)
