"""The stand-in as the official Python client sees it: CRUD, selectors, errors, lifecycles. The
tests that take `cluster` and not `kube_standin` also run against a real cluster."""
# The client's models make every field Optional; a None where a value is asserted fails the test.
# kubernetes.watch is untyped.
# mypy: disable-error-code="union-attr, index, operator, no-untyped-call"

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import yaml
from kubernetes import client, watch
from kubernetes.client import ApiException

from kube_standin.standin import KubeStandin
from tests.kube_standin.builders import deployment, job
from tests.kube_standin.cluster import Cluster

Meta = client.V1ObjectMeta


def status_of(error: ApiException) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(error.body or "{}")
    return body


def make_namespace(core: client.CoreV1Api, name: str = "shop", **labels: str) -> None:
    core.create_namespace(client.V1Namespace(metadata=Meta(name=name, labels=labels or None)))


def test_namespace_gets_server_fields_and_its_name_label(core: client.CoreV1Api) -> None:
    make_namespace(core, "shop", tier="gold")

    namespace = core.read_namespace("shop")

    assert namespace.status.phase == "Active"
    assert namespace.metadata.uid and namespace.metadata.resource_version
    assert namespace.metadata.creation_timestamp is not None
    assert namespace.metadata.labels == {"tier": "gold", "kubernetes.io/metadata.name": "shop"}


def test_secret_string_data_is_stored_as_base64_data(core: client.CoreV1Api) -> None:
    make_namespace(core)
    core.create_namespaced_secret(
        "shop", client.V1Secret(metadata=Meta(name="db"), string_data={"password": "s3cret"})
    )

    secret = core.read_namespaced_secret("db", "shop")

    assert secret.data == {"password": "czNjcmV0"}
    assert secret.string_data is None
    assert secret.type == "Opaque"


def test_list_filters_by_label_and_field_selectors(core: client.CoreV1Api) -> None:
    for name, labels in (
        ("a", {"app": "web", "tier": "front"}),
        ("b", {"app": "db"}),
        ("c", {"app": "web"}),
    ):
        make_namespace(core, name, **labels)

    def names(labels: str | None = None, fields: str | None = None) -> list[str]:
        found = core.list_namespace(label_selector=labels, field_selector=fields).items
        return [str(n.metadata.name) for n in found if n.metadata.name in "abc"]

    assert names("app=web") == ["a", "c"]
    assert names("app in (web,db),!tier") == ["b", "c"]
    assert names(fields="metadata.name=b") == ["b"]
    assert names("app!=web") == ["b"]
    with pytest.raises(ApiException) as refused:
        core.list_namespace(field_selector="spec.nodeName=x")
    assert refused.value.status == 400


def test_list_carries_a_resource_version_and_items_without_kind(cluster: Cluster) -> None:
    listed = cluster.http.get("/api/v1/namespaces").json()

    assert listed["kind"] == "NamespaceList"
    assert int(listed["metadata"]["resourceVersion"]) > 0
    assert "kind" not in listed["items"][0]


def test_errors_are_status_bodies_like_the_apiserver(core: client.CoreV1Api) -> None:
    make_namespace(core)
    core.create_namespaced_config_map("shop", client.V1ConfigMap(metadata=Meta(name="cfg")))

    with pytest.raises(ApiException) as missing:
        core.read_namespaced_config_map("nope", "shop")
    with pytest.raises(ApiException) as duplicate:
        core.create_namespaced_config_map("shop", client.V1ConfigMap(metadata=Meta(name="cfg")))
    with pytest.raises(ApiException) as invalid:
        core.create_namespace(client.V1Namespace(metadata=Meta(name="Shop_1")))

    assert missing.value.status == 404
    assert status_of(missing.value) | {"metadata": {}} == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'configmaps "nope" not found',
        "reason": "NotFound",
        "details": {"name": "nope", "kind": "configmaps"},
        "code": 404,
    }
    assert duplicate.value.status == 409
    assert status_of(duplicate.value)["reason"] == "AlreadyExists"
    assert invalid.value.status == 422
    body = status_of(invalid.value)
    assert body["reason"] == "Invalid"
    assert body["message"].startswith('Namespace "Shop_1" is invalid: metadata.name: Invalid value')
    assert body["details"]["causes"][0]["field"] == "metadata.name"


