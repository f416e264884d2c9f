"""Findings of an adversarial probe of the API, each reproduced as the request that got through
and now must not: names with a trailing newline, hostnames YAML reinterprets or that point at
the cluster's own services, reserved names, paging past the database's range, a computed domain
too long for its column, metric labels chosen by the client, readiness details for anyone, and
what the platform must forget (idempotency keys, old Deleted stores)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from harness.app import RunningApp, running_app
from orchestrator.clock import Clock
from orchestrator.housekeeping import Housekeeping
from orchestrator.models import DesiredState, Store, StoreEvent, StoreStatus, utcnow
from tests.orchestrator.conftest import count_rows, make_settings, offline_settings
from tests.orchestrator.manual_clock import ManualClock


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[RunningApp]:
    settings = offline_settings(
        database_url,
        tmp_path,
        backoff_initial_seconds=30,
        base_domain="shops.example.com",
    )
    async with running_app(settings) as running:
        yield running


async def rows(api: RunningApp) -> tuple[int, int]:
    return await count_rows(api.app.state.sessions)


async def test_a_trailing_newline_does_not_bypass_uniqueness(api: RunningApp) -> None:
    first = await api.client.post(
        "/stores", json={"store_name": "shop", "domain": "shop.shops.example.com"}
    )
    assert first.status_code == 202
    for body in (
        {"store_name": "other", "domain": "shop.shops.example.com\n"},
        {"store_name": "shop\n", "domain": "x.shops.example.com"},
    ):
        response = await api.client.post("/stores", json=body)
        assert response.status_code == 422, body
    assert (await rows(api))[0] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"store_name": "a\tb"}, "store_name"),
        ({"store_name": "ok", "domain": "ok.shops.example.com\x00"}, "domain"),
        ({"store_name": "ok", "domain": "ok.shops.example.com\r"}, "domain"),
        # YAML would read these as null, a boolean, numbers; one label is not a store's host.
        ({"store_name": "ok", "domain": "null"}, "domain"),
        ({"store_name": "ok", "domain": "true"}, "domain"),
        ({"store_name": "ok", "domain": "1e5"}, "domain"),
        ({"store_name": "ok", "domain": "0x7f000001"}, "domain"),
        # Hosts the platform does not serve: cluster-internal, cloud metadata, anyone's.
        ({"store_name": "ok", "domain": "localhost"}, "domain"),
        ({"store_name": "ok", "domain": "kubernetes.default.svc"}, "domain"),
        ({"store_name": "ok", "domain": "metadata.google.internal"}, "domain"),
        ({"store_name": "ok", "domain": "ingress-nginx-controller.ingress-nginx.svc"}, "domain"),
        ({"store_name": "ok", "domain": "intranet.corp.example.net"}, "domain"),
        ({"store_name": "ok", "domain": "shops.example.com"}, "domain"),
        ({"store_name": "ok", "domain": "evilshops.example.com"}, "domain"),
        # Names of the cluster's and the platform's own namespaces.
        ({"store_name": "default"}, "store_name"),
        ({"store_name": "kube-system"}, "store_name"),
        ({"store_name": "kube-anything"}, "store_name"),
        ({"store_name": "woo-platform"}, "store_name"),
    ],
)
async def test_refused_names_and_hosts_create_nothing(
    api: RunningApp, body: dict[str, Any], field: str
) -> None:
    response = await api.client.post("/stores", json=body)
    assert response.status_code == 422, response.text
    assert field in [f["field"] for f in response.json()["fields"]]
    assert await rows(api) == (0, 0)


async def test_operators_can_allow_other_domains(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(
        database_url,
        tmp_path,
        base_domain="shops.example.com",
        allowed_domain_suffixes=["brand.example.org"],
    )
    async with running_app(settings) as api:
        allowed = await api.client.post(
            "/stores", json={"store_name": "a", "domain": "www.brand.example.org"}
        )
        assert allowed.status_code == 202
        other = await api.client.post(
            "/stores", json={"store_name": "b", "domain": "www.other.example.org"}
        )
        assert other.status_code == 422
        assert "*.brand.example.org" in other.json()["detail"]


async def test_a_computed_domain_too_long_is_a_field_error(
    database_url: str, tmp_path: Path
) -> None:
    long_base = ".".join(["b" * 60] * 4)  # 243 characters: valid on its own
    settings = make_settings(database_url, tmp_path, base_domain=long_base)
    async with running_app(settings) as api:
        response = await api.client.post("/stores", json={"store_name": "a-long-store-name"})
        assert response.status_code == 422
        assert response.json()["fields"][0]["field"] == "domain"
        assert await rows(api) == (0, 0)


async def test_paging_is_bounded(api: RunningApp) -> None:
    for params in ({"offset": 10**19}, {"offset": 2**63}, {"offset": 10_000_001}):
        response = await api.client.get("/stores", params=params)
        assert response.status_code == 422, response.text
    store = (await api.client.post("/stores", json={"store_name": "demo"})).json()
    huge = await api.client.get(f"/stores/{store['id']}/events", params={"after": 2**63})
    assert huge.status_code == 422


async def test_events_come_a_page_at_a_time(api: RunningApp) -> None:
    # A Failed store: the reconciler leaves it alone, so its timeline holds still.
    now = utcnow()
    async with api.app.state.sessions() as session:
        session.add(_store("paged", StoreStatus.FAILED, None, now))
        session.add_all(
            StoreEvent(store_id="paged", step="request", outcome="accepted", message=f"event {i}")
            for i in range(5)
        )
        await session.commit()

    messages: list[str] = []
    after = 0
    pages = 0
    while True:
        response = await api.client.get("/stores/paged/events", params={"limit": 2, "after": after})
        body = response.json()
        messages += [event["message"] for event in body["items"]]
        pages += 1
        if body["next_after"] is None:
            break
        after = body["next_after"]
    assert messages == [f"event {i}" for i in range(5)]
    assert pages == 3
    too_many = await api.client.get("/stores/paged/events", params={"limit": 501})
    assert too_many.status_code == 422


async def test_idempotency_key_with_control_characters_is_refused(api: RunningApp) -> None:
    response = await api.client.post(
        "/stores", json={"store_name": "demo"}, headers={"Idempotency-Key": "a\tb"}
    )
    assert response.status_code == 422
    assert await rows(api) == (0, 0)


async def test_the_method_label_has_a_fixed_set_of_values(api: RunningApp) -> None:
    for index in range(20):
        await api.client.request(f"X-RANDOM-{index}", "/healthz")
    metrics = (await api.client.get("/metrics")).text
    assert "X-RANDOM" not in metrics
    assert 'woo_http_requests_total{method="other",route="/healthz",status="405"} 20.0' in metrics


async def test_readiness_tells_anyone_only_the_state_of_each_check(api: RunningApp) -> None:
    async with api.client_with({}) as anonymous:
        response = await anonymous.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {
            "database": "ok",
            "kubernetes": "unavailable",
            "secrets": "ok",
            "helm": "ok",
            "chart": "ok",
        },
        "auth": "on",
    }


async def test_idempotency_keys_expire(database_url: str, tmp_path: Path) -> None:
    settings = make_settings(database_url, tmp_path, idempotency_key_hours=0.5 / 3600)
    async with running_app(settings) as api:
        headers = {"Idempotency-Key": "order-7"}
        first = await api.client.post("/stores", json={"store_name": "a"}, headers=headers)
        reused = await api.client.post("/stores", json={"store_name": "b"}, headers=headers)
        assert first.status_code == 202 and reused.status_code == 409
        await asyncio.sleep(0.6)
        await api.app.state.housekeeping.sweep()
        later = await api.client.post("/stores", json={"store_name": "b"}, headers=headers)
        assert later.status_code == 202
        assert later.json()["id"] != first.json()["id"]


async def test_deleted_stores_are_purged_after_the_retention(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path
) -> None:
    now = utcnow()
    async with sessions() as session:
        for name, deleted_days_ago, status in [
            ("old", 1.0, StoreStatus.DELETED),
            ("recent", 0.25, StoreStatus.DELETED),
            ("live", None, StoreStatus.READY),
        ]:
            session.add(_store(name, status, deleted_days_ago, now))
            session.add(StoreEvent(store_id=name, step="request", outcome="accepted", message="-"))
        await session.commit()

    # Retention is measured on the platform's clock: 29.5 days on, "old" (deleted 30.5 days
    # before) goes and "recent" (29.75 days) stays.
    clock = ManualClock()
    clock.advance(timedelta(days=29.5).total_seconds())
    settings = make_settings(database_url, tmp_path, deleted_store_retention_days=30)
    await Housekeeping(settings, sessions, Clock()).sweep()
    async with sessions() as session:
        assert len((await session.scalars(select(Store.id))).all()) == 3, "nothing is old yet"
    await Housekeeping(settings, sessions, clock).sweep()

    async with sessions() as session:
        left = (await session.scalars(select(Store.id).order_by(Store.id))).all()
        events = await session.scalar(select(func.count()).select_from(StoreEvent))
    assert left == ["live", "recent"]
    assert events == 2


def _store(name: str, status: StoreStatus, deleted_days_ago: float | None, now: Any) -> Store:
    deleted_at = now - timedelta(days=deleted_days_ago) if deleted_days_ago else None
    return Store(
        id=name,
        store_name=name,
        namespace=f"{name}-00000000",
        domain=f"{name}.localhost",
        environment="local",
        desired_state=DesiredState.ABSENT if deleted_at else DesiredState.PRESENT,
        status=status,
        created_at=now - timedelta(days=40),
        updated_at=now,
        deleted_at=deleted_at,
        next_attempt_at=now,
    )
