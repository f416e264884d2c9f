from collections.abc import Iterator

import pytest
from kubernetes import client, config

from kube_standin.standin import KubeStandin


@pytest.fixture
def api(kube_standin: KubeStandin) -> Iterator[client.ApiClient]:
    """A Python-client connection configured from the stand-in's kubeconfig."""
    configuration = client.Configuration()
    config.load_kube_config(
        config_file=str(kube_standin.kubeconfig),  # type: ignore[no-untyped-call]
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
