"""The HTTP contract: validation, conflicts, idempotency, paging, errors, auth, operations.
The cluster is unreachable here on purpose: the API must never wait for it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from harness.app import RunningApp, running_app
from harness.postgres import temporary_database
from orchestrator.db import session_factory
from tests.orchestrator.conftest import count_rows, offline_settings


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[RunningApp]:
    settings = offline_settings(
        database_url,
        tmp_path,
        backoff_initial_seconds=30,
        base_domain="shops.example.com",
        allowed_domain_suffixes=["localhost"],
    )
    async with running_app(settings) as running:
        yield running


async def rows(api: RunningApp) -> tuple[int, int]:
    engine = api.app.state.sessions.kw["bind"]
    return await count_rows(session_factory(engine))


async def test_create_answers_202_with_location(api: RunningApp) -> None:
    response = await api.client.post(
        "/stores", json={"store_name": "demo", "domain": "demo.localhost", "environment": "local"}
    )
    assert response.status_code == 202
    body = response.json()
    assert response.headers["location"] == f"/stores/{body['id']}"
    assert body["status"] == "Provisioning"
    assert body["namespace"].startswith("demo-") and len(body["namespace"]) == len("demo-") + 8
    assert body["urls"] is None
    assert set(body) == {
        "id",
        "store_name",
        "namespace",
        "domain",
        "environment",
        "status",
        "status_reason",
        "urls",
        "created_at",
        "updated_at",
        "backups",
        "data_lost_at",
        "plan",
        "version",
        "pinned",
        "versions",
        "upgrade",
    }
    assert body["data_lost_at"] is None
    assert (body["plan"], body["pinned"], body["upgrade"]) == ("small", False, None)
    fetched = (await api.client.get(f"/stores/{body['id']}")).json()
    assert fetched["namespace"] == body["namespace"]
    events = (await api.client.get(f"/stores/{body['id']}/events")).json()["items"]
    assert events[0]["step"] == "request" and events[0]["outcome"] == "accepted"


async def test_domain_defaults_to_the_base_domain(api: RunningApp) -> None:
    response = await api.client.post("/stores", json={"store_name": "shop"})
    assert response.status_code == 202
    assert response.json()["domain"] == "shop.shops.example.com"
    assert response.json()["environment"] == "local"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"store_name": "Bad_Name"}, "store_name"),
        ({"store_name": "a" * 55}, "store_name"),
        ({"store_name": ""}, "store_name"),
        ({"store_name": "ok", "domain": "UPPER.example.com"}, "domain"),
        ({"store_name": "ok", "domain": "no spaces.com"}, "domain"),
        ({"store_name": "ok", "domain": "shop"}, "domain"),
        ({"store_name": "ok", "environment": "staging"}, "environment"),
        ({"store_name": "ok", "surprise": 1}, "surprise"),
        ({}, "store_name"),
    ],
)
async def test_invalid_input_is_422_and_creates_nothing(
    api: RunningApp, body: dict[str, object], field: str
) -> None:
    response = await api.client.post("/stores", json=body)
    assert response.status_code == 422
    error = response.json()
    assert error["error"] == "validation_error"
    assert field in [f["field"] for f in error["fields"]]
    assert error["detail"]
    assert await rows(api) == (0, 0)


async def test_name_or_domain_of_a_live_store_is_409(api: RunningApp) -> None:
    first = await api.client.post(
        "/stores", json={"store_name": "demo", "domain": "demo.localhost"}
    )
    assert first.status_code == 202
    same_name = await api.client.post(
        "/stores", json={"store_name": "demo", "domain": "x.localhost"}
    )
    same_domain = await api.client.post(
        "/stores", json={"store_name": "other", "domain": "demo.localhost"}
    )
    for response in (same_name, same_domain):
        assert response.status_code == 409
        assert response.json()["error"] == "conflict"
        assert first.json()["id"] in response.json()["detail"]
    assert (await rows(api))[0] == 1


async def test_idempotency_key_returns_the_same_store(api: RunningApp) -> None:
    body = {"store_name": "demo", "domain": "demo.localhost", "environment": "local"}
    headers = {"Idempotency-Key": "order-42"}
    first = await api.client.post("/stores", json=body, headers=headers)
    again = await api.client.post("/stores", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json()["id"] == again.json()["id"]
    assert (await rows(api))[0] == 1
    reused = await api.client.post(
        "/stores",
        json={**body, "store_name": "other", "domain": "other.localhost"},
        headers=headers,
    )
    assert reused.status_code == 409
    assert reused.json()["error"] == "idempotency_key_reused"
    assert (await rows(api))[0] == 1


async def test_list_pages_and_filters(api: RunningApp) -> None:
    for i in range(5):
        assert (await api.client.post("/stores", json={"store_name": f"s{i}"})).status_code == 202
    page = (await api.client.get("/stores", params={"limit": 2, "offset": 0})).json()
    assert page["total"] == 5 and [s["store_name"] for s in page["items"]] == ["s4", "s3"]
    last = (await api.client.get("/stores", params={"limit": 2, "offset": 4})).json()
    assert [s["store_name"] for s in last["items"]] == ["s0"]
    ready = (await api.client.get("/stores", params={"status": "Ready"})).json()
    assert ready["total"] == 0 and ready["items"] == []
    bad = await api.client.get("/stores", params={"status": "Sleeping"})
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "status"
    too_many = await api.client.get("/stores", params={"limit": 1000})
    assert too_many.status_code == 422


async def test_list_searches_names_and_domains_and_sorts(api: RunningApp) -> None:
    for name, domain in [
        ("bakery", "bread.shops.example.com"),
        ("books", "read.shops.example.com"),
        ("toys", "toys-bakery.shops.example.com"),
        ("cafe", None),
    ]:
        body = {"store_name": name, **({"domain": domain} if domain else {})}
        assert (await api.client.post("/stores", json=body)).status_code == 202

    async def names(**params: str) -> list[str]:
        page = (await api.client.get("/stores", params=params)).json()
        assert page["total"] == len(page["items"])
        return [store["store_name"] for store in page["items"]]

    assert await names(search="bakery") == ["toys", "bakery"]  # newest first
    assert await names(search="BAKERY", sort="name") == ["bakery", "toys"]
    assert await names(search="read") == ["books", "bakery"]  # read.…, bread.…
    # LIKE's wildcards match only themselves.
    assert await names(search="_") == []
    assert await names(search="%") == []
    assert await names(sort="oldest") == ["bakery", "books", "toys", "cafe"]
    assert await names(sort="name") == ["bakery", "books", "cafe", "toys"]
    for control in ("\x00", "a\nb"):
        refused = await api.client.get("/stores", params={"search": control})
        assert refused.status_code == 422, refused.text
        assert refused.json()["fields"][0]["field"] == "search"
    bad = await api.client.get("/stores", params={"sort": "price"})
    assert bad.status_code == 422
    assert bad.json()["fields"] == [
        {"field": "sort", "message": "must be 'newest', 'oldest', 'name' or 'status'"}
    ]


async def test_cursor_pages_walk_every_store_once_even_when_stores_come_and_go(
    api: RunningApp,
) -> None:
    for i in range(5):
        assert (await api.client.post("/stores", json={"store_name": f"s{i}"})).status_code == 202
    first = (await api.client.get("/stores", params={"limit": 2})).json()
    # A store added after the first page is newer: it belongs before the pages already read.
    await api.client.post("/stores", json={"store_name": "late"})
    seen, cursor = [s["store_name"] for s in first["items"]], first["next_cursor"]
    while cursor is not None:
        page = (await api.client.get("/stores", params={"limit": 2, "cursor": cursor})).json()
        assert page["offset"] == 0
        seen += [s["store_name"] for s in page["items"]]
        cursor = page["next_cursor"]

    assert seen == ["s4", "s3", "s2", "s1", "s0"]
    assert page["total"] == 6


async def test_a_cursor_that_is_not_ours_or_with_an_offset_is_refused(api: RunningApp) -> None:
    await api.client.post("/stores", json={"store_name": "one"})
    await api.client.post("/stores", json={"store_name": "two"})
    cursor = (await api.client.get("/stores", params={"limit": 1})).json()["next_cursor"]

    forged = await api.client.get("/stores", params={"cursor": "not-a-cursor"})
    combined = await api.client.get("/stores", params={"cursor": cursor, "offset": 1})

    assert forged.status_code == 422 and forged.json()["fields"][0]["field"] == "cursor"
    assert combined.status_code == 422 and combined.json()["fields"][0]["field"] == "offset"
    last = (await api.client.get("/stores", params={"limit": 1, "cursor": cursor})).json()
    assert [s["store_name"] for s in last["items"]] == ["one"] and last["next_cursor"] is None


async def test_cursor_pages_follow_search_and_the_oldest_order(api: RunningApp) -> None:
    for name in ["bakery", "books", "bagels", "toys", "bars"]:
        assert (await api.client.post("/stores", json={"store_name": name})).status_code == 202

    async def walk(**params: str) -> list[str]:
        seen, cursor = [], None
        while True:
            query = {"limit": "1", **params, **({"cursor": cursor} if cursor else {})}
            page = (await api.client.get("/stores", params=query)).json()
            seen += [store["store_name"] for store in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return seen

    assert await walk(search="ba") == ["bars", "bagels", "bakery"]
    assert await walk(search="ba", sort="oldest") == ["bakery", "bagels", "bars"]
    assert await walk(sort="oldest") == ["bakery", "books", "bagels", "toys", "bars"]


async def test_name_and_status_orders_page_by_offset_and_refuse_a_cursor(
    api: RunningApp,
) -> None:
    for name in ["one", "two", "three"]:
        await api.client.post("/stores", json={"store_name": name})
    cursor = (await api.client.get("/stores", params={"limit": 1})).json()["next_cursor"]
    assert cursor is not None

    by_name = (await api.client.get("/stores", params={"limit": 1, "sort": "name"})).json()
    refused = await api.client.get("/stores", params={"cursor": cursor, "sort": "status"})

    assert [s["store_name"] for s in by_name["items"]] == ["one"]
    assert by_name["next_cursor"] is None and by_name["total"] == 3
    assert refused.status_code == 422
    assert refused.json()["fields"] == [
        {"field": "cursor", "message": "page sort=status with offset instead"}
    ]


@pytest.fixture
def statements() -> Iterator[list[tuple[object, str, bool]]]:
    """Every SQL statement run while the test runs: the task that ran it, its verb, and
    whether it ran outside a transaction (autocommit)."""
    seen: list[tuple[object, str, bool]] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        autocommit = conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        seen.append((asyncio.current_task(), statement.split()[0], autocommit))

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def own(statements: list[tuple[object, str, bool]], since: int = 0) -> list[tuple[str, bool]]:
    """The statements the calling test's requests ran (the reconciler runs in tasks of its
    own; an ASGI client runs the app in the caller's task)."""
    me = asyncio.current_task()
    return [(verb, autocommit) for task, verb, autocommit in statements[since:] if task is me]


