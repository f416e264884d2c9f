"""The resource types the stand-in serves: what discovery lists and what the URL router accepts.

One row per resource, with the facts the apiserver keeps per type: group/version, kind, scope,
which name rule its validation applies, whether it has a /status subresource and a
metadata.generation, and which field selectors it supports beyond metadata.name/namespace.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Literal

NameRule = Literal["dns1123-label", "dns1035-label", "dns1123-subdomain", "path-segment"]

VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True
    name_rule: NameRule = "dns1123-subdomain"
    has_status: bool = False
    has_generation: bool = False
    short_names: tuple[str, ...] = ()
    field_labels: tuple[str, ...] = ()

    @property
    def verbs(self) -> tuple[str, ...]:
        """Namespaces are the one type here without deletecollection."""
        return tuple(v for v in VERBS if v != "deletecollection" or self.kind != "Namespace")

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def group_resource(self) -> str:
        """How error messages name the type: `deployments.apps`, `secrets`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified_kind(self) -> str:
        """How Invalid errors name the type: `Deployment.apps`, `Secret`."""
        return f"{self.kind}.{self.group}" if self.group else self.kind


_core = partial(ResourceType, "", "v1")


def _workload(
    group: str,
    plural: str,
    kind: str,
    short_names: tuple[str, ...] = (),
    field_labels: tuple[str, ...] = (),
) -> ResourceType:
    return ResourceType(
        group,
        "v1",
        plural,
        kind,
        has_status=True,
        has_generation=True,
        short_names=short_names,
        field_labels=field_labels,
    )


RESOURCES: tuple[ResourceType, ...] = (
    _core(
        "namespaces",
        "Namespace",
        namespaced=False,
        name_rule="dns1123-label",
        has_status=True,
        short_names=("ns",),
        field_labels=("status.phase",),
    ),
    _core("secrets", "Secret", field_labels=("type",)),
    _core("configmaps", "ConfigMap", short_names=("cm",)),
    _core("services", "Service", name_rule="dns1035-label", has_status=True, short_names=("svc",)),
    _core(
        "pods",
        "Pod",
        has_status=True,
        short_names=("po",),
        field_labels=(
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ),
    ),
    _core("persistentvolumeclaims", "PersistentVolumeClaim", has_status=True, short_names=("pvc",)),
    _core("serviceaccounts", "ServiceAccount", short_names=("sa",)),
    _core(
        "events",
        "Event",
        short_names=("ev",),
        field_labels=(
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ),
    ),
    _core("resourcequotas", "ResourceQuota", has_status=True, short_names=("quota",)),
    _core("limitranges", "LimitRange", short_names=("limits",)),
    _core("endpoints", "Endpoints", short_names=("ep",)),
    _workload("apps", "deployments", "Deployment", short_names=("deploy",)),
    _workload("apps", "statefulsets", "StatefulSet", short_names=("sts",)),
    _workload(
        "apps", "replicasets", "ReplicaSet", short_names=("rs",), field_labels=("status.replicas",)
    ),
    _workload("apps", "daemonsets", "DaemonSet", short_names=("ds",)),
    _workload("batch", "jobs", "Job", field_labels=("status.successful",)),
    _workload("batch", "cronjobs", "CronJob", short_names=("cj",)),
    ResourceType(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        has_status=True,
        has_generation=True,
        short_names=("hpa",),
    ),
    ResourceType(
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        has_status=True,
        has_generation=True,
        short_names=("ing",),
    ),
    ResourceType(
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        "NetworkPolicy",
        has_generation=True,
        short_names=("netpol",),
    ),
    ResourceType("networking.k8s.io", "v1", "ingressclasses", "IngressClass", namespaced=False),
    # Gateway API (a CRD on a real cluster, installed with the implementation, e.g. Envoy
    # Gateway): the store chart's local and prod renderings expose the store with an HTTPRoute.
    ResourceType(
        "gateway.networking.k8s.io",
        "v1",
        "httproutes",
        "HTTPRoute",
        has_status=True,
        has_generation=True,
    ),
    ResourceType(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        has_status=True,
        has_generation=True,
        short_names=("pdb",),
    ),
    ResourceType(
        "storage.k8s.io",
        "v1",
        "storageclasses",
        "StorageClass",
        namespaced=False,
        short_names=("sc",),
    ),
    ResourceType(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        namespaced=False,
        has_status=True,
        has_generation=True,
        short_names=("crd", "crds"),
    ),
    # The External Secrets Operator's custom resource, as a cluster with the operator serves it
    # (the platform's vault secrets backend creates them; tests play the operator).
    ResourceType(
        "external-secrets.io",
        "v1",
        "externalsecrets",
        "ExternalSecret",
        has_status=True,
        has_generation=True,
        short_names=("es",),
    ),
    ResourceType("rbac.authorization.k8s.io", "v1", "roles", "Role", name_rule="path-segment"),
    ResourceType(
        "rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", name_rule="path-segment"
    ),
    ResourceType(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        "ClusterRole",
        namespaced=False,
        name_rule="path-segment",
    ),
    ResourceType(
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        "ClusterRoleBinding",
        namespaced=False,
        name_rule="path-segment",
    ),
)

_BY_PATH = {(r.group, r.version, r.plural): r for r in RESOURCES}
_BY_ALIAS = {
    alias.lower(): r for r in RESOURCES for alias in (r.plural, r.kind, r.singular, *r.short_names)
}

NAMESPACES = _BY_PATH[("", "v1", "namespaces")]
SECRETS = _BY_PATH[("", "v1", "secrets")]
CONFIGMAPS = _BY_PATH[("", "v1", "configmaps")]
SERVICES = _BY_PATH[("", "v1", "services")]
PODS = _BY_PATH[("", "v1", "pods")]
PVCS = _BY_PATH[("", "v1", "persistentvolumeclaims")]
SERVICEACCOUNTS = _BY_PATH[("", "v1", "serviceaccounts")]
EVENTS = _BY_PATH[("", "v1", "events")]
RESOURCEQUOTAS = _BY_PATH[("", "v1", "resourcequotas")]
DEPLOYMENTS = _BY_PATH[("apps", "v1", "deployments")]
STATEFULSETS = _BY_PATH[("apps", "v1", "statefulsets")]
REPLICASETS = _BY_PATH[("apps", "v1", "replicasets")]
JOBS = _BY_PATH[("batch", "v1", "jobs")]


def at_path(group: str, version: str, plural: str) -> ResourceType | None:
    return _BY_PATH.get((group, version, plural))


def find(kind_or_plural: str | ResourceType) -> ResourceType:
    """Resolve `Deployment`, `deployments`, `deploy` (case-insensitive) for the inspection API."""
    if isinstance(kind_or_plural, ResourceType):
        return kind_or_plural
    try:
        return _BY_ALIAS[kind_or_plural.lower()]
    except KeyError:
        raise KeyError(f"the stand-in serves no resource called {kind_or_plural!r}") from None


def group_versions() -> list[tuple[str, str]]:
    """(group, version) pairs of the named groups, in a stable order."""
    seen: dict[tuple[str, str], None] = {}
    for r in RESOURCES:
        if r.group:
            seen[(r.group, r.version)] = None
    return list(seen)
