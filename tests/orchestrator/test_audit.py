"""The audit trail: every call that changes something is recorded with its token, action,
store, outcome, request id and client address; reads are not; GET /audit pages and filters it;
old records are purged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from harness.app import RunningApp, running_app
from harness.tokens import bearer
from orchestrator.clock import Clock
from orchestrator.housekeeping import Housekeeping
from orchestrator.models import AuditRecord, utcnow
from tests.orchestrator.conftest import make_settings, offline_settings


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[RunningApp]:
    settings = offline_settings(database_url, tmp_path, backoff_initial_seconds=30)
    async with running_app(settings) as running:
        yield running


async def audit(api: RunningApp, **params: str | int) -> list[dict[str, object]]:
    response = await api.client.get("/audit", params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_changes_are_recorded_and_reads_are_not(api: RunningApp) -> None:
    created = await api.client.post("/stores", json={"store_name": "demo"})
    store_id = created.json()["id"]
    await api.client.get("/stores")
    await api.client.get(f"/stores/{store_id}")
    refused = await api.client.post(f"/stores/{store_id}/retry")
    deleted = await api.client.delete(f"/stores/{store_id}")
    reader = (await api.client.post("/tokens", json={"name": "viewer", "scope": "read"})).json()
    async with api.client_with(bearer(reader["token"])) as viewer:
        forbidden = await viewer.delete(f"/stores/{store_id}")
    async with api.client_with({}) as anonymous:
        await anonymous.delete(f"/stores/{store_id}")  # 401: not recorded

    records = list(reversed(await audit(api)))
    assert [(r["token_name"], r["action"], r["store_id"], r["status_code"]) for r in records] == [
        ("bootstrap", "createStore", store_id, 202),
        ("bootstrap", "retryStore", store_id, 409),
        ("bootstrap", "deleteStore", store_id, 202),
        ("bootstrap", "createToken", None, 201),
        ("viewer", "deleteStore", store_id, 403),
    ]
    responses = [created, refused, deleted, forbidden]
    by_request = {r["request_id"]: r for r in records}
    for response in responses:
        assert response.headers["x-request-id"] in by_request
    assert {r["client"] for r in records} == {"127.0.0.1"}
    assert all(reader["token"] not in str(r) for r in records)


async def test_the_trail_filters_and_pages(api: RunningApp) -> None:
    ids = []
    for name in ("a", "b", "c"):
        ids.append((await api.client.post("/stores", json={"store_name": name})).json()["id"])
    await api.client.delete(f"/stores/{ids[0]}")

    assert [r["action"] for r in await audit(api, store_id=ids[0])] == [
        "deleteStore",
        "createStore",
    ]
    assert len(await audit(api, action="createStore")) == 3
    assert len(await audit(api, token="bootstrap")) == 4
    assert await audit(api, token="nobody") == []
    page = (await api.client.get("/audit", params={"limit": 2, "offset": 1})).json()
    assert page["total"] == 4 and len(page["items"]) == 2
    assert page["items"][0]["store_id"] == ids[2]
    too_far = await api.client.get("/audit", params={"offset": 2**63})
    assert too_far.status_code == 422


async def test_old_records_are_purged(api: RunningApp, database_url: str, tmp_path: Path) -> None:
    sessions = api.app.state.sessions
    async with sessions() as session:
        for days in (400, 10):
            session.add(
                AuditRecord(
                    at=utcnow() - timedelta(days=days),
                    token_name="old",
                    action="deleteStore",
                    status_code=202,
                    request_id=f"r{days}",
                )
            )
        await session.commit()
    settings = make_settings(database_url, tmp_path, audit_retention_days=365)
    await Housekeeping(settings, sessions, Clock()).sweep()
    assert [r["request_id"] for r in await audit(api)] == ["r10"]


async def test_the_token_cli_is_recorded_too(postgres_database: str, tmp_path: Path) -> None:
    from tests.orchestrator.test_auth import _cli

    assert _cli(postgres_database, tmp_path, "create", "ops", "--scope", "read").returncode == 0
    assert _cli(postgres_database, tmp_path, "revoke", "ops").returncode == 0
    async with running_app(make_settings(postgres_database, tmp_path)) as api:
        records = await audit(api, token="cli")
    assert [r["action"] for r in records] == ["revokeToken", "createToken"]
