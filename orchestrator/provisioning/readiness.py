"""Is a store ready, and if not, why? Pure rules over the API server's own JSON.

A store is ready when its MariaDB StatefulSet is ready, its WordPress Deployment is available and
the setup Job of the current release revision has completed. While it is not, the most telling
blocking reason wins: a pod that cannot pull its image or keeps crashing, a pod no node will take,
a claim no volume binds, a quota that refuses pods, a setup Job that gave up.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from orchestrator.kube.client import Json, Snapshot

COMPONENT = "app.kubernetes.io/component"
REVISION_LABEL = "woo-platform/release-revision"

# Container states that mean "this will not start without help".
BLOCKING_WAITING_REASONS = {
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
}


class Verdict(StrEnum):
    READY = "ready"
    WAITING = "waiting"  # not ready yet; may still become ready on its own
    FAILED = "failed"  # will not become ready without a new revision


@dataclass(frozen=True)
class Assessment:
    verdict: Verdict
    reason: str
    # True when the workloads the chart should have created are not there at all: the
    # release was removed behind our back and must be installed again.
    missing: bool = False


def assess(snapshot: Snapshot, revision: int, *, require_setup: bool = True) -> Assessment:
    """``require_setup`` is off for health checks of a Ready store: its finished setup Job may
    already have been cleaned up by its TTL."""
    mariadb = _by_component(snapshot.statefulsets, "mariadb")
    wordpress = _by_component(snapshot.deployments, "wordpress")
    setup = _setup_job(snapshot.jobs, revision) if require_setup else {}
    if mariadb is None or wordpress is None or setup is None:
        absent = [
            name
            for name, obj in (
                ("MariaDB StatefulSet", mariadb),
                ("WordPress Deployment", wordpress),
                (f"setup Job (revision {revision})", setup),
            )
            if obj is None
        ]
        return Assessment(
            Verdict.WAITING, "missing from the cluster: " + ", ".join(absent), missing=True
        )

    # Replicas set to zero by hand count as broken: only a suspension scales a store to zero.
    scaled = [
        name
        for name, obj in (("MariaDB StatefulSet", mariadb), ("WordPress Deployment", wordpress))
        if _wanted(obj) == 0
    ]
    if scaled:
        return Assessment(
            Verdict.WAITING, "scaled to zero outside the platform: " + ", ".join(scaled)
        )

    job_failure = _job_failure(setup) if require_setup else None
    if job_failure:
        return Assessment(Verdict.FAILED, job_failure)

    pending = []
    if not _statefulset_ready(mariadb):
        pending.append(f"MariaDB {_ready_count(mariadb)} ready")
    if not _deployment_available(wordpress):
        pending.append(f"WordPress {_available_count(wordpress)} available")
    if require_setup and not _job_complete(setup):
        pending.append("WooCommerce setup job running")
    if not pending:
        return Assessment(Verdict.READY, "all workloads ready")

    blocker = _blocking_reason(snapshot)
    waiting = "waiting for " + ", ".join(pending)
    return Assessment(Verdict.WAITING, f"{blocker} ({waiting})" if blocker else waiting)


def assess_suspended(snapshot: Snapshot) -> Assessment:
    """A suspended store is settled when WordPress and MariaDB are at zero and the maintenance
    page is served in their place."""
    mariadb = _by_component(snapshot.statefulsets, "mariadb")
    wordpress = _by_component(snapshot.deployments, "wordpress")
    maintenance = _by_component(snapshot.deployments, "maintenance")
    if maintenance is None:
        return Assessment(
            Verdict.WAITING, "missing from the cluster: maintenance Deployment", missing=True
        )
    pending = [
        f"{name} to stop"
        for name, obj in (("MariaDB", mariadb), ("WordPress", wordpress))
        if obj is not None and (_wanted(obj) != 0 or _running(obj))
    ]
    if not _deployment_available(maintenance):
        pending.append(f"maintenance page {_available_count(maintenance)} available")
    if pending:
        blocker = _blocking_reason(snapshot)
        waiting = "waiting for " + ", ".join(pending)
        return Assessment(Verdict.WAITING, f"{blocker} ({waiting})" if blocker else waiting)
    return Assessment(
        Verdict.READY,
        "suspended: WordPress and MariaDB at zero, data kept; the storefront shows a "
        "maintenance page",
    )


# --- workloads ----------------------------------------------------------------------------
def _by_component(objects: list[Json], component: str) -> Json | None:
    for obj in objects:
        if _labels(obj).get(COMPONENT) == component and not _meta(obj).get("deletionTimestamp"):
            return obj
    return None


def _setup_job(jobs: list[Json], revision: int) -> Json | None:
    for job in jobs:
        labels = _labels(job)
        if labels.get(COMPONENT) == "setup" and labels.get(REVISION_LABEL) == str(revision):
            return job
    return None


def _statefulset_ready(sts: Json) -> bool:
    spec, status = sts.get("spec") or {}, sts.get("status") or {}
    wanted = int(spec.get("replicas", 1))
    return (
        _observed(sts)
        and int(status.get("readyReplicas") or 0) >= wanted
        and int(status.get("updatedReplicas", wanted) or 0) >= wanted
    )


def _deployment_available(deployment: Json) -> bool:
    spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
    wanted = int(spec.get("replicas", 1))
    return (
        _observed(deployment)
        and _condition(deployment, "Available") == "True"
        and int(status.get("updatedReplicas") or 0) >= wanted
        and int(status.get("availableReplicas") or 0) >= wanted
    )


def _job_complete(job: Json) -> bool:
    return _condition(job, "Complete") == "True"


def _job_failure(job: Json) -> str | None:
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Failed" and condition.get("status") == "True":
            reason = condition.get("reason") or "Failed"
            message = condition.get("message") or "the setup job gave up"
            return f"setup job {_meta(job).get('name')} failed: {reason}: {message}"
    return None


def _observed(obj: Json) -> bool:
    generation = _meta(obj).get("generation")
    observed = (obj.get("status") or {}).get("observedGeneration")
    return generation is None or (observed is not None and int(observed) >= int(generation))


def _wanted(obj: Json) -> int:
    return int((obj.get("spec") or {}).get("replicas", 1))


def _running(obj: Json) -> bool:
    status = obj.get("status") or {}
    return any(int(status.get(key) or 0) > 0 for key in ("readyReplicas", "availableReplicas"))


def _ready_count(sts: Json) -> str:
    wanted = (sts.get("spec") or {}).get("replicas", 1)
    return f"{(sts.get('status') or {}).get('readyReplicas') or 0}/{wanted}"


def _available_count(deployment: Json) -> str:
    wanted = (deployment.get("spec") or {}).get("replicas", 1)
    return f"{(deployment.get('status') or {}).get('availableReplicas') or 0}/{wanted}"


# --- why it is blocked --------------------------------------------------------------------
def _blocking_reason(snapshot: Snapshot) -> str | None:
    # Root causes first: a pod is unschedulable *because* its claim cannot bind.
    for find in (_container_problem, _pending_claim, _quota_refusal, _unschedulable):
        reason = find(snapshot)
        if reason:
            return reason
    return None


def _container_problem(snapshot: Snapshot) -> str | None:
    for pod in snapshot.pods:
        status = pod.get("status") or {}
        for key in ("initContainerStatuses", "containerStatuses"):
            for container in status.get(key) or []:
                waiting = (container.get("state") or {}).get("waiting") or {}
                reason = waiting.get("reason")
                if reason in BLOCKING_WAITING_REASONS:
                    detail = _short(waiting.get("message") or "")
                    where = f"pod {_meta(pod).get('name')} container {container.get('name')}"
                    return f"{reason}: {where}" + (f": {detail}" if detail else "")
    return None


def _unschedulable(snapshot: Snapshot) -> str | None:
    for pod in snapshot.pods:
        for condition in (pod.get("status") or {}).get("conditions") or []:
            if (
                condition.get("type") == "PodScheduled"
                and condition.get("status") == "False"
                and condition.get("reason") == "Unschedulable"
            ):
                return (
                    f"Unschedulable: pod {_meta(pod).get('name')}: "
                    f"{_short(condition.get('message') or 'no node fits')}"
                )
    return None


def _quota_refusal(snapshot: Snapshot) -> str | None:
    for deployment in snapshot.deployments:
        for condition in (deployment.get("status") or {}).get("conditions") or []:
            if condition.get("type") == "ReplicaFailure" and condition.get("status") == "True":
                return f"QuotaExceeded: {_short(condition.get('message') or '')}"
    for event in _warnings(snapshot.events):
        message = event.get("message") or ""
        if event.get("reason") == "FailedCreate" and "exceeded quota" in message:
            return f"QuotaExceeded: {_short(message)}"
    return None


def _pending_claim(snapshot: Snapshot) -> str | None:
    # A claim is Pending for a while on every cluster whose storage class binds on first use
    # (kind, k3s local-path); only a Warning about it (ProvisioningFailed, FailedBinding, ...)
    # makes it a blocker worth reporting.
    warnings = _warnings(snapshot.events)
    for claim in snapshot.pvcs:
        if (claim.get("status") or {}).get("phase", "Pending") != "Pending":
            continue
        name = _meta(claim).get("name")
        detail = next(
            (
                e.get("message")
                for e in warnings
                if (e.get("involvedObject") or {}).get("kind") == "PersistentVolumeClaim"
                and (e.get("involvedObject") or {}).get("name") == name
            ),
            None,
        )
        if detail:
            return f"PVCPending: claim {name} is not bound: {_short(detail)}"
    return None


def _warnings(events: list[Json]) -> list[Json]:
    warnings = [event for event in events if event.get("type") == "Warning"]
    return sorted(
        warnings,
        key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""),
        reverse=True,
    )


# --- what of each object the rules read -----------------------------------------------------
# The watch-fed cache keeps only this much of each object (thousands of stores must fit in a
# small process); ``assess`` reads the reduced objects exactly as it reads the full ones. An
# object that can tell the rules nothing (a pod with no blocking problem, a bound claim) is not
# kept at all.
_KEPT_LABELS = (COMPONENT, REVISION_LABEL)


def keep_workload(obj: Json) -> Json:
    """A Deployment or StatefulSet: its identity, wanted replicas and rollout status."""
    status = obj.get("status") or {}
    kept_status = {
        key: status[key]
        for key in ("readyReplicas", "updatedReplicas", "availableReplicas", "observedGeneration")
        if key in status
    }
    conditions = [
        _keep_condition(c)
        for c in status.get("conditions") or []
        if c.get("type") in ("Available", "ReplicaFailure")
    ]
    if conditions:
        kept_status["conditions"] = conditions
    return {
        "metadata": _keep_meta(obj, "generation", "deletionTimestamp"),
        "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 1)},
        "status": kept_status,
    }


def keep_job(obj: Json) -> Json:
    conditions = [
        _keep_condition(c)
        for c in (obj.get("status") or {}).get("conditions") or []
        if c.get("type") in ("Complete", "Failed")
    ]
    return {"metadata": _keep_meta(obj), "status": {"conditions": conditions}}


def keep_pod(obj: Json) -> Json | None:
    """A pod only while it shows a blocking container state or cannot be scheduled."""
    status = obj.get("status") or {}
    kept: Json = {}
    for key in ("initContainerStatuses", "containerStatuses"):
        blocked = [
            {"name": c.get("name"), "state": {"waiting": (c.get("state") or {}).get("waiting")}}
            for c in status.get(key) or []
            if ((c.get("state") or {}).get("waiting") or {}).get("reason")
            in BLOCKING_WAITING_REASONS
        ]
        if blocked:
            kept[key] = blocked
    unschedulable = [
        _keep_condition(c)
        for c in status.get("conditions") or []
        if c.get("type") == "PodScheduled"
        and c.get("status") == "False"
        and c.get("reason") == "Unschedulable"
    ]
    if unschedulable:
        kept["conditions"] = unschedulable
    return {"metadata": _keep_meta(obj), "status": kept} if kept else None


def keep_claim(obj: Json) -> Json | None:
    """A claim only while it is Pending."""
    phase = (obj.get("status") or {}).get("phase", "Pending")
    if phase != "Pending":
        return None
    return {"metadata": _keep_meta(obj), "status": {"phase": phase}}


def keep_warning(obj: Json) -> Json | None:
    if obj.get("type") != "Warning":
        return None
    involved = obj.get("involvedObject") or {}
    return {
        "type": "Warning",
        "reason": obj.get("reason"),
        "message": obj.get("message"),
        "involvedObject": {"kind": involved.get("kind"), "name": involved.get("name")},
        "lastTimestamp": obj.get("lastTimestamp"),
        "eventTime": obj.get("eventTime"),
    }


def _keep_meta(obj: Json, *extra: str) -> Json:
    meta = _meta(obj)
    kept: Json = {"name": meta.get("name")}
    labels = {key: value for key, value in _labels(obj).items() if key in _KEPT_LABELS}
    if labels:
        kept["labels"] = labels
    kept.update({key: meta[key] for key in extra if meta.get(key) is not None})
    return kept


def _keep_condition(condition: Json) -> Json:
    return {
        key: condition[key] for key in ("type", "status", "reason", "message") if key in condition
    }


# --- small readers ------------------------------------------------------------------------
def _meta(obj: Json) -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    return meta if isinstance(meta, dict) else {}


def _labels(obj: Json) -> dict[str, str]:
    return _meta(obj).get("labels") or {}


def _condition(obj: Json, kind: str) -> str | None:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind:
            return str(condition.get("status"))
    return None


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
