"""The workload controllers of the fake cluster: Deployment (through ReplicaSets), StatefulSet
(ordered pods, claims from volumeClaimTemplates) and Job. They decide which pods should exist
and write the workload status from the pods' states; the kubelet runs the pods.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from kube_standin import podstatus
from kube_standin.failures import Failure, JobResult
from kube_standin.meta import (
    clone,
    name_of,
    namespace_of,
    now,
    owner_reference,
    random_suffix,
    stable_suffix,
)
from kube_standin.podstatus import RUNNING, SUCCEEDED
from kube_standin.resources import DEPLOYMENTS, JOBS, PODS, PVCS, REPLICASETS, STATEFULSETS
from kube_standin.store import Obj

if TYPE_CHECKING:
    from kube_standin.kubelet import Kubelet

MANAGER = "kube-controller-manager"


def reconcile_deployment(kubelet: Kubelet, deployment: Obj) -> None:
    namespace, name = namespace_of(deployment), name_of(deployment)
    failure = kubelet.failures.for_workload(
        "Deployment", name, namespace, template_images(deployment)
    )
    spec = deployment.get("spec") or {}
    replicas = spec.get("replicas", 1)
    template = spec.get("template") or {}
    replica_set = _current_replica_set(kubelet, deployment, template, replicas)
    pods = kubelet.owned(PODS, replica_set)
    quota = kubelet.quota_message(
        failure,
        namespace,
        f"{name_of(replica_set)}-{stable_suffix(replica_set['metadata']['uid'], 5)}",
    )
    if quota:
        if len(pods) < replicas:
            kubelet.event(
                REPLICASETS,
                replica_set,
                "FailedCreate",
                f"Error creating: {quota}",
                "replicaset-controller",
            )
    else:
        pods = kubelet.scale(
            pods,
            replicas,
            lambda: kubelet.create_pod(
                REPLICASETS,
                replica_set,
                f"{name_of(replica_set)}-{random_suffix()}",
                replica_set["spec"]["template"],
                {},
                [],
                failure,
                deployment,
                completes=False,
            ),
        )
    ready = [kubelet.run_pod(pod, failure, deployment, completes=False) for pod in pods].count(
        RUNNING
    )
    rs_status: Obj = {
        "replicas": len(pods),
        "fullyLabeledReplicas": len(pods),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "observedGeneration": replica_set["metadata"].get("generation", 1),
    }
    if quota:
        rs_status["conditions"] = [
            _condition(replica_set, "ReplicaFailure", "True", "FailedCreate", quota)
        ]
    kubelet.write_status(REPLICASETS, replica_set, rs_status)
    available = ready >= replicas - replicas // 4
    rs_name = name_of(replica_set)
    done = ready == replicas == len(pods)
    conditions = [
        _condition(
            deployment,
            "Available",
            str(available),
            "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
            "Deployment has minimum availability."
            if available
            else "Deployment does not have minimum availability.",
            updated=True,
        ),
        _condition(
            deployment,
            "Progressing",
            "True",
            "NewReplicaSetAvailable" if done else "ReplicaSetUpdated",
            f'ReplicaSet "{rs_name}" has successfully progressed.'
            if done
            else f'ReplicaSet "{rs_name}" is progressing.',
            updated=True,
        ),
    ]
    if quota:
        conditions.append(
            _condition(deployment, "ReplicaFailure", "True", "FailedCreate", quota, updated=True)
        )
    kubelet.write_status(
        DEPLOYMENTS,
        deployment,
        {
            "observedGeneration": deployment["metadata"].get("generation", 1),
            "replicas": len(pods),
            "updatedReplicas": len(pods),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "unavailableReplicas": max(replicas - ready, 0),
            "conditions": conditions,
        },
    )


def template_images(workload: Obj) -> tuple[str, ...]:
    """The images of a workload's pod template, init containers included."""
    spec = ((workload.get("spec") or {}).get("template") or {}).get("spec") or {}
    containers = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
    return tuple(str(container.get("image", "")) for container in containers)