async def test_reads_are_one_statement_each_outside_a_transaction(
    api: RunningApp, statements: list[tuple[object, str, bool]]
) -> None:
    # Every statement, BEGIN and COMMIT is a round trip the request waits for: a page of stores
    # is one statement (its total rides along), and a read opens no transaction.
    ids = [
        (await api.client.post("/stores", json={"store_name": f"s{i}"})).json()["id"]
        for i in range(3)
    ]

    async def run(path: str, **params: Any) -> tuple[Any, list[tuple[str, bool]]]:
        before = len(statements)
        response = await api.client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json(), own(statements, before)

    page, ran = await run("/stores", limit=2)
    assert page["total"] == 3 and len(page["items"]) == 2
    assert ran == [("SELECT", True)]
    page, ran = await run("/stores", limit=2, cursor=page["next_cursor"])
    assert page["total"] == 3 and [s["id"] for s in page["items"]] == ids[:1]
    assert ran == [("SELECT", True)]
    # Past the last page no row carries the total: it is counted on its own.
    page, ran = await run("/stores", limit=2, offset=5)
    assert page["total"] == 3 and page["items"] == []
    assert ran == [("SELECT", True), ("SELECT", True)]
    _, ran = await run(f"/stores/{ids[0]}")
    assert ran == [("SELECT", True)]


