"""Discovery documents (/api, /apis, per group-version resource lists), /version and OpenAPI.

Legacy (unaggregated) discovery only: clients asking for the aggregated v2 format get plain JSON
and fall back, as they do against older clusters.
"""

from __future__ import annotations

from typing import Any

from kube_standin.resources import RESOURCES, ResourceType, group_versions

_CATEGORY_ALL = (
    "Pod",
    "Service",
    "Deployment",
    "StatefulSet",
    "ReplicaSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "HorizontalPodAutoscaler",
)


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
        ],
    }


def api_group_list() -> dict[str, Any]:
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [api_group(group) for group in dict.fromkeys(g for g, _ in group_versions())],
    }


def api_group(group: str) -> dict[str, Any]:
    versions = [
        {"groupVersion": f"{g}/{v}", "version": v} for g, v in group_versions() if g == group
    ]
    return {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": versions,
        "preferredVersion": versions[0],
    }


def has_group(group: str, version: str | None = None) -> bool:
    return any(g == group and version in (None, v) for g, v in group_versions())


def resource_list(group: str, version: str) -> dict[str, Any]:
    resources: list[dict[str, Any]] = []
    for r in RESOURCES:
        if (r.group, r.version) != (group, version):
            continue
        resources.append(_resource_entry(r))
        if r.has_status:
            resources.append(
                {
                    "name": f"{r.plural}/status",
                    "singularName": "",
                    "namespaced": r.namespaced,
                    "kind": r.kind,
                    "verbs": ["get", "patch", "update"],
                }
            )
        if r.kind == "Pod":
            resources.append(
                {
                    "name": "pods/log",
                    "singularName": "",
                    "namespaced": True,
                    "kind": "Pod",
                    "verbs": ["get"],
                }
            )
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }


def version(kube_version: str) -> dict[str, Any]:
    major, minor, *_ = kube_version.split(".")
    return {
        "major": major,
        "minor": minor,
        "gitVersion": f"v{kube_version}",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-01-01T00:00:00Z",
        "goVersion": "go1.25.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def openapi_v3_index() -> dict[str, Any]:
    """The v3 index lists no group-versions: clients then skip server-side field validation
    lookups and validate nothing client-side (the stand-in enforces no schema)."""
    return {"paths": {}}


def _resource_entry(r: ResourceType) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": r.plural,
        "singularName": r.singular,
        "namespaced": r.namespaced,
        "kind": r.kind,
        "verbs": list(r.verbs),
        "storageVersionHash": "",
    }
    if r.short_names:
        entry["shortNames"] = list(r.short_names)
    if r.kind in _CATEGORY_ALL:
        entry["categories"] = ["all"]
    return entry
