"""The namespace controllers: fill a new namespace with what a cluster puts there (the `default`
ServiceAccount, the `kube-root-ca.crt` ConfigMap) and finish terminating namespaces once their
grace moment has passed, removing everything inside them.
"""

from __future__ import annotations

import time

from kube_standin import errors
from kube_standin.registry import Registry
from kube_standin.resources import CONFIGMAPS, NAMESPACES, SERVICEACCOUNTS, ResourceType
from kube_standin.store import Obj

ROOT_CA = (
    "-----BEGIN CERTIFICATE-----\n"
    "c3RhbmQtaW4gY2x1c3RlciBDQSwgbm90IGEgcmVhbCBjZXJ0aWZpY2F0ZQ==\n"
    "-----END CERTIFICATE-----\n"
)
ROOT_CA_DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters."
)


class NamespaceController:
    def __init__(self, registry: Registry, termination_seconds: float) -> None:
        self.registry = registry
        self.termination_seconds = termination_seconds
        self._seen_revision = -1

    def tick(self) -> None:
        """Skipped while the store is unchanged and no namespace is terminating."""
        revision = self.registry.store.resource_version
        if revision == self._seen_revision and not self.registry.terminating_namespaces():
            return
        self._seen_revision = revision
        self._finish_terminations()
        self._populate_new_namespaces()

    def _finish_terminations(self) -> None:
        deadline = time.monotonic() - self.termination_seconds
        for name, since in self.registry.terminating_namespaces().items():
            if since <= deadline:
                self.registry.purge_namespace(name)

    def _populate_new_namespaces(self) -> None:
        store = self.registry.store

        def lacking(namespace: Obj) -> bool:
            # Checked before anything is copied: with thousands of namespaces, copying each on
            # every tick would be the stand-in's whole cost.
            meta, name = namespace["metadata"], namespace["metadata"]["name"]
            return not meta.get("deletionTimestamp") and not (
                store.has(SERVICEACCOUNTS, name, "default")
                and store.has(CONFIGMAPS, name, "kube-root-ca.crt")
            )

        for namespace in store.items(NAMESPACES, where=lacking):
            name = namespace["metadata"]["name"]
            wanted: tuple[tuple[ResourceType, Obj], ...] = (
                (SERVICEACCOUNTS, {"metadata": {"name": "default"}}),
                (
                    CONFIGMAPS,
                    {
                        "metadata": {
                            "name": "kube-root-ca.crt",
                            "annotations": {"kubernetes.io/description": ROOT_CA_DESCRIPTION},
                        },
                        "data": {"ca.crt": ROOT_CA},
                    },
                ),
            )
            for resource, body in wanted:
                if store.has(resource, name, body["metadata"]["name"]):
                    continue
                try:
                    self.registry.create(resource, name, body, manager="kube-controller-manager")
                except errors.ApiError as error:
                    if error.code not in (403, 404, 409):  # namespace went away meanwhile
                        raise