async def test_a_change_commits_once_and_audits_in_one_statement(
    api: RunningApp, statements: list[tuple[object, str, bool]]
) -> None:
    response = await api.client.post("/stores", json={"store_name": "shop"})
    assert response.status_code == 202
    # The cap count and the two inserts in one transaction, then the audit record alone.
    assert own(statements) == [
        ("SELECT", False),
        ("INSERT", False),
        ("INSERT", False),
        ("INSERT", True),
    ]


async def test_unknown_store_is_404_in_the_one_error_shape(api: RunningApp) -> None:
    for method, path in [
        ("GET", "/stores/nope"),
        ("GET", "/stores/nope/events"),
        ("DELETE", "/stores/nope"),
        ("POST", "/stores/nope/retry"),
    ]:
        response = await api.client.request(method, path)
        assert response.status_code == 404, path
        assert response.json() == {"error": "not_found", "detail": "store nope not found"}
    assert (await api.client.get("/no/such/route")).json()["error"] == "not_found"


async def test_delete_hides_nothing_until_deleted_and_is_repeatable(api: RunningApp) -> None:
    store = (await api.client.post("/stores", json={"store_name": "demo"})).json()
    first = await api.client.delete(f"/stores/{store['id']}")
    again = await api.client.delete(f"/stores/{store['id']}")
    assert first.status_code == again.status_code == 202
    assert again.json()["status"] == "Deleting"
    listed = (await api.client.get("/stores")).json()
    assert [s["status"] for s in listed["items"]] == ["Deleting"]


