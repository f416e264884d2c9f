"""What a Kubernetes API request needs from RBAC, and what a ClusterRole grants.

A request path is turned into the authorizer's attributes as kube-apiserver does it
(k8s.io/apiserver/pkg/endpoints/request/requestinfo.go): API group, resource (with subresource),
namespace, name and verb, where GET is `get`, `list` or `watch`, POST `create`, PUT `update`,
PATCH `patch` and DELETE `delete` or `deletecollection`. A PATCH or PUT that created the object
(201: server-side apply of a missing object, as helm 4 does) is authorized for `create` as well
(k8s.io/apiserver/pkg/endpoints/handlers/patch.go checks createAuthorizerAttributes).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs

CLUSTER = "cluster"  # a cluster-scoped resource (Namespaces, CRDs)
NAMESPACED = "namespaced"  # a namespaced resource in one namespace
ALL_NAMESPACES = "all-namespaces"  # a namespaced resource listed or watched across namespaces
# The cluster-scoped resources the platform could meet; everything else is namespaced.
CLUSTER_SCOPED = frozenset(
    {
        "namespaces",
        "customresourcedefinitions",
        "nodes",
        "persistentvolumes",
        "storageclasses",
        "ingressclasses",
        "clusterroles",
        "clusterrolebindings",
        "priorityclasses",
    }
)


@dataclass(frozen=True, order=True)
class Permission:
    """One (verb, group/resource) an authorizer checks, and where the request pointed."""

    verb: str
    group: str
    resource: str
    scope: str  # CLUSTER, NAMESPACED or ALL_NAMESPACES
    namespace: str = ""

    @property
    def grant(self) -> tuple[str, str, str]:
        """What a rule must cover, whatever the namespace."""
        return (self.verb, self.group, self.resource)

    def __str__(self) -> str:
        where = self.namespace if self.scope == NAMESPACED else self.scope
        return f"{self.verb} {self.resource}.{self.group or 'core'} ({where})"


def permissions(method: str, path: str, query: str, status: int) -> list[Permission]:
    """The permissions a resource request needs; none for non-resource URLs (discovery,
    /version, /openapi), which every authenticated user may read (system:discovery)."""
    found = permission(method, path, query)
    if found is None:
        return []
    if method in ("PATCH", "PUT") and status == 201:
        return [found, replace(found, verb="create")]
    return [found]


def permission(method: str, path: str, query: str) -> Permission | None:
    """The permission the request's own verb needs (None for non-resource URLs)."""
    parts = [part for part in path.split("/") if part]
    if parts[:1] == ["api"] and len(parts) >= 2:
        group, rest = "", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group, rest = parts[1], parts[3:]
    else:
        return None
    if not rest:
        return None
    namespace = ""
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    resource, name, subresource = rest[0], _at(rest, 1), _at(rest, 2)
    if namespace:
        scope = NAMESPACED
    elif resource in CLUSTER_SCOPED:
        scope = CLUSTER
    else:
        scope = ALL_NAMESPACES
    if subresource:
        resource = f"{resource}/{subresource}"
    return Permission(_verb(method, name, query), group, resource, scope, namespace)


def _at(parts: list[str], index: int) -> str:
    return parts[index] if len(parts) > index else ""


def _verb(method: str, name: str, query: str) -> str:
    watching = parse_qs(query).get("watch", ["false"])[0] in ("true", "1")
    if method == "GET":
        return "watch" if watching else ("get" if name else "list")
    if method == "DELETE":
        return "delete" if name else "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}[method]


def granted(cluster_role: dict[str, Any]) -> set[tuple[str, str, str]]:
    """Every (verb, group, resource) the rules grant; wildcards are refused outright."""
    grants = set()
    for rule in cluster_role["rules"]:
        assert "nonResourceURLs" not in rule, rule
        for field in ("verbs", "apiGroups", "resources"):
            assert "*" not in rule[field], f"wildcard in {field}: {rule}"
        assert "resourceNames" not in rule, "resourceNames cannot match objects helm creates"
        for verb in rule["verbs"]:
            for group in rule["apiGroups"]:
                for resource in rule["resources"]:
                    grants.add((verb, group, resource))
    return grants
