"""Who may call what: every protected route refuses a missing, wrong or empty token (401) and a
token without the scope (403), and a refused call changes nothing in the database or the
cluster. Tokens are managed by the CLI on the same database and kept only as digests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from harness.app import RunningApp, running_app
from harness.tokens import ADMIN_TOKEN, bearer
from kube_standin import KubeStandin
from orchestrator.auth.gate import is_public
from orchestrator.config import REPO_ROOT, Settings
from tests.orchestrator.conftest import make_settings, standin_settings
from tests.orchestrator.lifecycle_support import wait_for_status

STORE = "00000000-0000-0000-0000-000000000000"  # replaced by a real store's id in the tests

# Every protected route and the scope it needs. A route added to the API without an entry here
# fails test_every_protected_route_is_listed, so none escapes these checks.
PROTECTED: dict[tuple[str, str], str] = {
    ("GET", "/stores"): "read",
    ("POST", "/stores"): "write",
    ("GET", "/stores/{store_id}"): "read",
    ("GET", "/stores/{store_id}/events"): "read",
    ("DELETE", "/stores/{store_id}"): "write",
    ("POST", "/stores/{store_id}/retry"): "write",
    ("GET", "/whoami"): "read",
    ("GET", "/tokens"): "admin",
    ("POST", "/tokens"): "admin",
    ("DELETE", "/tokens/{name}"): "admin",
    ("GET", "/audit"): "admin",
    ("GET", "/stores/{store_id}/credentials"): "admin",
    ("POST", "/stores/{store_id}/suspend"): "write",
    ("POST", "/stores/{store_id}/resume"): "write",
    ("POST", "/stores/{store_id}/reconcile"): "write",
    ("GET", "/stores/{store_id}/workloads"): "read",
    ("GET", "/stores/{store_id}/warnings"): "read",
    # Logs may show shoppers' data: write scope, like the changes.
    ("GET", "/stores/{store_id}/logs"): "write",
    ("POST", "/stores/{store_id}/backups"): "write",
    ("GET", "/stores/{store_id}/backups"): "read",
    ("GET", "/stores/{store_id}/backups/{backup_id}"): "read",
    ("POST", "/stores/{store_id}/restore"): "write",
    ("GET", "/backups"): "read",
    ("PATCH", "/stores/{store_id}"): "write",
    ("GET", "/catalogue"): "read",
    ("POST", "/rollouts"): "write",
    ("GET", "/rollouts"): "read",
    ("GET", "/rollouts/{rollout_id}"): "read",
    ("POST", "/rollouts/{rollout_id}/pause"): "write",
    ("POST", "/rollouts/{rollout_id}/resume"): "write",
    ("POST", "/rollouts/{rollout_id}/abort"): "write",
}
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/stores"): {"store_name": "intruder", "domain": "intruder.localhost"},
    ("POST", "/tokens"): {"name": "intruder", "scope": "admin"},
    ("POST", "/stores/{store_id}/restore"): {"backup_id": "00000000-0000-0000-0000-000000000000"},
    ("PATCH", "/stores/{store_id}"): {"plan": "large"},
    ("POST", "/rollouts"): {"target_version": "v2", "selector": {"environment": "local"}},
}
TOO_WEAK = {"read": None, "write": "read", "admin": "write"}


@pytest.fixture
async def platform(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> AsyncIterator[RunningApp]:
    settings = standin_settings(postgres_database, tmp_path, kube_standin, helm_bin)
    async with running_app(settings) as running:
        yield running


def test_every_protected_route_is_listed() -> None:
    from orchestrator.app import create_app

    document = create_app(Settings(api_token=ADMIN_TOKEN)).openapi()
    routes = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if not is_public(path)
        for method in operations
    }
    assert routes == set(PROTECTED)


async def test_refused_calls_change_nothing(
    platform: RunningApp, kube_standin: KubeStandin, postgres_database: str
) -> None:
    store = (await platform.client.post("/stores", json={"store_name": "demo"})).json()
    await wait_for_status(platform.client, store["id"], "Ready")
    tokens = {}
    for scope in ("read", "write"):
        created = await platform.client.post("/tokens", json={"name": scope, "scope": scope})
        tokens[scope] = created.json()["token"]
    database_before = _database_state(postgres_database)
    cluster_writes_before = _cluster_writes(kube_standin)

    for (method, template), needed in PROTECTED.items():
        # Ids that need not exist: the token is refused before anything is looked up.
        path = (
            template.replace("{store_id}", store["id"])
            .replace("{name}", "read")
            .replace("{backup_id}", STORE)
            .replace("{rollout_id}", STORE)
        )
        body = BODIES.get((method, template))
        attempts: list[tuple[dict[str, str], int]] = [
            ({}, 401),
            (bearer("woo_not-a-token-the-platform-issued-0123456789"), 401),
            ({"Authorization": "Bearer "}, 401),
            ({"Authorization": "Bearer"}, 401),
            ({"Authorization": f"Basic {ADMIN_TOKEN}"}, 401),
            ({"Authorization": f"Bearer {ADMIN_TOKEN}x"}, 401),
        ]
        weaker = TOO_WEAK[needed]
        if weaker is not None:
            attempts.append((bearer(tokens[weaker]), 403))
        for headers, status in attempts:
            async with platform.client_with(headers) as client:
                response = await client.request(method, path, json=body)
            assert response.status_code == status, (method, path, headers, response.text)
            assert response.json()["error"] == ("unauthorized" if status == 401 else "forbidden")
            if status == 401:
                assert response.headers["www-authenticate"] == "Bearer"
            assert ADMIN_TOKEN not in response.text

    assert _database_state(postgres_database) == database_before
    assert _cluster_writes(kube_standin) == cluster_writes_before
    # What did land: the audit trail's record of each refused change by a known token.
    refusals = (await platform.client.get("/audit", params={"limit": 200})).json()["items"]
    weak_writes = {
        (method, template)
        for (method, template), needed in PROTECTED.items()
        if needed != "read" and (method != "GET" or template.endswith("/credentials"))
    }
    assert sorted(r["status_code"] for r in refusals if r["token_name"] != "bootstrap") == [
        403
    ] * len(weak_writes)


async def test_scopes_include_the_ones_below(platform: RunningApp) -> None:
    tokens = {}
    for scope in ("read", "write", "admin"):
        created = await platform.client.post("/tokens", json={"name": scope, "scope": scope})
        assert created.status_code == 201
        assert created.headers["cache-control"] == "no-store"
        tokens[scope] = created.json()["token"]
    for scope, token in tokens.items():
        async with platform.client_with(bearer(token)) as client:
            assert (await client.get("/whoami")).json() == {"name": scope, "scope": scope}
            assert (await client.get("/stores")).status_code == 200
            can_write = scope in ("write", "admin")
            created = await client.post("/stores", json={"store_name": f"s-{scope}"})
            assert created.status_code == (202 if can_write else 403)
            assert (await client.get("/tokens")).status_code == (200 if scope == "admin" else 403)


async def test_revoked_token_is_refused_at_once(platform: RunningApp) -> None:
    token = (await platform.client.post("/tokens", json={"name": "ci", "scope": "write"})).json()
    async with platform.client_with(bearer(token["token"])) as client:
        assert (await client.get("/stores")).status_code == 200
        revoked = await platform.client.delete("/tokens/ci")
        assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
        assert (await client.get("/stores")).status_code == 401
    listed = (await platform.client.get("/tokens")).json()["items"]
    assert [(t["name"], t["revoked_at"] is not None) for t in listed] == [("ci", True)]
    assert "token" not in listed[0]
    again = await platform.client.post("/tokens", json={"name": "ci", "scope": "read"})
    assert again.status_code == 201
    duplicate = await platform.client.post("/tokens", json={"name": "ci", "scope": "read"})
    assert duplicate.status_code == 409


@pytest.mark.parametrize(
    "name", ["", "Bad Name", "bootstrap", "anonymous", "cli", "ci\n", "a" * 65]
)
async def test_bad_token_names_are_refused(platform: RunningApp, name: str) -> None:
    response = await platform.client.post("/tokens", json={"name": name, "scope": "read"})
    assert response.status_code == 422
    assert (await platform.client.get("/tokens")).json()["items"] == []


def _cli(database_url: str, tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "WOO_DATABASE_URL": database_url,
        "WOO_DATA_DIR": str(tmp_path / "var"),
        "WOO_LOG_LEVEL": "warning",
    }
    return subprocess.run(
        [sys.executable, "-m", "orchestrator", "tokens", *arguments],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=60,
    )


async def test_cli_manages_tokens_on_postgres(postgres_database: str, tmp_path: Path) -> None:
    created = _cli(postgres_database, tmp_path, "create", "deploy-bot", "--scope", "write")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("woo_") and len(token) > 40

    with psycopg.connect(postgres_database) as connection:
        dump = connection.execute("SELECT * FROM api_tokens").fetchall()
    assert token not in repr(dump)
    assert len(dump) == 1

    listed = _cli(postgres_database, tmp_path, "list")
    assert listed.returncode == 0
    assert "deploy-bot" in listed.stdout and "write" in listed.stdout
    assert token not in listed.stdout

    settings = make_settings(postgres_database, tmp_path, api_token=None)
    async with running_app(settings) as api, api.client_with(bearer(token)) as client:
        assert (await client.get("/whoami")).json() == {"name": "deploy-bot", "scope": "write"}
        revoked = _cli(postgres_database, tmp_path, "revoke", "deploy-bot")
        assert revoked.returncode == 0, revoked.stderr
        assert (await client.get("/whoami")).status_code == 401

    missing = _cli(postgres_database, tmp_path, "revoke", "deploy-bot")
    assert missing.returncode == 1 and "no active token" in missing.stderr
    bad_scope = _cli(postgres_database, tmp_path, "create", "x", "--scope", "root")
    assert bad_scope.returncode == 2


@pytest.mark.parametrize("token", ["", "short", " " * 40, "a" * 31, "a" * 20 + "\n" + "a" * 20])
def test_weak_bootstrap_token_stops_the_start(token: str) -> None:
    environment = {**os.environ, "WOO_API_TOKEN": token}
    result = subprocess.run(
        [sys.executable, "-m", "orchestrator"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=REPO_ROOT,
        timeout=60,
    )
    assert result.returncode == 2
    assert "WOO_API_TOKEN" in result.stderr
    if token.strip():
        assert token.strip() not in result.stderr


async def test_auth_off_is_loud(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(database_url, tmp_path, api_token=None, auth="off")
    async with running_app(settings) as api:
        assert (await api.client.get("/stores")).status_code == 200
        assert (await api.client.get("/whoami")).json() == {"name": "anonymous", "scope": "admin"}
        assert (await api.client.get("/readyz")).json()["auth"] == "off"
        assert (await api.client.get("/config")).json()["auth_required"] is False
    assert any("WOO_AUTH=off" in record.getMessage() for record in caplog.records)


async def test_auth_is_on_by_default(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(database_url, tmp_path, api_token=None)
    async with running_app(settings) as api:
        assert (await api.client.get("/stores")).status_code == 401
        assert (await api.client.get("/healthz")).status_code == 200
        assert (await api.client.get("/readyz")).json()["auth"] == "on"
        assert (await api.client.get("/config")).json()["auth_required"] is True
        assert (await api.client.get("/openapi.json")).status_code == 200


async def test_openapi_declares_the_bearer_scheme(database_url: str, tmp_path: Path) -> None:
    async with running_app(make_settings(database_url, tmp_path)) as api:
        document = (await api.client.get("/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    assert schemes == {
        "bearerToken": {
            "type": "http",
            "scheme": "bearer",
            "description": schemes["bearerToken"]["description"],
        }
    }
    for method, path in PROTECTED:
        operation = document["paths"][path][method.lower()]
        assert operation["security"] == [{"bearerToken": []}], (method, path)
    assert "security" not in document["paths"]["/healthz"]["get"]


def _database_state(url: str) -> list[Any]:
    with psycopg.connect(url) as connection:
        return [
            connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()  # noqa: S608
            for table in ("stores", "store_events", "api_tokens")
        ]


def _cluster_writes(standin: KubeStandin) -> list[tuple[str, str]]:
    return [
        (record.method, record.path)
        for record in standin.requests
        if record.method not in ("GET", "HEAD")
    ]


async def test_oversized_bodies_are_refused_before_they_are_read(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url, tmp_path, max_body_bytes=4096)
    huge = b'{"store_name": "' + b"a" * 10_000 + b'"}'

    async def streamed() -> AsyncIterator[bytes]:
        for offset in range(0, len(huge), 1000):
            yield huge[offset : offset + 1000]

    async with running_app(settings) as api:
        declared = await api.client.post(
            "/stores", content=huge, headers={"content-type": "application/json"}
        )
        assert declared.status_code == 413
        assert declared.json()["error"] == "payload_too_large"
        chunked = await api.client.post(
            "/stores", content=streamed(), headers={"content-type": "application/json"}
        )
        assert chunked.status_code == 413
        assert chunked.json()["error"] == "payload_too_large"
        async with api.client_with({}) as anonymous:
            refused = await anonymous.post("/stores", content=huge)
            assert refused.status_code == 401
        listed = (await api.client.get("/stores", params={"include_deleted": True})).json()
        assert listed["total"] == 0
