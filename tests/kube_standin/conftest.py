"""The stand-in's tests. Protocol tests (those that take `cluster` and not `kube_standin`) talk
to the cluster only through its API; with WOO_PROTOCOL_KUBECONFIG naming a real cluster's
kubeconfig they run against that cluster and every other test here is skipped."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client, config

from kube_standin import KubeStandin
from tests.kube_standin.cluster import Cluster, connect, real_cluster_kubeconfig

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if real_cluster_kubeconfig() is None:
        return
    standin_only = pytest.mark.skip(
        reason="not a protocol test: it uses the stand-in's own controls or internals"
    )
    for item in items:
        if not isinstance(item, pytest.Function) or HERE not in item.path.parents:
            continue
        if "kube_standin" in item.fixturenames or "cluster" not in item.fixturenames:
            item.add_marker(standin_only)


@pytest.fixture
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """The stand-in of this test, or the real cluster named by WOO_PROTOCOL_KUBECONFIG (then the
    namespaces the test created are deleted afterwards, and waited for)."""
    kubeconfig = real_cluster_kubeconfig()
    if kubeconfig is None:
        standin: KubeStandin = request.getfixturevalue("kube_standin")
        with connect(standin.kubeconfig) as http:
            yield Cluster(standin.kubeconfig, http, namespace_deletion_timeout=2.0)
        return
    with connect(kubeconfig) as http:
        real = Cluster(kubeconfig, http, namespace_deletion_timeout=180.0)
        existing = set(real.namespaces())
        yield real
        real.delete_namespaces_except(existing)


@pytest.fixture
def api(cluster: Cluster) -> Iterator[client.ApiClient]:
    """A Python-client connection configured from the cluster's kubeconfig."""
    configuration = client.Configuration()
    config.load_kube_config(
        config_file=str(cluster.kubeconfig),  # type: ignore[no-untyped-call]
        client_configuration=configuration,
    )
    with client.ApiClient(configuration) as api_client:
        yield api_client


@pytest.fixture
def core(api: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api)


@pytest.fixture
def apps(api: client.ApiClient) -> client.AppsV1Api:
    return client.AppsV1Api(api)


@pytest.fixture
def batch(api: client.ApiClient) -> client.BatchV1Api:
    return client.BatchV1Api(api)
