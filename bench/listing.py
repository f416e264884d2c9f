"""GET /stores (a page of 50) with 10,000 stores in PostgreSQL: latency and memory. The baseline
is GET /healthz on the same server, which touches neither the database nor the stores. Every
page of the fleet is also walked with the cursor (keyset) form, first page to last, three
times: its p95 over all pages shows whether a deep page costs more than the first."""

from __future__ import annotations

import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from bench.platform import percentile, running_platform

STORES = 10_000
REQUESTS = 300


def run() -> dict[str, Any]:
    with running_platform() as platform, platform.client() as client:
        _fill(platform.database_url)
        pages = _timed(client, "/stores", {"limit": 50})
        filtered = _timed(client, "/stores", {"limit": 50, "status": "Failed"})
        deep = _timed(client, "/stores", {"limit": 50, "offset": 9_000})
        walked = [_walk(client) for _ in range(3)]
        health = _timed(client, "/healthz", {})
        rss = platform.rss_mib()
    return {
        "stores": STORES,
        "requests": REQUESTS,
        "list_p50_ms": round(percentile(pages, 0.5), 2),
        "list_p95_ms": round(percentile(pages, 0.95), 2),
        "list_failed_p95_ms": round(percentile(filtered, 0.95), 2),
        "list_offset_9000_p95_ms": round(percentile(deep, 0.95), 2),
        "list_cursor_pages": len(walked[0]),
        "list_cursor_all_pages_p95_ms": round(
            percentile([ms for walk in walked for ms in walk], 0.95), 2
        ),
        "list_cursor_first_page_median_ms": round(statistics.median(w[0] for w in walked), 2),
        "list_cursor_last_page_median_ms": round(statistics.median(w[-1] for w in walked), 2),
        "healthz_p95_ms": round(percentile(health, 0.95), 2),
        "ratio_list_to_healthz_p95": round(percentile(pages, 0.95) / percentile(health, 0.95), 2),
        "target_list_p95_ms_below": 20,
        "orchestrator_rss_mib": round(rss, 1),
        "target_rss_mib_below": 150,
    }


def _walk(client: Any) -> list[float]:
    """Every page, first to last, following next_cursor; the time of each."""
    samples, params = [], {"limit": 50}
    while True:
        started = time.perf_counter()
        response = client.get("/stores", params=params)
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return samples
        params = {"limit": 50, "cursor": cursor}


def _timed(client: Any, path: str, params: dict[str, Any]) -> list[float]:
    client.get(path, params=params).raise_for_status()  # warm up
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        client.get(path, params=params).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _fill(database_url: str) -> None:
    """10,000 settled stores, written straight into the table (the API would provision them)."""
    now = datetime.now(UTC)
    rows = []
    for i in range(STORES):
        status = "Failed" if i % 10 == 0 else "Ready"
        created = now - timedelta(seconds=STORES - i)
        name = f"list{i}"
        rows.append(
            (
                str(uuid.uuid4()),
                name,
                f"{name}-{i:08x}",
                f"{name}.localhost",
                "local",
                "present",
                status,
                None,
                f"http://{name}.localhost/",
                f"http://{name}.localhost/wp-admin/",
                created,
                created,
                1,
                1,
                1,
                0,
                now + timedelta(hours=1),
            )
        )
    with psycopg.connect(database_url) as connection, connection.cursor() as cursor:
        with cursor.copy(
            "COPY stores (id, store_name, namespace, domain, environment, desired_state, status,"
            " status_reason, storefront_url, admin_url, created_at, updated_at, generation,"
            " applied_generation, release_revision, attempt, next_attempt_at) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        connection.commit()