async def test_retry_only_from_failed(api: RunningApp) -> None:
    store = (await api.client.post("/stores", json={"store_name": "demo"})).json()
    response = await api.client.post(f"/stores/{store['id']}/retry")
    assert response.status_code == 409
    assert response.json()["error"] == "invalid_state"


async def test_operations_endpoints(api: RunningApp) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok", "checks": {}}
    ready = await api.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {
        "database": "ok",
        "kubernetes": "unavailable",
        "secrets": "ok",
        "helm": "ok",
        "chart": "ok",
    }
    config = (await api.client.get("/config")).json()
    assert config == {
        "base_domain": "shops.example.com",
        "environments": ["local", "prod"],
        "store_name_max_length": 54,
        "auth_required": True,
        "provisioning_steps": [
            {"step": "namespace", "description": "creating namespace"},
            {"step": "secrets", "description": "creating credentials"},
            {"step": "release", "description": "installing the helm release"},
            {"step": "readiness", "description": "waiting for the store to become ready"},
        ],
        "restore_steps": [
            {"step": "safety-backup", "description": "taking a safety backup before the restore"},
            {"step": "pause", "description": "pausing the storefront for the restore"},
            {"step": "restore", "description": "restoring the backup"},
            {"step": "release", "description": "installing the helm release"},
            {"step": "readiness", "description": "waiting for the store to become ready"},
        ],
        "backups_enabled": False,
        "admin_user": "admin",
        "admin_secret": {
            "name": "store-admin-credentials",
            "user_key": "admin-user",
            "password_key": "admin-password",
        },
    }
    await api.client.post("/stores", json={"store_name": "demo"})
    metrics = (await api.client.get("/metrics")).text
    assert 'woo_stores{status="Provisioning"} 1.0' in metrics
    assert "woo_http_requests_total" in metrics
    docs = await api.client.get("/openapi.json")
    assert docs.json()["paths"]["/stores"]["post"]["operationId"] == "createStore"


async def test_root_redirects_to_the_dashboard(api: RunningApp) -> None:
    response = await api.client.get("/")
    assert response.status_code == 307 and response.headers["location"] == "/ui/"


async def test_empty_idempotency_key_is_refused(api: RunningApp) -> None:
    response = await api.client.post(
        "/stores", json={"store_name": "demo"}, headers={"Idempotency-Key": ""}
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "Idempotency-Key"
    assert await rows(api) == (0, 0)


async def test_database_gone_is_503_not_a_stack_trace(tmp_path: Path) -> None:
    with temporary_database("woo_test_gone") as database:
        settings = offline_settings(database.url, tmp_path)
        async with running_app(settings) as api:
            assert (await api.client.get("/stores")).status_code == 200
            database.drop()
            for method, path in [("GET", "/stores"), ("POST", "/stores")]:
                response = await api.client.request(method, path, json={"store_name": "demo"})
                assert response.status_code == 503, response.text
                assert response.json()["error"] == "unavailable"
                assert response.headers["retry-after"] == "5"
                assert "Traceback" not in response.text and database.name not in response.text
            ready = await api.client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"] == "unavailable"