def _current_replica_set(kubelet: Kubelet, deployment: Obj, template: Obj, replicas: int) -> Obj:
    """The ReplicaSet for the current pod template; older ones are scaled to zero."""
    pod_hash = stable_suffix(json.dumps(template, sort_keys=True))
    name = f"{name_of(deployment)}-{pod_hash}"
    owned = kubelet.owned(REPLICASETS, deployment)
    for old in owned:
        if name_of(old) != name and (old["spec"].get("replicas") or kubelet.owned(PODS, old)):
            for pod in kubelet.owned(PODS, old):
                kubelet.delete(PODS, pod)
            old["spec"]["replicas"] = 0
            kubelet.replace(REPLICASETS, old)
    current = next((rs for rs in owned if name_of(rs) == name), None)
    if current is None:
        meta = template.get("metadata") or {}
        labels = {**(meta.get("labels") or {}), "pod-template-hash": pod_hash}
        selector = clone((deployment.get("spec") or {}).get("selector") or {})
        selector.setdefault("matchLabels", {})["pod-template-hash"] = pod_hash
        return kubelet.registry.create(
            REPLICASETS,
            namespace_of(deployment),
            {
                "metadata": {
                    "name": name,
                    "labels": labels,
                    "annotations": {
                        "deployment.kubernetes.io/desired-replicas": str(replicas),
                        "deployment.kubernetes.io/revision": str(len(owned) + 1),
                    },
                    "ownerReferences": [owner_reference(DEPLOYMENTS, deployment)],
                },
                "spec": {
                    "replicas": replicas,
                    "selector": selector,
                    "template": {**template, "metadata": {**meta, "labels": labels}},
                },
            },
            manager=MANAGER,
        )
    if current["spec"].get("replicas") != replicas:
        current["spec"]["replicas"] = replicas
        current = kubelet.replace(REPLICASETS, current)
    return current


def reconcile_statefulset(kubelet: Kubelet, statefulset: Obj) -> None:
    namespace, name = namespace_of(statefulset), name_of(statefulset)
    failure = kubelet.failures.for_workload(
        "StatefulSet", name, namespace, template_images(statefulset)
    )
    spec = statefulset.get("spec") or {}
    replicas = spec.get("replicas", 1)
    template = spec.get("template") or {}
    revision = f"{name}-{stable_suffix(json.dumps(template, sort_keys=True))}"
    ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
    existing = {name_of(p): p for p in kubelet.owned(PODS, statefulset)}
    for pod_name, pod in existing.items():
        ordinal = pod_name.rsplit("-", 1)[-1]
        stale = pod["metadata"].get("labels", {}).get("controller-revision-hash") != revision
        if not ordinal.isdigit() or int(ordinal) >= replicas or stale:
            kubelet.delete(PODS, pod)
    quota = kubelet.quota_message(failure, namespace, f"{name}-0")
    states: list[str] = []
    for index in range(replicas):
        pod_name = f"{name}-{index}"
        found = existing.get(pod_name)
        if (
            found is not None
            and found["metadata"].get("labels", {}).get("controller-revision-hash") == revision
        ):
            pod = found
        else:
            if quota:
                kubelet.event(
                    STATEFULSETS,
                    statefulset,
                    "FailedCreate",
                    f"create Pod {pod_name} in StatefulSet {name} failed error: "
                    f"{quota.replace(f'{name}-0', pod_name)}",
                    "statefulset-controller",
                )
                break
            _ensure_claims(kubelet, statefulset, index)
            pod = kubelet.create_pod(
                STATEFULSETS,
                statefulset,
                pod_name,
                template,
                {
                    "statefulset.kubernetes.io/pod-name": pod_name,
                    "apps.kubernetes.io/pod-index": str(index),
                    "controller-revision-hash": revision,
                },
                _claim_volumes(statefulset, index),
                failure,
                statefulset,
                completes=False,
                hostname=pod_name,
                subdomain=spec.get("serviceName"),
            )
        states.append(kubelet.run_pod(pod, failure, statefulset, completes=False))
        if ordered and states[-1] != RUNNING:
            break
    ready = states.count(RUNNING)
    kubelet.write_status(
        STATEFULSETS,
        statefulset,
        {
            "observedGeneration": statefulset["metadata"].get("generation", 1),
            "replicas": len(states),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "currentReplicas": len(states),
            "updatedReplicas": len(states),
            "currentRevision": revision,
            "updateRevision": revision,
            "collisionCount": 0,
        },
    )


