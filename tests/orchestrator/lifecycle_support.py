"""Helpers for lifecycle tests: waiting on the API, and helm stand-ins at the process edge."""

from __future__ import annotations

import asyncio
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from kubernetes import client as k8s
from kubernetes import config as k8s_config

Store = dict[str, Any]


async def wait_for_store(
    client: httpx.AsyncClient,
    store_id: str,
    until: Callable[[Store], bool],
    timeout: float = 30.0,
    what: str = "condition",
) -> Store:
    """Poll GET /stores/{id} until ``until`` holds; fail with the last state seen."""
    deadline = time.monotonic() + timeout
    store: Store = {}
    while time.monotonic() < deadline:
        response = await client.get(f"/stores/{store_id}")
        response.raise_for_status()
        store = response.json()
        if until(store):
            return store
        await asyncio.sleep(0.1)
    raise AssertionError(f"store never reached {what} within {timeout}s; last seen: {store}")


async def wait_for_status(
    client: httpx.AsyncClient, store_id: str, status: str, timeout: float = 30.0
) -> Store:
    return await wait_for_store(
        client, store_id, lambda s: s["status"] == status, timeout, what=status
    )


async def events(client: httpx.AsyncClient, store_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/stores/{store_id}/events")
    response.raise_for_status()
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def helm_wrapper(tmp_path: Path, name: str, body: str) -> Path:
    """An executable that stands where helm stands: the test decides how it misbehaves."""
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def core_api(kubeconfig: Path) -> k8s.CoreV1Api:
    """The official client pointed at the stand-in: for tests that set the scene themselves."""
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(  # type: ignore[no-untyped-call]
        str(kubeconfig), client_configuration=configuration
    )
    return k8s.CoreV1Api(k8s.ApiClient(configuration))
