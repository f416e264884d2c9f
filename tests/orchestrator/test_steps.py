"""Steps against the stand-in: what they do to a namespace that is not the store's own."""

from __future__ import annotations

from pathlib import Path

import pytest
from kubernetes import client as k8s

from kube_standin import KubeStandin
from orchestrator.backups.jobs import StoreJobs
from orchestrator.config import REPO_ROOT
from orchestrator.helm.client import HelmClient
from orchestrator.helm.runner import HelmRunner
from orchestrator.kube.client import KubeClient
from orchestrator.models import Store
from orchestrator.provisioning.errors import PermanentStepError
from orchestrator.provisioning.secret_backends import KubernetesSecrets
from orchestrator.provisioning.steps import StoreSteps
from orchestrator.provisioning.store_objects import StoreObjects
from tests.orchestrator.conftest import make_settings
from tests.orchestrator.lifecycle_support import core_api


@pytest.fixture
def steps(kube_standin: KubeStandin, helm_bin: Path, tmp_path: Path) -> StoreSteps:
    settings = make_settings(
        "sqlite://",
        tmp_path,
        kubeconfig=kube_standin.kubeconfig,
        chart_path=REPO_ROOT / "helm" / "woocommerce",
        values_dir=REPO_ROOT,
    )
    kube = KubeClient(kubeconfig=kube_standin.kubeconfig, context=None, request_timeout=5)
    helm = HelmClient(HelmRunner(helm_bin, kubeconfig=kube_standin.kubeconfig), timeout=15)
    return StoreSteps(
        settings,
        kube,
        helm,
        KubernetesSecrets(kube),
        StoreObjects(kube, settings),
        StoreJobs(kube, settings.release_name),
    )


def store() -> Store:
    return Store(
        id="4f1c4c43-0000-4000-8000-000000000001",
        store_name="demo",
        namespace="demo-0a1b2c3d",
        domain="demo.localhost",
        environment="local",
    )


@pytest.fixture
def foreign_namespace(kube_standin: KubeStandin) -> str:
    core_api(kube_standin.kubeconfig).create_namespace(
        k8s.V1Namespace(
            metadata=k8s.V1ObjectMeta(name="demo-0a1b2c3d", labels={"team": "someone-else"})
        )
    )
    return "demo-0a1b2c3d"


async def test_a_namespace_of_someone_else_is_never_adopted(
    steps: StoreSteps, foreign_namespace: str
) -> None:
    with pytest.raises(PermanentStepError, match="does not belong to this store"):
        await steps.ensure_namespace(store())


async def test_deleting_a_store_never_touches_someone_elses_namespace(
    steps: StoreSteps, foreign_namespace: str, kube_standin: KubeStandin
) -> None:
    for step in (steps.uninstall, steps.delete_namespace):
        with pytest.raises(
            PermanentStepError, match="does not belong to this store; left untouched"
        ):
            await step(store())
    namespace = kube_standin.get("namespaces", None, foreign_namespace)
    assert namespace is not None and not namespace["metadata"].get("deletionTimestamp")


async def test_namespace_and_secrets_are_created_once(
    steps: StoreSteps, kube_standin: KubeStandin
) -> None:
    assert await steps.ensure_namespace(store()) == "namespace demo-0a1b2c3d created"
    assert await steps.ensure_namespace(store()) == "namespace demo-0a1b2c3d exists"
    assert await steps.ensure_secrets(store()) == (
        "secrets created: store-db-credentials, store-admin-credentials"
    )
    before = kube_standin.read("secrets", "demo-0a1b2c3d", "store-db-credentials")["data"]
    assert await steps.ensure_secrets(store()) == "secrets already present, kept as they are"
    after = kube_standin.read("secrets", "demo-0a1b2c3d", "store-db-credentials")["data"]
    assert before == after


async def test_a_new_store_namespace_enforces_pod_security_restricted(
    steps: StoreSteps, kube_standin: KubeStandin
) -> None:
    await steps.ensure_namespace(store())
    labels = kube_standin.read("namespaces", None, "demo-0a1b2c3d")["metadata"]["labels"]
    for mode in ("enforce", "warn", "audit"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted", mode
    assert labels["pod-security.kubernetes.io/enforce-version"] == "latest"
