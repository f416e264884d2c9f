"""What the apiserver fills in or rewrites per type before storing: defaults that readiness code
reads (replicas, Job limits), Secret `stringData` folded into base64 `data`, Service cluster IPs,
fresh status on create, and Job selectors bound to the Job's uid.
"""

from __future__ import annotations

import base64
import binascii
import itertools
from typing import Any

from kube_standin import errors
from kube_standin.errors import Cause
from kube_standin.meta import clone
from kube_standin.resources import JOBS, ResourceType

Obj = dict[str, Any]

# A fresh status as the apiserver serializes it: fields without omitempty show as zero values,
# and typed clients (the Python client among them) require them.
_EMPTY_STATUS: dict[str, Obj] = {
    "StatefulSet": {"replicas": 0, "availableReplicas": 0},
    "ReplicaSet": {"replicas": 0},
    "DaemonSet": {
        "currentNumberScheduled": 0,
        "numberMisscheduled": 0,
        "desiredNumberScheduled": 0,
        "numberReady": 0,
    },
    "PodDisruptionBudget": {
        "disruptionsAllowed": 0,
        "currentHealthy": 0,
        "desiredHealthy": 0,
        "expectedPods": 0,
    },
    "HorizontalPodAutoscaler": {"desiredReplicas": 0},
    "Ingress": {"loadBalancer": {}},
    "CustomResourceDefinition": {"acceptedNames": {"plural": "", "kind": ""}, "storedVersions": []},
}

# What the DefaultStorageClass admission plugin fills in (kind's default class is `standard`).
DEFAULT_STORAGE_CLASS = "standard"


class ClusterIPs:
    """Hands out addresses from 10.96.0.0/12 like the service IP allocator (never reused)."""

    def __init__(self) -> None:
        self._next = itertools.count(10)
        self._node_ports = itertools.count(30000)

    def allocate(self) -> str:
        n = next(self._next)
        return f"10.96.{n // 254}.{n % 254 + 1}"

    def node_port(self) -> int:
        return next(self._node_ports)


def on_create(resource: ResourceType, obj: Obj, ips: ClusterIPs) -> None:
    """Create-time preparation; metadata (uid etc.) is already set."""
    if resource.has_status:
        obj["status"] = clone(_EMPTY_STATUS.get(resource.kind, {}))
    match resource.kind:
        case "Namespace":
            obj.setdefault("spec", {})["finalizers"] = ["kubernetes"]
            obj["status"] = {"phase": "Active"}
        case "PersistentVolumeClaim":
            obj["status"] = {"phase": "Pending"}
            spec = obj.setdefault("spec", {})
            spec.setdefault("storageClassName", DEFAULT_STORAGE_CLASS)
        case "Pod":
            obj["status"] = {"phase": "Pending", "qosClass": _qos_class(obj)}
        case "Service":
            _allocate_service(obj, ips)
            obj["status"] = {"loadBalancer": {}}
        case "Job":
            _bind_job_selector(obj)
    on_write(resource, obj)


def on_update(resource: ResourceType, old: Obj, new: Obj, subresource: str | None) -> None:
    """Update-time rules: the main resource cannot change status, /status cannot change spec."""
    if subresource == "status":
        for key in list(new):
            if key not in ("status", "metadata", "apiVersion", "kind"):
                new.pop(key)
        for key in ("spec", "data", "type"):
            if key in old:
                new[key] = old[key]
        new["metadata"] = {
            **old["metadata"],
            "resourceVersion": new["metadata"].get("resourceVersion"),
        }
        return
    if resource.has_status:
        if "status" in old:
            new["status"] = old["status"]
        else:
            new.pop("status", None)
    if resource.kind == "Namespace":
        new.setdefault("spec", {})["finalizers"] = (old.get("spec") or {}).get("finalizers", [])
    if resource.kind == "Service":
        _keep_service_ips(old, new)
    on_write(resource, new)