@pytest.mark.parametrize(
    ("kind", "name", "ok"),
    [
        ("service", "web", True),
        ("service", "3shop-web", False),
        ("service", "a.b", False),
        ("secret", "a.b", True),
        ("secret", "A", False),
        ("secret", "x" * 254, False),
        ("namespace", "x" * 64, False),
        ("namespace", "x" * 63, True),
    ],
)
def test_names_are_validated_per_kind(
    core: client.CoreV1Api, kind: str, name: str, ok: bool
) -> None:
    make_namespace(core)
    create: Callable[[], object] = {
        "service": lambda: core.create_namespaced_service(
            "shop",
            client.V1Service(
                metadata=Meta(name=name),
                spec=client.V1ServiceSpec(ports=[client.V1ServicePort(port=80)]),
            ),
        ),
        "secret": lambda: core.create_namespaced_secret(
            "shop", client.V1Secret(metadata=Meta(name=name))
        ),
        "namespace": lambda: make_namespace(core, name),
    }[kind]
    if ok:
        create()
    else:
        with pytest.raises(ApiException) as refused:
            create()
        assert refused.value.status == 422


def test_invalid_label_values_are_refused(core: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as refused:
        make_namespace(core, "shop", owner="x" * 64)
    assert refused.value.status == 422
    assert status_of(refused.value)["details"]["causes"][0]["field"] == "metadata.labels"


def test_creating_in_a_missing_namespace_is_not_found(core: client.CoreV1Api) -> None:
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_secret("ghost", client.V1Secret(metadata=Meta(name="db")))

    assert refused.value.status == 404
    assert status_of(refused.value)["message"] == 'namespaces "ghost" not found'


def test_deleted_namespace_terminates_then_disappears_with_its_content(
    cluster: Cluster, core: client.CoreV1Api
) -> None:
    make_namespace(core)
    core.create_namespaced_secret("shop", client.V1Secret(metadata=Meta(name="db")))

    core.delete_namespace("shop")

    terminating = core.read_namespace("shop")
    assert terminating.status.phase == "Terminating"
    assert terminating.metadata.deletion_timestamp is not None
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_secret("shop", client.V1Secret(metadata=Meta(name="late")))
    assert refused.value.status == 403
    assert "is being terminated" in status_of(refused.value)["message"]
    with pytest.raises(ApiException) as again:
        core.delete_namespace("shop")
    assert again.value.status == 409
    cluster.wait_for(
        lambda: "shop" not in cluster.namespaces(), timeout=cluster.namespace_deletion_timeout
    )
    with pytest.raises(ApiException) as gone:
        core.read_namespace("shop")
    assert gone.value.status == 404
    assert cluster.list("secrets", "shop") == []


def test_new_namespaces_get_the_default_service_account(
    cluster: Cluster, core: client.CoreV1Api
) -> None:
    make_namespace(core)

    cluster.wait_for(lambda: cluster.get("serviceaccount", "shop", "default"))

    assert cluster.get("configmap", "shop", "kube-root-ca.crt") is not None


def test_generation_bumps_on_spec_changes_only(
    apps: client.AppsV1Api, core: client.CoreV1Api
) -> None:
    make_namespace(core)
    created = apps.create_namespaced_deployment("shop", deployment("web"))

    scaled = apps.patch_namespaced_deployment("web", "shop", {"spec": {"replicas": 3}})
    relabelled = apps.patch_namespaced_deployment(
        "web", "shop", {"metadata": {"labels": {"x": "y"}}}
    )

    assert created.metadata.generation == 1
    assert scaled.metadata.generation == 2
    assert relabelled.metadata.generation == 2


def test_replace_with_a_stale_resource_version_conflicts(core: client.CoreV1Api) -> None:
    make_namespace(core)
    created = core.create_namespaced_config_map(
        "shop", client.V1ConfigMap(metadata=Meta(name="cfg"), data={"a": "1"})
    )
    created.data = {"a": "2"}
    core.replace_namespaced_config_map("cfg", "shop", created)

    with pytest.raises(ApiException) as stale:
        core.replace_namespaced_config_map("cfg", "shop", created)

    assert stale.value.status == 409
    assert status_of(stale.value)["message"] == (
        'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_status_subresource_is_separate_from_the_main_resource(core: client.CoreV1Api) -> None:
    make_namespace(core)
    core.create_namespaced_service(
        "shop",
        client.V1Service(
            metadata=Meta(name="web"),
            spec=client.V1ServiceSpec(type="LoadBalancer", ports=[client.V1ServicePort(port=80)]),
        ),
    )
    balanced = {"loadBalancer": {"ingress": [{"ip": "192.0.2.10"}]}}

    core.patch_namespaced_service_status("web", "shop", {"status": balanced})
    core.patch_namespaced_service(
        "web", "shop", {"status": {"loadBalancer": {}}, "spec": {"sessionAffinity": "ClientIP"}}
    )

    stored = core.read_namespaced_service("web", "shop")
    assert stored.status.load_balancer.ingress[0].ip == "192.0.2.10"
    assert stored.spec.session_affinity == "ClientIP"
    assert stored.spec.ports[0].node_port >= 30000


def test_patch_formats(core: client.CoreV1Api) -> None:
    make_namespace(core)
    core.create_namespaced_config_map(
        "shop", client.V1ConfigMap(metadata=Meta(name="cfg"), data={"a": "1", "b": "2"})
    )

    core.patch_namespaced_config_map("cfg", "shop", {"data": {"a": None, "c": "3"}})
    core.patch_namespaced_config_map(
        "cfg",
        "shop",
        [
            {"op": "replace", "path": "/data/b", "value": "20"},
            {"op": "add", "path": "/metadata/labels", "value": {"k": "v"}},
        ],
    )

    stored = core.read_namespaced_config_map("cfg", "shop")
    assert stored.data == {"b": "20", "c": "3"}
    assert stored.metadata.labels == {"k": "v"}


def test_server_side_apply_creates_then_drops_fields_the_manager_stopped_setting(
    cluster: Cluster, core: client.CoreV1Api
) -> None:
    make_namespace(core)

    def apply(data: dict[str, str]) -> httpx.Response:
        return cluster.http.patch(
            "/api/v1/namespaces/shop/configmaps/cfg",
            params={"fieldManager": "test"},
            headers={"Content-Type": "application/apply-patch+yaml"},
            content=yaml.safe_dump(
                {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": data}
            ),
        )

    created = apply({"a": "1", "b": "2"})
    core.patch_namespaced_config_map("cfg", "shop", {"data": {"mine": "x"}})
    applied = apply({"a": "1"})

    assert created.status_code == 201
    assert created.json()["metadata"]["managedFields"][0]["operation"] == "Apply"
    assert applied.status_code == 200
    assert applied.json()["data"] == {"a": "1", "mine": "x"}


def test_services_get_a_cluster_ip_unless_headless(core: client.CoreV1Api) -> None:
    make_namespace(core)
    ports = [client.V1ServicePort(port=80)]
    web = core.create_namespaced_service(
        "shop", client.V1Service(metadata=Meta(name="web"), spec=client.V1ServiceSpec(ports=ports))
    )
    db = core.create_namespaced_service(
        "shop",
        client.V1Service(
            metadata=Meta(name="db"), spec=client.V1ServiceSpec(cluster_ip="None", ports=ports)
        ),
    )

    assert web.spec.cluster_ip.startswith("10.96.")
    assert web.spec.ports[0].target_port == 80
    assert db.spec.cluster_ip == "None"


def test_watch_streams_changes_after_the_listed_resource_version(core: client.CoreV1Api) -> None:
    make_namespace(core)
    version = core.list_namespaced_config_map("shop").metadata.resource_version
    core.create_namespaced_config_map("shop", client.V1ConfigMap(metadata=Meta(name="one")))
    core.delete_namespaced_config_map("one", "shop")

    watcher = watch.Watch()
    seen = []
    for event in watcher.stream(
        core.list_namespaced_config_map, "shop", resource_version=version, timeout_seconds=5
    ):
        if event["object"].metadata.name == "one":
            seen.append(event["type"])
        if event["type"] == "DELETED":
            watcher.stop()

    assert seen == ["ADDED", "DELETED"]


def test_deleting_a_deployment_removes_its_replica_sets_and_pods(
    kube_standin: KubeStandin, apps: client.AppsV1Api, core: client.CoreV1Api
) -> None:
    """The cascade is synchronous in the stand-in (a listed difference); a cluster's garbage
    collector removes dependents a moment later."""
    make_namespace(core)
    apps.create_namespaced_deployment("shop", deployment("web", replicas=2))
    kube_standin.wait_for(lambda: len(kube_standin.list("pods", "shop")) == 2)

    apps.delete_namespaced_deployment("web", "shop")

    assert kube_standin.list("replicasets", "shop") == []
    assert kube_standin.list("pods", "shop") == []


def test_deleting_a_job_keeps_its_pods_unless_propagation_is_asked(
    kube_standin: KubeStandin, batch: client.BatchV1Api, core: client.CoreV1Api
) -> None:
    """The cascade is synchronous in the stand-in (a listed difference); a cluster's garbage
    collector removes dependents a moment later."""
    make_namespace(core)
    for name in ("keep", "drop"):
        batch.create_namespaced_job("shop", job(name))
    kube_standin.wait_for(lambda: len(kube_standin.list("pods", "shop")) == 2)

    batch.delete_namespaced_job("keep", "shop")
    batch.delete_namespaced_job("drop", "shop", propagation_policy="Background")

    pods = kube_standin.list("pods", "shop")
    assert [p["metadata"]["labels"]["job-name"] for p in pods] == ["keep"]
    assert (
        "ownerReferences" not in pods[0]["metadata"] or not pods[0]["metadata"]["ownerReferences"]
    )


def test_delete_collection_by_label(core: client.CoreV1Api) -> None:
    make_namespace(core)
    for name, app in (("a", "web"), ("b", "web"), ("c", "db")):
        core.create_namespaced_secret(
            "shop", client.V1Secret(metadata=Meta(name=name, labels={"app": app}))
        )

    core.delete_collection_namespaced_secret("shop", label_selector="app=web")

    assert [s.metadata.name for s in core.list_namespaced_secret("shop").items] == ["c"]


def test_a_bound_claim_may_grow_but_never_shrink(core: client.CoreV1Api) -> None:
    make_namespace(core)
    claim: Any = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "content"},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "2Gi"}},
            "volumeName": "pv-content",
        },
    }
    core.create_namespaced_persistent_volume_claim("shop", claim)
    deadline = time.monotonic() + 10
    while core.read_namespaced_persistent_volume_claim("content", "shop").status.phase != "Bound":
        assert time.monotonic() < deadline, "the claim was not bound"
        time.sleep(0.05)

    def resize(size: str) -> Any:
        body = {"spec": {"resources": {"requests": {"storage": size}}}}
        return core.patch_namespaced_persistent_volume_claim("content", "shop", body)

    assert resize("5Gi").spec.resources.requests["storage"] == "5Gi"
    assert resize("5120Mi").spec.resources.requests["storage"] == "5120Mi"  # the same size
    with pytest.raises(ApiException) as refused:
        resize("4Gi")
    assert refused.value.status == 422
    cause = status_of(refused.value)["details"]["causes"][0]
    assert cause == {
        "reason": "FieldValueForbidden",
        "message": "Forbidden: field can not be less than previous value",
        "field": "spec.resources.requests.storage",
    }
    stored = core.read_namespaced_persistent_volume_claim("content", "shop")
    assert stored.spec.resources.requests["storage"] == "5120Mi"
    assert stored.spec.volume_name == "pv-content"  # bound to the volume it was made for