def _ensure_claims(kubelet: Kubelet, statefulset: Obj, index: int) -> None:
    selector = ((statefulset.get("spec") or {}).get("selector") or {}).get("matchLabels", {})
    for template, claim in statefulset_claims(statefulset, index):
        if kubelet.registry.store.get(PVCS, namespace_of(statefulset), claim) is None:
            meta = template.get("metadata") or {}
            kubelet.provision(
                kubelet.registry.create(
                    PVCS,
                    namespace_of(statefulset),
                    {
                        "metadata": {
                            "name": claim,
                            "labels": {**(meta.get("labels") or {}), **selector},
                            "annotations": meta.get("annotations") or {},
                        },
                        "spec": clone(template.get("spec") or {}),
                    },
                    manager=MANAGER,
                )
            )


def _claim_volumes(statefulset: Obj, index: int) -> list[Obj]:
    return [
        {
            "name": (template.get("metadata") or {}).get("name", ""),
            "persistentVolumeClaim": {"claimName": claim},
        }
        for template, claim in statefulset_claims(statefulset, index)
    ]


def statefulset_claims(statefulset: Obj, index: int) -> list[tuple[Obj, str]]:
    templates = (statefulset.get("spec") or {}).get("volumeClaimTemplates") or []
    return [
        (t, f"{(t.get('metadata') or {}).get('name', '')}-{name_of(statefulset)}-{index}")
        for t in templates
    ]


def reconcile_job(kubelet: Kubelet, job: Obj) -> None:
    status = job.get("status") or {}
    if any(
        c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
        for c in status.get("conditions") or []
    ):
        return
    namespace, name = namespace_of(job), name_of(job)
    failure = kubelet.failures.for_workload("Job", name, namespace, template_images(job))
    spec = job.get("spec") or {}
    completions = spec.get("completions") or 1
    started = status.get("startTime") or now()
    pods = kubelet.owned(PODS, job)
    if failure and failure.reason == "BackoffLimitExceeded":
        _fail_job(kubelet, job, failure, pods, started)
        return
    result = kubelet.failures.result_for(name, namespace)
    if result is not None and failure is None and kubelet.mode == "ready" and kubelet.due(job):
        _finish_job(kubelet, job, result, pods, started)
        return
    quota = kubelet.quota_message(failure, namespace, f"{name}-{stable_suffix(name, 5)}")
    if quota:
        kubelet.event(JOBS, job, "FailedCreate", f"Error creating: {quota}", "job-controller")
    else:
        pods = kubelet.scale(
            pods,
            completions,
            lambda: kubelet.create_pod(
                JOBS,
                job,
                f"{name}-{random_suffix()}",
                spec.get("template") or {},
                job_pod_labels(job),
                [],
                failure,
                job,
                completes=True,
            ),
        )
    states = [kubelet.run_pod(pod, failure, job, completes=True) for pod in pods]
    succeeded = states.count(SUCCEEDED)
    if succeeded >= completions:
        message = "Reached expected number of succeeded pods"
        kubelet.write_status(
            JOBS,
            job,
            {
                "startTime": started,
                "completionTime": now(),
                "succeeded": succeeded,
                "ready": 0,
                "terminating": 0,
                "uncountedTerminatedPods": {},
                "conditions": [
                    _condition(job, "SuccessCriteriaMet", "True", "CompletionsReached", message),
                    _condition(job, "Complete", "True", "CompletionsReached", message),
                ],
            },
        )
        return
    kubelet.write_status(
        JOBS,
        job,
        {
            "startTime": started,
            "active": len(states) - succeeded,
            "ready": states.count(RUNNING),
            "succeeded": succeeded,
            "terminating": 0,
            "uncountedTerminatedPods": {},
        },
    )


def _fail_job(kubelet: Kubelet, job: Obj, failure: Failure, pods: list[Obj], started: str) -> None:
    attempts = ((job.get("spec") or {}).get("backoffLimit", 6)) + 1
    for _ in range(attempts - len(pods)):
        pod = kubelet.create_pod(
            JOBS,
            job,
            f"{name_of(job)}-{random_suffix()}",
            (job.get("spec") or {}).get("template") or {},
            job_pod_labels(job),
            [],
            None,
            job,
            completes=True,
        )
        kubelet.write_pod_status(pod, podstatus.FAILED, "")
    message = failure.message or "Job has reached the specified backoff limit"
    kubelet.event(JOBS, job, "BackoffLimitExceeded", message, "job-controller")
    kubelet.write_status(
        JOBS,
        job,
        {
            "startTime": started,
            "failed": attempts,
            "ready": 0,
            "terminating": 0,
            "uncountedTerminatedPods": {},
            "conditions": [
                _condition(job, "FailureTarget", "True", "BackoffLimitExceeded", message),
                _condition(job, "Failed", "True", "BackoffLimitExceeded", message),
            ],
        },
    )