def on_write(resource: ResourceType, obj: Obj) -> None:
    """Defaulting that applies to every write, so comparisons with the stored object hold."""
    spec = obj.get("spec")
    if resource.kind == "Namespace":
        labels = obj["metadata"].setdefault("labels", {})
        labels["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
    if resource.kind in ("Deployment", "StatefulSet", "ReplicaSet") and isinstance(spec, dict):
        spec.setdefault("replicas", 1)
        if resource.kind == "Deployment":
            spec.setdefault("progressDeadlineSeconds", 600)
            spec.setdefault("revisionHistoryLimit", 10)
        if resource.kind == "StatefulSet":
            spec.setdefault("podManagementPolicy", "OrderedReady")
    if resource.kind == "Job" and isinstance(spec, dict):
        spec.setdefault("completions", 1)
        spec.setdefault("parallelism", 1)
        spec.setdefault("backoffLimit", 6)
        spec.setdefault("completionMode", "NonIndexed")
        spec.setdefault("suspend", False)
    if resource.kind == "PersistentVolumeClaim" and isinstance(spec, dict):
        spec.setdefault("volumeMode", "Filesystem")
    if resource.kind == "Secret":
        _fold_string_data(obj)


def _fold_string_data(secret: Obj) -> None:
    data = secret.get("data") or {}
    for key, value in data.items():
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise errors.bad_request(
                f'Secret in version "v1" cannot be handled as a Secret: illegal base64 data '
                f"at input byte 0 (data[{key}])"
            ) from None
    for key, value in (secret.pop("stringData", None) or {}).items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    if data:
        secret["data"] = data
    secret.setdefault("type", "Opaque")


def _allocate_service(service: Obj, ips: ClusterIPs) -> None:
    spec = service.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["type"] == "ExternalName":
        return
    if spec.get("clusterIP") in (None, ""):
        spec["clusterIP"] = ips.allocate()
    spec["clusterIPs"] = [spec["clusterIP"]]
    if spec["clusterIP"] != "None":
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        port.setdefault("targetPort", port.get("port"))
        if spec["type"] in ("NodePort", "LoadBalancer"):
            port.setdefault("nodePort", ips.node_port())


def _keep_service_ips(old: Obj, new: Obj) -> None:
    """An update that leaves clusterIP out keeps the allocated one, as on a cluster."""
    old_spec, new_spec = old.get("spec") or {}, new.setdefault("spec", {})
    for key in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
        if new_spec.get(key) in (None, "", []) and key in old_spec:
            new_spec[key] = old_spec[key]
    new_spec.setdefault("type", old_spec.get("type", "ClusterIP"))
    new_spec.setdefault("sessionAffinity", "None")
    new_spec.setdefault("internalTrafficPolicy", "Cluster")
    old_ports = {p.get("port"): p for p in old_spec.get("ports") or []}
    for port in new_spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        port.setdefault("targetPort", port.get("port"))
        if "nodePort" in old_ports.get(port.get("port"), {}):
            port.setdefault("nodePort", old_ports[port.get("port")]["nodePort"])


def _bind_job_selector(job: Obj) -> None:
    """Without manualSelector the Job controller owns the selector: the Job's uid + name."""
    spec = job.get("spec")
    if not isinstance(spec, dict) or spec.get("manualSelector"):
        return
    meta = job["metadata"]
    uid, name = meta["uid"], meta["name"]
    if spec.get("selector"):
        cause = Cause(
            "FieldValueInvalid",
            "Invalid value: ...: `selector` will be auto-generated",
            "spec.selector",
        )
        raise errors.invalid(JOBS, name, [cause])
    spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    labels = spec.setdefault("template", {}).setdefault("metadata", {}).setdefault("labels", {})
    labels.update(
        {
            "batch.kubernetes.io/controller-uid": uid,
            "batch.kubernetes.io/job-name": name,
            "controller-uid": uid,
            "job-name": name,
        }
    )


def _qos_class(pod: Obj) -> str:
    containers = (pod.get("spec") or {}).get("containers") or []
    resources = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    guaranteed = all(
        r.get("limits")
        and r.get("requests", r.get("limits")) == r.get("limits")
        and {"cpu", "memory"} <= set(r["limits"])
        for r in resources
    )
    return "Guaranteed" if guaranteed else "Burstable"
