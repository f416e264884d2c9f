"""Watch streams over time: bookmarks while nothing happens, expiry after compaction, streams
cut mid-line, cluster-wide watches with a label selector, and the kubelet switched off. These
use the stand-in's own controls, so they run against the stand-in only."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kube_standin.standin import KubeStandin

Obj = dict[str, Any]


@pytest.fixture
def http(kube_standin: KubeStandin) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=kube_standin.url, timeout=10) as client:
        for name in ("shop", "other"):
            client.post("/api/v1/namespaces", json={"metadata": {"name": name}}).raise_for_status()
        yield client


def configmap(http: httpx.Client, namespace: str, name: str, labels: dict[str, str]) -> Obj:
    created = http.post(
        f"/api/v1/namespaces/{namespace}/configmaps",
        json={"metadata": {"name": name, "labels": labels}},
    )
    created.raise_for_status()
    body: Obj = created.json()
    return body


def version_of(http: httpx.Client, path: str) -> str:
    return str(http.get(path).json()["metadata"]["resourceVersion"])


def test_an_idle_watch_gets_bookmarks_that_advance_past_filtered_changes(
    kube_standin: KubeStandin, http: httpx.Client
) -> None:
    kube_standin.watches.bookmark_seconds = 0.2
    since = version_of(http, "/api/v1/configmaps")
    configmap(http, "shop", "wanted", {"app": "web"})
    unrelated = configmap(http, "shop", "unrelated", {"app": "db"})
    events = []
    with http.stream(
        "GET",
        "/api/v1/configmaps",
        params={
            "watch": "1",
            "resourceVersion": since,
            "allowWatchBookmarks": "true",
            "labelSelector": "app=web",
        },
    ) as stream:
        lines = stream.iter_lines()
        events.append(json.loads(next(lines)))
        events.append(json.loads(next(lines)))

    assert [e["type"] for e in events] == ["ADDED", "BOOKMARK"]
    assert int(events[1]["object"]["metadata"]["resourceVersion"]) >= int(
        unrelated["metadata"]["resourceVersion"]
    )


def test_no_bookmarks_unless_asked_for(kube_standin: KubeStandin, http: httpx.Client) -> None:
    kube_standin.watches.bookmark_seconds = 0.05
    with http.stream(
        "GET", "/api/v1/configmaps", params={"watch": "1", "timeoutSeconds": "1"}
    ) as stream:
        lines = [json.loads(line) for line in stream.iter_lines()]

    assert "BOOKMARK" not in [e["type"] for e in lines]


def test_a_cluster_wide_watch_with_a_label_selector_sees_every_namespace(
    http: httpx.Client,
) -> None:
    since = version_of(http, "/api/v1/configmaps")
    configmap(http, "shop", "a", {"part": "x"})
    configmap(http, "other", "b", {"part": "y"})
    configmap(http, "other", "c", {"part": "x"})

    with http.stream(
        "GET",
        "/api/v1/configmaps",
        params={"watch": "1", "resourceVersion": since, "labelSelector": "part=x"},
    ) as stream:
        lines = stream.iter_lines()
        seen = [json.loads(next(lines))["object"]["metadata"] for _ in range(2)]

    assert [(m["namespace"], m["name"]) for m in seen] == [("shop", "a"), ("other", "c")]


def test_expiry_ends_open_streams_and_old_versions_answer_410(
    kube_standin: KubeStandin, http: httpx.Client
) -> None:
    since = version_of(http, "/api/v1/configmaps")
    configmap(http, "shop", "a", {})
    ended = threading.Event()

    def watch_until_it_ends() -> None:
        with http.stream("GET", "/api/v1/configmaps", params={"watch": "1"}) as stream:
            for _ in stream.iter_lines():
                pass
        ended.set()

    watcher = threading.Thread(target=watch_until_it_ends)
    watcher.start()
    kube_standin.wait_for(lambda: kube_standin.watches.open == 1)
    kube_standin.watches.expire()
    watcher.join(timeout=5)

    resumed = http.get("/api/v1/configmaps", params={"watch": "1", "resourceVersion": since})
    current = version_of(http, "/api/v1/configmaps")
    from_now = http.get(
        "/api/v1/configmaps",
        params={"watch": "1", "resourceVersion": current, "timeoutSeconds": "1"},
    )

    assert ended.is_set()
    assert (resumed.status_code, resumed.json()["reason"]) == (410, "Expired")
    assert from_now.status_code == 200


def test_a_dropped_stream_is_cut_mid_line_and_still_recorded(
    kube_standin: KubeStandin, http: httpx.Client
) -> None:
    received: list[bytes] = []
    failure: list[BaseException] = []

    def watch() -> None:
        try:
            with http.stream("GET", "/api/v1/namespaces/shop/configmaps?watch=1") as stream:
                for chunk in stream.iter_raw():
                    received.append(chunk)
        except httpx.HTTPError as error:
            failure.append(error)

    watcher = threading.Thread(target=watch)
    watcher.start()
    kube_standin.wait_for(lambda: kube_standin.watches.open == 1)
    kube_standin.watches.drop()
    watcher.join(timeout=5)

    assert isinstance(failure[0], httpx.RemoteProtocolError)
    assert not b"".join(received).endswith(b"\n")
    assert any(
        r.path == "/api/v1/namespaces/shop/configmaps" and "watch=1" in r.query
        for r in kube_standin.requests
    )


def test_with_the_kubelet_off_objects_stay_as_written(kube_standin: KubeStandin) -> None:
    kube_standin.kubelet.mode = "off"
    with httpx.Client(base_url=kube_standin.url) as http:
        http.post("/api/v1/namespaces", json={"metadata": {"name": "shop"}}).raise_for_status()
        http.post(
            "/apis/apps/v1/namespaces/shop/deployments",
            json={
                "metadata": {"name": "web"},
                "spec": {
                    "selector": {"matchLabels": {"app": "web"}},
                    "template": {
                        "metadata": {"labels": {"app": "web"}},
                        "spec": {"containers": [{"name": "web", "image": "nginx:1"}]},
                    },
                },
            },
        ).raise_for_status()
    kube_standin.kubelet.tick()

    assert kube_standin.list("pods", "shop") == []
    assert not (kube_standin.read("deployment", "shop", "web").get("status") or {}).get(
        "availableReplicas"
    )