def job_pod_labels(job: Obj) -> dict[str, str]:
    """The labels the Job controller puts on its pods (so ``job-name=<job>`` selects them)."""
    uid, name = job["metadata"]["uid"], name_of(job)
    return {
        "batch.kubernetes.io/controller-uid": uid,
        "batch.kubernetes.io/job-name": name,
        "controller-uid": uid,
        "job-name": name,
    }


def _finish_job(
    kubelet: Kubelet, job: Obj, result: JobResult, pods: list[Obj], started: str
) -> None:
    """End the Job's pods as ``result`` says, then the Job: Complete on exit 0; on another
    code Failed at once when a FailJob rule of its podFailurePolicy matches (as the Job
    controller does), else once backoffLimit + 1 pods have failed."""
    spec = job.get("spec") or {}
    rule = _fail_job_rule(job, result)
    attempts = 1 if result.exit_code == 0 or rule is not None else spec.get("backoffLimit", 6) + 1
    template = spec.get("template") or {}
    while len(pods) < attempts:
        pods.append(
            kubelet.create_pod(
                JOBS,
                job,
                f"{name_of(job)}-{random_suffix()}",
                template,
                job_pod_labels(job),
                [],
                None,
                job,
                completes=True,
            )
        )
    for pod in pods:
        if podstatus.observed_state(pod) not in (SUCCEEDED, podstatus.FAILED):
            kubelet.end_pod(pod, result)
    if result.exit_code == 0:
        message = "Reached expected number of succeeded pods"
        conditions = [
            _condition(job, "SuccessCriteriaMet", "True", "CompletionsReached", message),
            _condition(job, "Complete", "True", "CompletionsReached", message),
        ]
        counts = {"succeeded": 1}
    else:
        if rule is not None:
            index, container = rule
            reason = "PodFailurePolicy"
            message = (
                f"Container {container} for pod {namespace_of(job)}/{name_of(pods[0])} failed "
                f"with exit code {result.exit_code} matching FailJob rule at index {index}"
            )
        else:
            reason, message = "BackoffLimitExceeded", "Job has reached the specified backoff limit"
            kubelet.event(JOBS, job, reason, message, "job-controller")
        conditions = [
            _condition(job, "FailureTarget", "True", reason, message),
            _condition(job, "Failed", "True", reason, message),
        ]
        counts = {"failed": attempts}
    kubelet.write_status(
        JOBS,
        job,
        {
            "startTime": started,
            **({"completionTime": now()} if result.exit_code == 0 else {}),
            **counts,
            "ready": 0,
            "terminating": 0,
            "uncountedTerminatedPods": {},
            "conditions": conditions,
        },
    )


def _fail_job_rule(job: Obj, result: JobResult) -> tuple[int, str] | None:
    """(index, container) of the podFailurePolicy FailJob rule that the exit code matches."""
    if result.exit_code == 0:
        return None
    spec = job.get("spec") or {}
    containers = [
        c.get("name", "")
        for c in ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    ]
    container: str = (
        result.container if result.container in containers and result.container else ""
    ) or (containers or [""])[0]
    rules = (spec.get("podFailurePolicy") or {}).get("rules") or []
    for index, rule in enumerate(rules):
        codes = rule.get("onExitCodes") or {}
        if rule.get("action") != "FailJob" or not codes:
            continue
        if codes.get("containerName") not in (None, container):
            continue
        matches = result.exit_code in (codes.get("values") or [])
        if matches == (codes.get("operator", "In") == "In"):
            return index, container
    return None


def _condition(
    obj: Obj, kind: str, status: str, reason: str, message: str, *, updated: bool = False
) -> Obj:
    """A workload condition that keeps its timestamps while it does not change."""
    previous: Obj = next(
        (c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == kind), {}
    )
    stamp = now()
    condition: Obj = {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": previous.get("lastTransitionTime", stamp)
        if previous.get("status") == status
        else stamp,
    }
    if updated:
        same = all(previous.get(k) == condition[k] for k in ("status", "reason", "message"))
        condition["lastUpdateTime"] = previous.get("lastUpdateTime", stamp) if same else stamp
    else:
        condition["lastProbeTime"] = previous.get("lastProbeTime", stamp)
    return condition
