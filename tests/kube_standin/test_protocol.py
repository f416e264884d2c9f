"""Wire-level behaviour clients rely on: discovery, OpenAPI, watch streams, protobuf bodies,
content types, dry run, paging. Protocol tests: they also run against a real cluster."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from kube_standin import errors, protobuf
from kube_standin.resources import SECRETS
from kube_standin.standin import KubeStandin
from kube_standin.store import Store
from tests.kube_standin.cluster import Cluster


@pytest.fixture
def http(cluster: Cluster) -> Iterator[httpx.Client]:
    cluster.http.post("/api/v1/namespaces", json={"metadata": {"name": "shop"}}).raise_for_status()
    yield cluster.http


def test_discovery_documents(http: httpx.Client) -> None:
    core = http.get("/api/v1").json()
    apps = http.get("/apis/apps/v1").json()
    groups = {g["name"] for g in http.get("/apis").json()["groups"]}

    assert http.get("/api").json()["versions"] == ["v1"]
    assert core["groupVersion"] == "v1"
    resources = {r["name"]: r for r in core["resources"]}
    assert resources["namespaces"]["namespaced"] is False
    assert resources["secrets"]["namespaced"] is True
    assert "pods/status" in resources
    assert {"deployments", "statefulsets", "replicasets", "deployments/status"} <= {
        r["name"] for r in apps["resources"]
    }
    assert {"apps", "batch", "networking.k8s.io", "policy", "rbac.authorization.k8s.io"} <= groups


def test_version_is_the_one_the_standin_was_given(kube_standin: KubeStandin) -> None:
    assert httpx.get(f"{kube_standin.url}/version").json()["gitVersion"] == "v1.35.0"


def test_openapi_v2_answers_in_protobuf(http: httpx.Client) -> None:
    v2 = http.get(
        "/openapi/v2",
        headers={"Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"},
    )

    assert v2.status_code == 200
    assert "protobuf" in v2.headers["Content-Type"]


def test_openapi_v3_index_is_empty(kube_standin: KubeStandin) -> None:
    """A listed difference: a cluster's index names every group version."""
    v3 = httpx.get(f"{kube_standin.url}/openapi/v3")

    assert v3.json() == {"paths": {}}


def test_unknown_paths_and_media_types_are_status_errors(http: httpx.Client) -> None:
    missing = http.get("/apis/example.com/v1/widgets")
    unsupported = http.patch(
        "/api/v1/namespaces/shop", content=b"{}", headers={"Content-Type": "text/html"}
    )

    assert (missing.status_code, missing.json()["kind"]) == (404, "Status")
    assert (unsupported.status_code, unsupported.json()["reason"]) == (415, "UnsupportedMediaType")


def test_watch_list_sends_existing_objects_then_the_initial_events_bookmark(
    http: httpx.Client,
) -> None:
    http.post("/api/v1/namespaces/shop/secrets", json={"metadata": {"name": "a"}})

    events = read_events(
        http,
        "/api/v1/namespaces/shop/secrets",
        2,
        {
            "watch": "true",
            "sendInitialEvents": "true",
            "allowWatchBookmarks": "true",
            "resourceVersionMatch": "NotOlderThan",
            "labelSelector": "",
        },
    )

    assert [(e["type"], e["object"]["metadata"].get("name")) for e in events] == [
        ("ADDED", "a"),
        ("BOOKMARK", None),
    ]
    assert events[1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_a_watch_with_a_selector_sees_objects_leave_it(http: httpx.Client) -> None:
    version = http.get("/api/v1/namespaces/shop/configmaps").json()["metadata"]["resourceVersion"]
    http.post(
        "/api/v1/namespaces/shop/configmaps",
        json={"metadata": {"name": "a", "labels": {"app": "web"}}},
    )
    http.patch(
        "/api/v1/namespaces/shop/configmaps/a",
        json={"metadata": {"labels": {"app": "db"}}},
        headers={"Content-Type": "application/merge-patch+json"},
    )

    events = read_events(
        http,
        "/api/v1/namespaces/shop/configmaps",
        2,
        {"watch": "1", "resourceVersion": version, "labelSelector": "app=web"},
    )

    assert [e["type"] for e in events] == ["ADDED", "DELETED"]


def test_a_watch_from_a_compacted_version_is_expired() -> None:
    store = Store(history=2)
    for name in "abc":
        store.write(SECRETS, {"metadata": {"name": name, "namespace": "shop"}})

    with pytest.raises(errors.ApiError) as expired:
        store.subscribe(SECRETS, "shop", lambda change: None, since=1000)

    assert expired.value.code == 410


def test_protobuf_secret_bodies_are_decoded(http: httpx.Client) -> None:
    meta = field(1, b"db") + field(3, b"shop") + field(11, field(1, b"app") + field(2, b"web"))
    secret = (
        field(1, meta)
        + field(2, field(1, b"password") + field(2, b"\x00\xff"))
        + field(3, b"Opaque")
    )
    envelope = protobuf.MAGIC + field(1, field(1, b"v1") + field(2, b"Secret")) + field(2, secret)

    created = http.post(
        "/api/v1/namespaces/shop/secrets",
        content=envelope,
        headers={"Content-Type": protobuf.CONTENT_TYPE},
    )

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["metadata"]["labels"] == {"app": "web"}
    assert body["data"] == {"password": "AP8="}
    assert body["type"] == "Opaque"


def test_dry_run_does_not_persist(http: httpx.Client) -> None:
    answer = http.post(
        "/api/v1/namespaces/shop/configmaps",
        params={"dryRun": "All"},
        json={"metadata": {"name": "a"}},
    )

    assert answer.status_code == 201
    assert http.get("/api/v1/namespaces/shop/configmaps/a").status_code == 404


def test_generate_name_and_paging(http: httpx.Client) -> None:
    for _ in range(3):
        http.post("/api/v1/namespaces/shop/secrets", json={"metadata": {"generateName": "s-"}})

    first = http.get("/api/v1/namespaces/shop/secrets", params={"limit": 2}).json()
    rest = http.get(
        "/api/v1/namespaces/shop/secrets",
        params={"limit": 2, "continue": first["metadata"]["continue"]},
    ).json()

    names = [s["metadata"]["name"] for s in first["items"] + rest["items"]]
    assert len(set(names)) == 3 and all(n.startswith("s-") and len(n) == 7 for n in names)
    assert first["metadata"]["remainingItemCount"] == 1
    assert "continue" not in rest["metadata"]


def test_deleting_a_job_without_propagation_warns_like_the_apiserver(http: httpx.Client) -> None:
    http.post(
        "/apis/batch/v1/namespaces/shop/jobs",
        json={
            "metadata": {"name": "setup"},
            "spec": {
                "template": {
                    "spec": {
                        "restartPolicy": "Never",
                        "containers": [{"name": "x", "image": "busybox"}],
                    }
                }
            },
        },
    )

    deleted = http.delete("/apis/batch/v1/namespaces/shop/jobs/setup")

    assert deleted.json()["status"] == "Success"
    assert "child pods are preserved by default" in deleted.headers["Warning"]


def read_events(
    http: httpx.Client, path: str, count: int, params: dict[str, str]
) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    with http.stream("GET", path, params=params) as stream:
        assert stream.headers["Content-Type"].startswith("application/json")
        for line in stream.iter_lines():
            events.append(json.loads(line))
            if len(events) == count:
                break
    return events


def field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field (all the test messages need)."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)
