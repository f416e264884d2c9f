"""The watch-fed object cache against the stand-in over HTTP: list then watch, only what
``keep`` keeps, change notices by namespace, and recovery when the stream is cut and the
version it would resume from has been compacted away (410), ending in the cluster's state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from kube_standin.resources import find
from kube_standin.standin import KubeStandin
from orchestrator.kube.client import KubeClient
from orchestrator.kube.watch import ObjectCache, WatchedKind

Json = dict[str, Any]


def keep_name_and_flavour(obj: Json) -> Json | None:
    data = obj.get("data") or {}
    if "flavour" not in data:
        return None
    return {"name": obj["metadata"]["name"], "flavour": data["flavour"]}


KIND = WatchedKind("/api/v1/configmaps", keep_name_and_flavour, label_selector="part=shop")


def configmap(
    kube: KubeStandin, namespace: str, name: str, flavour: str, labels: dict[str, str]
) -> None:
    kube.registry.create(
        find("configmaps"),
        namespace,
        {"metadata": {"name": name, "labels": labels}, "data": {"flavour": flavour}},
        manager="test",
    )


@pytest.fixture
def kube(kube_standin: KubeStandin) -> KubeStandin:
    for name in ("a", "b"):
        kube_standin.registry.create(
            find("namespaces"),
            "",
            {"metadata": {"name": name}},
            manager="test",
        )
    # The namespace controller fills new namespaces on its next tick; let it, so that no write
    # the tests did not make lands after the cache's first list.
    kube_standin.wait_for(
        lambda: all(kube_standin.get("configmaps", ns, "kube-root-ca.crt") for ns in ("a", "b"))
    )
    return kube_standin


@pytest.fixture
async def changes() -> list[str]:
    return []


@pytest.fixture
async def cache(kube: KubeStandin, changes: list[str]) -> AsyncIterator[ObjectCache]:
    client = KubeClient(kubeconfig=kube.kubeconfig, context=None, request_timeout=5)
    cache = client.watch(KIND, changes.append)
    cache.start()
    yield cache
    await asyncio.to_thread(cache.stop)
    client.close()


async def eventually(condition: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_lists_then_follows_changes_keeping_only_what_keep_keeps(
    kube: KubeStandin, cache: ObjectCache, changes: list[str]
) -> None:
    configmap(kube, "a", "listed", "vanilla", {"part": "shop"})
    assert await cache.wait_synced(5)
    configmap(kube, "b", "watched", "mint", {"part": "shop"})
    configmap(kube, "b", "other-part", "mint", {"part": "blog"})
    kube.registry.delete(find("configmaps"), "a", "listed", {})

    await eventually(lambda: cache.get("b", "watched") is not None and not cache.in_namespace("a"))
    assert cache.get("b", "watched") == {"name": "watched", "flavour": "mint"}
    assert cache.get("b", "other-part") is None
    assert "a" in changes and "b" in changes


async def test_equal_texts_are_kept_once_and_forgotten_with_their_last_object(
    kube: KubeStandin, cache: ObjectCache
) -> None:
    # Many stores' objects reduce to the same text: the cache holds it once, listed or watched.
    configmap(kube, "a", "shop", "vanilla", {"part": "shop"})
    configmap(kube, "b", "shop", "vanilla", {"part": "shop"})
    assert await cache.wait_synced(5)
    await eventually(lambda: len(cache) == 2)
    assert len(cache.texts) == 1
    configmap(kube, "a", "cafe", "vanilla", {"part": "shop"})
    configmap(kube, "b", "cafe", "vanilla", {"part": "shop"})
    await eventually(lambda: len(cache) == 4)
    assert len(cache.texts) == 2
    assert (
        cache.get("a", "cafe") == cache.get("b", "cafe") == {"name": "cafe", "flavour": "vanilla"}
    )

    resource = find("configmaps")
    for namespace in ("a", "b"):
        kube.registry.delete(resource, namespace, "cafe", {})
    await eventually(lambda: len(cache) == 2)
    assert len(cache.texts) == 1


async def test_a_change_that_keep_does_not_see_notifies_nobody(
    kube: KubeStandin, cache: ObjectCache, changes: list[str]
) -> None:
    configmap(kube, "a", "quiet", "vanilla", {"part": "shop"})
    assert await cache.wait_synced(5)
    await eventually(lambda: cache.get("a", "quiet") is not None)
    changes.clear()

    resource = find("configmaps")
    obj = kube.read("configmaps", "a", "quiet")
    obj["metadata"].setdefault("annotations", {})["touched"] = "yes"
    kube.registry.replace(resource, "a", "quiet", obj, manager="test")
    configmap(kube, "a", "marker", "mint", {"part": "shop"})

    await eventually(lambda: cache.get("a", "marker") is not None)
    assert changes == ["a"]  # the marker only


async def test_a_cut_stream_whose_version_expired_is_relisted_and_converges(
    kube: KubeStandin, cache: ObjectCache
) -> None:
    configmap(kube, "a", "kept", "vanilla", {"part": "shop"})
    configmap(kube, "a", "removed-while-away", "vanilla", {"part": "shop"})
    assert await cache.wait_synced(5)
    await eventually(lambda: kube.watches.open == 1)

    kube.watches.drop()
    # While the cache waits to reconnect, the cluster moves on and forgets its history.
    resource = find("configmaps")
    kube.registry.delete(resource, "a", "removed-while-away", {})
    configmap(kube, "b", "added-while-away", "mint", {"part": "shop"})
    kube.watches.expire()

    await eventually(lambda: cache.get("b", "added-while-away") is not None, timeout=10)
    assert cache.get("a", "removed-while-away") is None
    assert cache.get("a", "kept") == {"name": "kept", "flavour": "vanilla"}
    assert cache.lists == 2
    assert any(r.status == 410 for r in kube.requests if "watch=true" in r.query)


async def test_a_watch_that_expires_while_open_resumes_without_a_relist(
    kube: KubeStandin, cache: ObjectCache
) -> None:
    assert await cache.wait_synced(5)
    await eventually(lambda: kube.watches.open == 1)

    kube.watches.expire()
    await eventually(lambda: cache.watches >= 2 and kube.watches.open == 1)
    configmap(kube, "a", "after", "mint", {"part": "shop"})

    await eventually(lambda: cache.get("a", "after") is not None)
    assert cache.lists == 1


async def test_an_unreachable_api_is_retried_until_it_answers(kube: KubeStandin) -> None:
    kube.stop()
    client = KubeClient(kubeconfig=kube.kubeconfig, context=None, request_timeout=5)
    cache = client.watch(KIND, lambda namespace: None)
    cache.start()
    try:
        assert not await cache.wait_synced(0.5)
        kube.start()
        configmap(kube, "a", "late", "mint", {"part": "shop"})
        assert await cache.wait_synced(10)
        await eventually(lambda: cache.get("a", "late") is not None)
    finally:
        await asyncio.to_thread(cache.stop)
        client.close()
