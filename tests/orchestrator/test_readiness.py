"""Readiness rules over API-server JSON shaped like a real cluster's. Every rule is checked twice:
on the objects as a list returns them, and on what the watch-fed cache keeps of them, which must
lead to the same verdict and reason."""

from collections.abc import Callable
from typing import Any

import pytest

from orchestrator.kube.client import Snapshot
from orchestrator.provisioning import readiness
from orchestrator.provisioning.readiness import Assessment, Verdict

Obj = dict[str, Any]
Assess = Callable[..., Assessment]


def as_cached(snapshot: Snapshot) -> Snapshot:
    """The snapshot the cache would hold: each object reduced, those not kept left out."""

    def kept(keep: Callable[[Obj], Obj | None], objects: list[Obj]) -> list[Obj]:
        return [k for k in map(keep, objects) if k is not None]

    return Snapshot(
        statefulsets=kept(readiness.keep_workload, snapshot.statefulsets),
        deployments=kept(readiness.keep_workload, snapshot.deployments),
        jobs=kept(readiness.keep_job, snapshot.jobs),
        pods=kept(readiness.keep_pod, snapshot.pods),
        pvcs=kept(readiness.keep_claim, snapshot.pvcs),
        events=kept(readiness.keep_warning, snapshot.events),
    )


@pytest.fixture(params=["as listed", "as cached"])
def assess(request: pytest.FixtureRequest) -> Assess:
    if request.param == "as listed":
        return readiness.assess
    return lambda snapshot, *args, **kwargs: readiness.assess(as_cached(snapshot), *args, **kwargs)


def _meta(name: str, component: str, **labels: str) -> Obj:
    return {
        "name": name,
        "generation": 1,
        "labels": {"app.kubernetes.io/component": component, **labels},
    }


def statefulset(ready: int = 1) -> Obj:
    return {
        "metadata": _meta("store-mariadb", "mariadb"),
        "spec": {"replicas": 1},
        "status": {"observedGeneration": 1, "readyReplicas": ready, "updatedReplicas": 1},
    }


def deployment(available: bool = True, conditions: list[Obj] | None = None) -> Obj:
    conds = [{"type": "Available", "status": "True" if available else "False"}]
    return {
        "metadata": _meta("store-wordpress", "wordpress"),
        "spec": {"replicas": 1},
        "status": {
            "observedGeneration": 1,
            "updatedReplicas": 1,
            "availableReplicas": 1 if available else 0,
            "conditions": conds + (conditions or []),
        },
    }


def job(revision: int = 1, condition: Obj | None = None) -> Obj:
    return {
        "metadata": _meta(
            f"store-setup-r{revision}", "setup", **{"woo-platform/release-revision": str(revision)}
        ),
        "status": {"conditions": [condition] if condition else []},
    }


COMPLETE = {"type": "Complete", "status": "True"}


def ready_snapshot(**overrides: Any) -> Snapshot:
    values: dict[str, Any] = {
        "statefulsets": [statefulset()],
        "deployments": [deployment()],
        "jobs": [job(condition=COMPLETE)],
    }
    values.update(overrides)
    return Snapshot(**values)


def waiting_pod(reason: str, message: str = "") -> Obj:
    return {
        "metadata": {"name": "store-wordpress-abc"},
        "status": {
            "containerStatuses": [
                {"name": "wordpress", "state": {"waiting": {"reason": reason, "message": message}}}
            ]
        },
    }


def test_all_ready(assess: Assess) -> None:
    assert assess(ready_snapshot(), 1).verdict == Verdict.READY


def test_setup_job_of_an_older_revision_does_not_count(assess: Assess) -> None:
    result = assess(ready_snapshot(), 2)
    assert result.verdict == Verdict.WAITING
    assert result.missing and "setup Job (revision 2)" in result.reason


def test_nothing_there_is_reported_missing(assess: Assess) -> None:
    result = assess(Snapshot(), 1)
    assert result.missing
    assert "MariaDB StatefulSet" in result.reason and "WordPress Deployment" in result.reason


def test_waiting_lists_what_is_pending(assess: Assess) -> None:
    result = assess(ready_snapshot(statefulsets=[statefulset(ready=0)], jobs=[job()]), 1)
    assert result.verdict == Verdict.WAITING
    assert "MariaDB 0/1 ready" in result.reason
    assert "setup job running" in result.reason
    assert "WordPress" not in result.reason


def test_image_pull_error_is_named(assess: Assess) -> None:
    pod = waiting_pod("ImagePullBackOff", 'Back-off pulling image "wordpress:nope"')
    result = assess(ready_snapshot(deployments=[deployment(available=False)], pods=[pod]), 1)
    assert result.verdict == Verdict.WAITING
    assert result.reason.startswith("ImagePullBackOff: pod store-wordpress-abc")
    assert "wordpress:nope" in result.reason


def test_crash_loop_in_an_init_container_is_named(assess: Assess) -> None:
    pod = {
        "metadata": {"name": "p"},
        "status": {
            "initContainerStatuses": [
                {"name": "init", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
            ]
        },
    }
    result = assess(ready_snapshot(statefulsets=[statefulset(ready=0)], pods=[pod]), 1)
    assert result.reason.startswith("CrashLoopBackOff: pod p container init")


def test_ordinary_container_creation_is_not_a_blocker(assess: Assess) -> None:
    pod = waiting_pod("ContainerCreating")
    result = assess(ready_snapshot(deployments=[deployment(available=False)], pods=[pod]), 1)
    assert result.reason == "waiting for WordPress 0/1 available"


def test_unschedulable_pod_is_named(assess: Assess) -> None:
    pod = {
        "metadata": {"name": "p"},
        "status": {
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": "0/3 nodes are available: 3 Insufficient memory.",
                }
            ]
        },
    }
    result = assess(ready_snapshot(deployments=[deployment(available=False)], pods=[pod]), 1)
    assert result.reason.startswith("Unschedulable: pod p: 0/3 nodes are available")


