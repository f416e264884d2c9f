"""The idempotent steps of a store's life. Each one looks at the world first and changes only
what is missing, so running it twice, or after a crash half-way, is always safe."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.config import Settings
from orchestrator.helm.client import HelmClient, ReleaseStatus
from orchestrator.kube.client import Json, KubeClient
from orchestrator.models import Store
from orchestrator.provisioning.errors import PermanentStepError, TemporaryStepError
from orchestrator.provisioning.readiness import Assessment, Verdict, assess
from orchestrator.provisioning.store_values import (
    STORE_ID_LABEL,
    generated_secrets,
    namespace_labels,
    release_values,
    secret_labels,
)


@dataclass(frozen=True)
class StoreSteps:
    settings: Settings
    kube: KubeClient
    helm: HelmClient

    # --- towards present ------------------------------------------------------------------
    async def ensure_namespace(self, store: Store) -> str:
        existing = await self.kube.get_namespace(store.namespace)
        if existing is None:
            await self.kube.create_namespace(store.namespace, namespace_labels(store))
            return f"namespace {store.namespace} created"
        self._check_owned(store, existing)
        if existing.get("status", {}).get("phase") == "Terminating":
            raise TemporaryStepError(f"namespace {store.namespace} is still terminating")
        return f"namespace {store.namespace} exists"

    async def ensure_secrets(self, store: Store) -> str:
        created = []
        for name, values in generated_secrets(store).items():
            if await self.kube.create_secret(store.namespace, name, values, secret_labels(store)):
                created.append(name)
        if created:
            return "secrets created: " + ", ".join(created)
        return "secrets already present, kept as they are"

    async def ensure_release(self, store: Store) -> ReleaseStatus:
        values_file = self.settings.values_file(store.environment)
        if not values_file.is_file():
            raise PermanentStepError(f"values file {values_file} does not exist")
        release = await self.helm.ensure_release(
            self.settings.release_name,
            store.namespace,
            chart=self.settings.chart_path,
            values_files=[values_file],
            values=release_values(store),
        )
        if release.status != "deployed":
            raise TemporaryStepError(
                f"release is {release.status} after upgrade: {release.description}"
            )
        return release

    async def observe(self, store: Store, revision: int, *, require_setup: bool) -> Assessment:
        selector = f"app.kubernetes.io/instance={self.settings.release_name}"
        snapshot = await self.kube.workloads(store.namespace, selector)
        assessment = assess(snapshot, revision, require_setup=require_setup)
        if assessment.verdict != Verdict.WAITING:
            return assessment
        await self.kube.add_diagnostics(snapshot, store.namespace, selector)
        return assess(snapshot, revision, require_setup=require_setup)

    async def release_exists(self, store: Store) -> bool:
        return await self.helm.status(self.settings.release_name, store.namespace) is not None

    # --- towards absent -------------------------------------------------------------------
    async def uninstall(self, store: Store) -> str:
        namespace = await self.kube.get_namespace(store.namespace)
        if namespace is None:
            return "namespace already gone, nothing to uninstall"
        if not _owned(store, namespace):
            return f"namespace {store.namespace} belongs to someone else; left untouched"
        if await self.helm.uninstall(self.settings.release_name, store.namespace):
            return f"release {self.settings.release_name} uninstalled"
        return "no release to uninstall"

    async def delete_namespace(self, store: Store) -> bool:
        """Ask for the namespace to go; True once it is gone."""
        namespace = await self.kube.get_namespace(store.namespace)
        if namespace is None or not _owned(store, namespace):
            return True
        if not namespace.get("metadata", {}).get("deletionTimestamp"):
            await self.kube.delete_namespace(store.namespace)
        return await self.kube.get_namespace(store.namespace) is None

    @staticmethod
    def _check_owned(store: Store, namespace: Json) -> None:
        # Never adopt a namespace some other owner created.
        if not _owned(store, namespace):
            raise PermanentStepError(
                f"namespace {store.namespace} exists but does not belong to this store"
            )


def _owned(store: Store, namespace: Json) -> bool:
    """Whether the namespace carries this store's id; we never change or delete another's."""
    labels = (namespace.get("metadata") or {}).get("labels") or {}
    return bool(labels.get(STORE_ID_LABEL) == store.id)
