"""Waiting for a store, over the HTTP API of an orchestrator running as a process."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

Store = dict[str, Any]


def wait_for_store(
    client: httpx.Client,
    store_id: str,
    until: Callable[[Store], bool],
    *,
    timeout: float,
    what: str = "the condition",
) -> Store:
    """Poll GET /stores/{id} until `until` holds. A store that turns Failed on the way stops the
    wait at once; both failures name the last state seen."""
    deadline = time.monotonic() + timeout
    store: Store = {}
    while time.monotonic() < deadline:
        response = client.get(f"/stores/{store_id}")
        response.raise_for_status()
        store = response.json()
        if until(store):
            return store
        if store["status"] == "Failed":
            raise RuntimeError(f"store {store_id} failed before {what}: {store}")
        time.sleep(0.02)
    raise TimeoutError(f"store {store_id} never reached {what} within {timeout}s: {store}")


def wait_for_status(
    client: httpx.Client, store_id: str, status: str, timeout: float = 120.0
) -> Store:
    return wait_for_store(
        client, store_id, lambda store: store["status"] == status, timeout=timeout, what=status
    )
