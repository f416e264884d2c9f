"""Abuse limits: a token's burst of changes, then 429 with Retry-After; a cap on live stores
for the platform and per token, named in the refusal; neither refusal creates anything."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.app import running_app
from harness.tokens import bearer
from orchestrator.auth.limits import RateLimiter
from tests.orchestrator.conftest import count_rows, offline_settings


def settings_with(database_url: str, tmp_path: Path, **overrides: Any) -> Any:
    return offline_settings(database_url, tmp_path, backoff_initial_seconds=30, **overrides)


async def test_changes_beyond_the_burst_get_429_with_retry_after(
    database_url: str, tmp_path: Path
) -> None:
    settings = settings_with(database_url, tmp_path, rate_limit_burst=3, rate_limit_per_minute=6)
    async with running_app(settings) as api:
        other = (await api.client.post("/tokens", json={"name": "other", "scope": "write"})).json()
        answers = [
            (await api.client.post("/stores", json={"store_name": f"s{i}"})).status_code
            for i in range(3)
        ]
        assert answers == [202, 202, 429]  # the token creation above spent one of the three
        refused = await api.client.post("/stores", json={"store_name": "s9"})
        assert refused.status_code == 429
        assert refused.json()["error"] == "rate_limited"
        assert "WOO_RATE_LIMIT_BURST" in refused.json()["detail"]
        assert 1 <= int(refused.headers["retry-after"]) <= 10
        assert (await api.client.get("/stores")).status_code == 200  # reads are not limited
        async with api.client_with(bearer(other["token"])) as client:
            assert (await client.post("/stores", json={"store_name": "o1"})).status_code == 202
        assert (await count_rows(api.app.state.sessions))[0] == 3


def test_the_bucket_refills_at_the_configured_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(per_minute=60, burst=2, clock=lambda: now[0])
    assert [limiter.take("a"), limiter.take("a")] == [0, 0]
    assert limiter.take("a") == 1.0
    assert limiter.take("b") == 0
    now[0] = 0.5
    assert limiter.take("a") == 0.5
    now[0] = 1.0
    assert limiter.take("a") == 0
    assert RateLimiter.retry_after(0.2) == "1" and RateLimiter.retry_after(2.1) == "3"


async def test_the_platform_cap_refuses_the_next_store(database_url: str, tmp_path: Path) -> None:
    async with running_app(settings_with(database_url, tmp_path, max_stores=2)) as api:
        key = {"Idempotency-Key": "first"}
        first = await api.client.post("/stores", json={"store_name": "a"}, headers=key)
        assert (await api.client.post("/stores", json={"store_name": "b"})).status_code == 202
        refused = await api.client.post("/stores", json={"store_name": "c"})
        assert refused.status_code == 409
        assert refused.json()["error"] == "limit_reached"
        assert "2 live stores (WOO_MAX_STORES)" in refused.json()["detail"]
        replay = await api.client.post("/stores", json={"store_name": "a"}, headers=key)
        assert replay.status_code == 200 and replay.json()["id"] == first.json()["id"]
        assert (await count_rows(api.app.state.sessions))[0] == 2


async def test_the_per_token_cap_counts_each_tokens_stores(
    database_url: str, tmp_path: Path
) -> None:
    async with running_app(settings_with(database_url, tmp_path, max_stores_per_token=1)) as api:
        other = (await api.client.post("/tokens", json={"name": "other", "scope": "write"})).json()
        assert (await api.client.post("/stores", json={"store_name": "a"})).status_code == 202
        refused = await api.client.post("/stores", json={"store_name": "b"})
        assert refused.status_code == 409
        assert "token 'bootstrap'" in refused.json()["detail"]
        assert "WOO_MAX_STORES_PER_TOKEN" in refused.json()["detail"]
        async with api.client_with(bearer(other["token"])) as client:
            assert (await client.post("/stores", json={"store_name": "c"})).status_code == 202