def test_quota_refusal_from_deployment_condition(assess: Assess) -> None:
    failure = {
        "type": "ReplicaFailure",
        "status": "True",
        "reason": "FailedCreate",
        "message": 'pods "x" is forbidden: exceeded quota: store, requested: cpu=2',
    }
    result = assess(ready_snapshot(deployments=[deployment(False, [failure])]), 1)
    assert result.reason.startswith('QuotaExceeded: pods "x" is forbidden: exceeded quota')


def test_quota_refusal_from_events(assess: Assess) -> None:
    event = {
        "type": "Warning",
        "reason": "FailedCreate",
        "lastTimestamp": "2026-01-01T00:00:00Z",
        "involvedObject": {"kind": "StatefulSet", "name": "store-mariadb"},
        "message": "create Pod store-mariadb-0 failed: exceeded quota: store",
    }
    result = assess(ready_snapshot(statefulsets=[statefulset(0)], events=[event]), 1)
    assert result.reason.startswith("QuotaExceeded: create Pod store-mariadb-0 failed")


def test_pending_claim_is_named_with_its_event(assess: Assess) -> None:
    claim = {"metadata": {"name": "data-store-mariadb-0"}, "status": {"phase": "Pending"}}
    event = {
        "type": "Warning",
        "reason": "ProvisioningFailed",
        "involvedObject": {"kind": "PersistentVolumeClaim", "name": "data-store-mariadb-0"},
        "message": 'storageclass "fast" not found',
    }
    result = assess(ready_snapshot(statefulsets=[statefulset(0)], pvcs=[claim], events=[event]), 1)
    assert result.reason.startswith("PVCPending: claim data-store-mariadb-0 is not bound")
    assert 'storageclass "fast" not found' in result.reason


def test_failed_setup_job_is_final(assess: Assess) -> None:
    failed = {
        "type": "Failed",
        "status": "True",
        "reason": "BackoffLimitExceeded",
        "message": "Job has reached the specified backoff limit",
    }
    result = assess(ready_snapshot(jobs=[job(condition=failed)]), 1)
    assert result.verdict == Verdict.FAILED
    assert "store-setup-r1 failed: BackoffLimitExceeded" in result.reason


def test_health_check_ignores_a_cleaned_up_setup_job(assess: Assess) -> None:
    assert assess(ready_snapshot(jobs=[]), 1, require_setup=False).verdict == Verdict.READY
    assert assess(ready_snapshot(jobs=[]), 1).verdict == Verdict.WAITING


def test_stale_observed_generation_is_not_ready(assess: Assess) -> None:
    sts = statefulset()
    sts["metadata"]["generation"] = 2
    assert assess(ready_snapshot(statefulsets=[sts]), 1).verdict == Verdict.WAITING


def test_a_claim_waiting_for_its_first_consumer_is_not_a_blocker(assess: Assess) -> None:
    claim = {"metadata": {"name": "data-store-mariadb-0"}, "status": {"phase": "Pending"}}
    normal = {
        "type": "Normal",
        "reason": "WaitForFirstConsumer",
        "involvedObject": {"kind": "PersistentVolumeClaim", "name": "data-store-mariadb-0"},
        "message": "waiting for first consumer to be created before binding",
    }
    result = assess(ready_snapshot(statefulsets=[statefulset(0)], pvcs=[claim], events=[normal]), 1)
    assert result.reason == "waiting for MariaDB 0/1 ready"


# --- day-2: replicas set by hand, a suspended store ----------------------------------------------
def scaled(obj: Obj, replicas: int, running: int) -> Obj:
    status = {**obj["status"], "readyReplicas": running, "availableReplicas": running}
    return {**obj, "spec": {"replicas": replicas}, "status": status}


def maintenance(available: bool = True) -> Obj:
    page = deployment(available)
    return {**page, "metadata": _meta("store-maintenance", "maintenance")}


def test_a_store_scaled_to_zero_by_hand_is_not_ready(assess: Assess) -> None:
    snapshot = ready_snapshot(deployments=[scaled(deployment(), 0, 0)])
    result = assess(snapshot, 1)
    assert result.verdict == Verdict.WAITING
    assert result.reason == "scaled to zero outside the platform: WordPress Deployment"


@pytest.fixture(params=["as listed", "as cached"])
def assess_suspended(request: pytest.FixtureRequest) -> Callable[[Snapshot], Assessment]:
    if request.param == "as listed":
        return readiness.assess_suspended
    return lambda snapshot: readiness.assess_suspended(as_cached(snapshot))


def test_a_suspended_store_is_settled_at_zero_behind_the_maintenance_page(
    assess_suspended: Callable[[Snapshot], Assessment],
) -> None:
    at_zero = Snapshot(
        statefulsets=[scaled(statefulset(), 0, 0)],
        deployments=[scaled(deployment(), 0, 0), maintenance()],
    )
    result = assess_suspended(at_zero)
    assert result.verdict == Verdict.READY
    assert result.reason.startswith("suspended: WordPress and MariaDB at zero")

    stopping = Snapshot(
        statefulsets=[scaled(statefulset(), 0, 1)],
        deployments=[scaled(deployment(), 1, 1), maintenance(available=False)],
    )
    waiting = assess_suspended(stopping)
    assert waiting.verdict == Verdict.WAITING
    assert waiting.reason == (
        "waiting for MariaDB to stop, WordPress to stop, maintenance page 0/1 available"
    )
    missing = assess_suspended(Snapshot(deployments=[scaled(deployment(), 0, 0)]))
    assert missing.missing and "maintenance Deployment" in missing.reason
