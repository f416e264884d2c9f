"""The fake kubelet: what the controllers, scheduler, volume binder and kubelets of a cluster
would do with the objects, driven by what the test decides.

- mode "ready": PVCs bind, Deployments (through a ReplicaSet) and StatefulSets get Running+Ready
  pods and ready status, Jobs complete; bare Pods run (restartPolicy Always) or succeed.
- mode "hold": pods are created but stay ContainerCreating, PVCs stay Pending; nothing is ready.
- `fail(kind, reason, ...)`: matching workloads (existing or future) show that failure the way a
  cluster does (pod waiting reasons, scheduling conditions, Warning Events, Job conditions)
  until `heal()`. A Job that already failed stays failed.

Level-based: every tick recomputes from the stored objects, nothing is remembered except which
events were already reported and when a workload was first seen (for `ready_after`).
"""

from __future__ import annotations

import copy
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from tests.k8s import errors, podstatus
from tests.k8s.meta import name_of, namespace_of, now, owner_reference, random_suffix, stable_suffix
from tests.k8s.podstatus import CREATING, PVC_PENDING, RUNNING, SUCCEEDED, UNSCHEDULED
from tests.k8s.registry import Registry
from tests.k8s.resources import (
    DEPLOYMENTS,
    EVENTS,
    JOBS,
    PODS,
    PVCS,
    REPLICASETS,
    RESOURCEQUOTAS,
    STATEFULSETS,
    ResourceType,
)

Obj = dict[str, Any]
Mode = Literal["ready", "hold"]

KINDS = ("Deployment", "StatefulSet", "Job")
POD_REASONS = ("ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff", "Unschedulable")
REASONS = (*POD_REASONS, "QuotaExceeded", "BackoffLimitExceeded", "PVCPending")
MANAGER = "kube-controller-manager"
_TERMINAL = (podstatus.SUCCEEDED, podstatus.FAILED)
# Status counters the API serializes even when zero (no omitempty); the rest are left out.
_ZERO_VALUED = {"Job": ("ready", "terminating"), "ReplicaSet": ("replicas",),
                "StatefulSet": ("replicas", "availableReplicas", "collisionCount")}


@dataclass(frozen=True)
class Failure:
    kind: str
    reason: str
    message: str | None = None
    name_contains: str | None = None

    def applies_to(self, kind: str, name: str) -> bool:
        return kind == self.kind and (self.name_contains is None or self.name_contains in name)


class Kubelet:
    def __init__(self, registry: Registry, mode: Mode = "ready", ready_after: float = 0.0) -> None:
        self.registry = registry
        self.mode: Mode = mode
        self.ready_after = ready_after
        self._lock = threading.Lock()
        self._failures: list[Failure] = []
        self._first_seen: dict[str, float] = {}
        self._reported: set[tuple[str, str, str]] = set()
        self._held: dict[tuple[str, str], str] = {}

    def fail(self, kind: str, reason: str, message: str | None = None,
             name_contains: str | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        if reason not in REASONS:
            raise ValueError(f"reason must be one of {REASONS}, not {reason!r}")
        if reason == "BackoffLimitExceeded" and kind != "Job":
            raise ValueError("BackoffLimitExceeded only applies to Jobs")
        with self._lock:
            self._failures.append(Failure(kind, reason, message, name_contains))

    def heal(self) -> None:
        with self._lock:
            self._failures.clear()

    @property
    def failures(self) -> list[Failure]:
        with self._lock:
            return list(self._failures)

    def tick(self) -> None:
        terminating = set(self.registry.terminating_namespaces())
        store = self.registry.store
        self._held = self._held_claims()
        self._bind_claims(terminating)
        steps: list[tuple[ResourceType, Callable[[Obj], None]]] = [
            (DEPLOYMENTS, self._deployment), (STATEFULSETS, self._statefulset),
            (JOBS, self._job), (PODS, self._bare_pod)]
        for resource, step in steps:
            for obj in store.items(resource):
                if namespace_of(obj) not in terminating:
                    _tolerating_races(step, obj)

    # -- workloads -------------------------------------------------------------------------

    def _deployment(self, deployment: Obj) -> None:
        namespace, name = namespace_of(deployment), name_of(deployment)
        failure = self._failure_for("Deployment", name)
        spec = deployment.get("spec") or {}
        replicas = spec.get("replicas", 1)
        template = spec.get("template") or {}
        replica_set = self._current_replica_set(deployment, template, replicas)
        pods = self._owned(PODS, replica_set)
        quota = self._quota_message(failure, namespace, f"{name_of(replica_set)}-"
                                    f"{stable_suffix(replica_set['metadata']['uid'], 5)}")
        if quota:
            if len(pods) < replicas:
                self._event(REPLICASETS, replica_set, "FailedCreate", f"Error creating: {quota}",
                            "replicaset-controller")
        else:
            pods = self._scale(pods, replicas, lambda: self._create_pod(
                REPLICASETS, replica_set, f"{name_of(replica_set)}-{random_suffix()}",
                replica_set["spec"]["template"], {}, [], failure, deployment, completes=False))
        ready = [self._run_pod(pod, failure, deployment, completes=False)
                 for pod in pods].count(RUNNING)
        rs_status: Obj = {"replicas": len(pods), "fullyLabeledReplicas": len(pods),
                          "readyReplicas": ready, "availableReplicas": ready,
                          "observedGeneration": replica_set["metadata"].get("generation", 1)}
        if quota:
            rs_status["conditions"] = [_condition(replica_set, "ReplicaFailure", "True",
                                                  "FailedCreate", quota)]
        self._write_status(REPLICASETS, replica_set, rs_status)
        available = ready >= replicas - replicas // 4
        rs_name = name_of(replica_set)
        done = ready == replicas == len(pods)
        conditions = [
            _condition(deployment, "Available", str(available),
                       "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
                       "Deployment has minimum availability." if available
                       else "Deployment does not have minimum availability.", updated=True),
            _condition(deployment, "Progressing", "True",
                       "NewReplicaSetAvailable" if done else "ReplicaSetUpdated",
                       f'ReplicaSet "{rs_name}" has successfully progressed.' if done
                       else f'ReplicaSet "{rs_name}" is progressing.', updated=True),
        ]
        if quota:
            conditions.append(_condition(deployment, "ReplicaFailure", "True", "FailedCreate",
                                         quota, updated=True))
        self._write_status(DEPLOYMENTS, deployment, {
            "observedGeneration": deployment["metadata"].get("generation", 1),
            "replicas": len(pods), "updatedReplicas": len(pods), "readyReplicas": ready,
            "availableReplicas": ready, "unavailableReplicas": max(replicas - ready, 0),
            "conditions": conditions})

    def _current_replica_set(self, deployment: Obj, template: Obj, replicas: int) -> Obj:
        """The ReplicaSet for the current pod template; older ones are scaled to zero."""
        pod_hash = stable_suffix(json.dumps(template, sort_keys=True))
        name = f"{name_of(deployment)}-{pod_hash}"
        owned = self._owned(REPLICASETS, deployment)
        for old in owned:
            if name_of(old) != name and (old["spec"].get("replicas") or self._owned(PODS, old)):
                for pod in self._owned(PODS, old):
                    self._delete(PODS, pod)
                old["spec"]["replicas"] = 0
                self._replace(REPLICASETS, old)
        current = next((rs for rs in owned if name_of(rs) == name), None)
        if current is None:
            meta = template.get("metadata") or {}
            labels = {**(meta.get("labels") or {}), "pod-template-hash": pod_hash}
            selector = copy.deepcopy((deployment.get("spec") or {}).get("selector") or {})
            selector.setdefault("matchLabels", {})["pod-template-hash"] = pod_hash
            return self.registry.create(REPLICASETS, namespace_of(deployment), {
                "metadata": {"name": name, "labels": labels,
                             "annotations": {
                                 "deployment.kubernetes.io/desired-replicas": str(replicas),
                                 "deployment.kubernetes.io/revision": str(len(owned) + 1)},
                             "ownerReferences": [owner_reference(DEPLOYMENTS, deployment)]},
                "spec": {"replicas": replicas, "selector": selector,
                         "template": {**template, "metadata": {**meta, "labels": labels}}}},
                manager=MANAGER)
        if current["spec"].get("replicas") != replicas:
            current["spec"]["replicas"] = replicas
            current = self._replace(REPLICASETS, current)
        return current

    def _statefulset(self, statefulset: Obj) -> None:
        namespace, name = namespace_of(statefulset), name_of(statefulset)
        failure = self._failure_for("StatefulSet", name)
        spec = statefulset.get("spec") or {}
        replicas = spec.get("replicas", 1)
        template = spec.get("template") or {}
        revision = f"{name}-{stable_suffix(json.dumps(template, sort_keys=True))}"
        ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
        existing = {name_of(p): p for p in self._owned(PODS, statefulset)}
        for pod_name, pod in existing.items():
            ordinal = pod_name.rsplit("-", 1)[-1]
            stale = pod["metadata"].get("labels", {}).get("controller-revision-hash") != revision
            if not ordinal.isdigit() or int(ordinal) >= replicas or stale:
                self._delete(PODS, pod)
        quota = self._quota_message(failure, namespace, f"{name}-0")
        states: list[str] = []
        for index in range(replicas):
            pod_name = f"{name}-{index}"
            found = existing.get(pod_name)
            if found is not None and found["metadata"].get("labels", {}).get(
                    "controller-revision-hash") == revision:
                pod = found
            else:
                if quota:
                    self._event(STATEFULSETS, statefulset, "FailedCreate",
                                f"create Pod {pod_name} in StatefulSet {name} failed error: "
                                f"{quota.replace(f'{name}-0', pod_name)}",
                                "statefulset-controller")
                    break
                self._ensure_claims(statefulset, index)
                pod = self._create_pod(STATEFULSETS, statefulset, pod_name, template, {
                    "statefulset.kubernetes.io/pod-name": pod_name,
                    "apps.kubernetes.io/pod-index": str(index),
                    "controller-revision-hash": revision,
                }, self._claim_volumes(statefulset, index), failure, statefulset,
                    completes=False, hostname=pod_name, subdomain=spec.get("serviceName"))
            states.append(self._run_pod(pod, failure, statefulset, completes=False))
            if ordered and states[-1] != RUNNING:
                break
        ready = states.count(RUNNING)
        self._write_status(STATEFULSETS, statefulset, {
            "observedGeneration": statefulset["metadata"].get("generation", 1),
            "replicas": len(states), "readyReplicas": ready, "availableReplicas": ready,
            "currentReplicas": len(states), "updatedReplicas": len(states),
            "currentRevision": revision, "updateRevision": revision, "collisionCount": 0})

    def _ensure_claims(self, statefulset: Obj, index: int) -> None:
        selector = ((statefulset.get("spec") or {}).get("selector") or {}).get("matchLabels", {})
        for template, claim in self._claims_of_statefulset(statefulset, index):
            if self.registry.store.get(PVCS, namespace_of(statefulset), claim) is None:
                meta = template.get("metadata") or {}
                self._provision(self.registry.create(PVCS, namespace_of(statefulset), {
                    "metadata": {"name": claim,
                                 "labels": {**(meta.get("labels") or {}), **selector},
                                 "annotations": meta.get("annotations") or {}},
                    "spec": copy.deepcopy(template.get("spec") or {})}, manager=MANAGER))

    def _claim_volumes(self, statefulset: Obj, index: int) -> list[Obj]:
        return [{"name": (template.get("metadata") or {}).get("name", ""),
                 "persistentVolumeClaim": {"claimName": claim}}
                for template, claim in self._claims_of_statefulset(statefulset, index)]

    @staticmethod
    def _claims_of_statefulset(statefulset: Obj, index: int) -> list[tuple[Obj, str]]:
        templates = (statefulset.get("spec") or {}).get("volumeClaimTemplates") or []
        return [(t, f"{(t.get('metadata') or {}).get('name', '')}-{name_of(statefulset)}-{index}")
                for t in templates]

    def _job(self, job: Obj) -> None:
        status = job.get("status") or {}
        if any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
               for c in status.get("conditions") or []):
            return
        namespace, name = namespace_of(job), name_of(job)
        failure = self._failure_for("Job", name)
        spec = job.get("spec") or {}
        completions = spec.get("completions") or 1
        started = status.get("startTime") or now()
        pods = self._owned(PODS, job)
        if failure and failure.reason == "BackoffLimitExceeded":
            self._fail_job(job, failure, pods, started)
            return
        quota = self._quota_message(failure, namespace, f"{name}-{stable_suffix(name, 5)}")
        if quota:
            self._event(JOBS, job, "FailedCreate", f"Error creating: {quota}", "job-controller")
        else:
            pods = self._scale(pods, completions, lambda: self._create_pod(
                JOBS, job, f"{name}-{random_suffix()}", spec.get("template") or {}, {}, [],
                failure, job, completes=True))
        states = [self._run_pod(pod, failure, job, completes=True) for pod in pods]
        succeeded = states.count(SUCCEEDED)
        if succeeded >= completions:
            message = "Reached expected number of succeeded pods"
            self._write_status(JOBS, job, {
                "startTime": started, "completionTime": now(), "succeeded": succeeded,
                "ready": 0, "terminating": 0, "uncountedTerminatedPods": {},
                "conditions": [
                    _condition(job, "SuccessCriteriaMet", "True", "CompletionsReached", message),
                    _condition(job, "Complete", "True", "CompletionsReached", message)]})
            return
        self._write_status(JOBS, job, {
            "startTime": started, "active": len(states) - succeeded,
            "ready": states.count(RUNNING), "succeeded": succeeded, "terminating": 0,
            "uncountedTerminatedPods": {}})

    def _fail_job(self, job: Obj, failure: Failure, pods: list[Obj], started: str) -> None:
        attempts = ((job.get("spec") or {}).get("backoffLimit", 6)) + 1
        for _ in range(attempts - len(pods)):
            pod = self._create_pod(JOBS, job, f"{name_of(job)}-{random_suffix()}",
                                   (job.get("spec") or {}).get("template") or {}, {}, [], None,
                                   job, completes=True)
            self._write_pod_status(pod, podstatus.FAILED, "")
        message = failure.message or "Job has reached the specified backoff limit"
        self._event(JOBS, job, "BackoffLimitExceeded", message, "job-controller")
        self._write_status(JOBS, job, {
            "startTime": started, "failed": attempts, "ready": 0, "terminating": 0,
            "uncountedTerminatedPods": {},
            "conditions": [
                _condition(job, "FailureTarget", "True", "BackoffLimitExceeded", message),
                _condition(job, "Failed", "True", "BackoffLimitExceeded", message)]})

    def _bare_pod(self, pod: Obj) -> None:
        owners = {ref.get("kind") for ref in pod["metadata"].get("ownerReferences") or []}
        if owners & {"ReplicaSet", "StatefulSet", "Job"}:
            return
        current = podstatus.observed_state(pod)
        completes = (pod.get("spec") or {}).get("restartPolicy", "Always") != "Always"
        desired = self._desired_state(pod, None, pod, completes)
        if current is not None and (current == desired or current in _TERMINAL
                                    or desired == CREATING):
            return
        if desired not in UNSCHEDULED and not (pod.get("spec") or {}).get("nodeName"):
            pod.setdefault("spec", {})["nodeName"] = podstatus.NODE_NAME
            pod = self._replace(PODS, pod)
        message = self._pod_message(pod, desired, None)
        self._write_pod_status(pod, desired, message)
        self._report_pod(pod, desired, message)

    # -- pods ------------------------------------------------------------------------------

    def _create_pod(self, owner_resource: ResourceType, owner: Obj, name: str, template: Obj,
                    labels: dict[str, str], volumes: list[Obj], failure: Failure | None,
                    workload: Obj, *, completes: bool, hostname: str | None = None,
                    subdomain: str | None = None) -> Obj:
        meta = template.get("metadata") or {}
        spec = copy.deepcopy(template.get("spec") or {})
        claimed = {v["name"] for v in volumes}
        spec["volumes"] = [v for v in spec.get("volumes") or [] if v.get("name") not in claimed]
        spec["volumes"] += volumes
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("schedulerName", "default-scheduler")
        spec.setdefault("serviceAccountName", "default")
        spec.setdefault("terminationGracePeriodSeconds", 30)
        spec.setdefault("dnsPolicy", "ClusterFirst")
        if hostname:
            spec["hostname"] = hostname
        if subdomain:
            spec["subdomain"] = subdomain
        body: Obj = {"metadata": {"name": name, "namespace": namespace_of(owner),
                                  "labels": {**(meta.get("labels") or {}), **labels},
                                  "annotations": dict(meta.get("annotations") or {}),
                                  "ownerReferences": [owner_reference(owner_resource, owner)]},
                     "spec": spec}
        if self._desired_state(body, failure, workload, completes) not in UNSCHEDULED:
            spec["nodeName"] = podstatus.NODE_NAME
        return self.registry.create(PODS, namespace_of(owner), body, manager=MANAGER)

    def _run_pod(self, pod: Obj, failure: Failure | None, workload: Obj, *,
                 completes: bool) -> str:
        """Move a workload's pod towards the state the test wants; returns the state it is in.
        A pod leaving a failure (or changing between scheduled and unscheduled) is deleted, and
        its controller creates a fresh one on the next tick, as a rollout would."""
        current = podstatus.observed_state(pod)
        desired = self._desired_state(pod, failure, workload, completes)
        if current is not None and (current == desired or current in _TERMINAL
                                    or desired == CREATING):
            return current  # "hold" stops progress, it does not undo it
        in_place = (current is None or (current == CREATING and desired not in UNSCHEDULED)
                    or (current == RUNNING and desired in podstatus.WAITING_REASONS))
        if not in_place:
            self._delete(PODS, pod)
            return "Replaced"
        message = self._pod_message(pod, desired, failure)
        self._write_pod_status(pod, desired, message)
        self._report_pod(pod, desired, message)
        return desired

    def _desired_state(self, pod: Obj, failure: Failure | None, workload: Obj,
                       completes: bool) -> str:
        if failure and failure.reason in POD_REASONS:
            return failure.reason
        claims = self._claims(pod)
        if any(stored is None or key in self._held for key, stored in claims):
            return PVC_PENDING
        if self.mode == "hold" or not self._due(workload):
            return CREATING
        if any((stored or {}).get("status", {}).get("phase") != "Bound" for _, stored in claims):
            return CREATING
        return SUCCEEDED if completes else RUNNING

    def _pod_message(self, pod: Obj, state: str, failure: Failure | None) -> str:
        if failure and failure.reason == state and state in POD_REASONS and failure.message:
            return failure.message
        missing = [key[1] for key, stored in self._claims(pod) if stored is None]
        if state == PVC_PENDING and missing:
            return podstatus.missing_claim_message(missing[0])
        return podstatus.default_message(state, pod)

    def _write_pod_status(self, pod: Obj, state: str, message: str) -> None:
        self._write_status(PODS, pod, podstatus.status_for(pod, state, message))

    def _report_pod(self, pod: Obj, state: str, message: str) -> None:
        containers = (pod.get("spec") or {}).get("containers") or [{}]
        image, container = containers[0].get("image", ""), containers[0].get("name", "")
        meta = pod["metadata"]
        report = {
            "ErrImagePull": ("Failed", f'Failed to pull image "{image}": {message}', "kubelet"),
            "ImagePullBackOff": ("BackOff", message, "kubelet"),
            "CrashLoopBackOff": ("BackOff", f"Back-off restarting failed container {container} "
                                 f"in pod {meta['name']}_{meta.get('namespace')}({meta['uid']})",
                                 "kubelet"),
            "Unschedulable": ("FailedScheduling", message, "default-scheduler"),
            PVC_PENDING: ("FailedScheduling", message, "default-scheduler"),
        }.get(state)
        if report:
            self._event(PODS, pod, *report)

    def _scale(self, pods: list[Obj], replicas: int, create: Callable[[], Obj]) -> list[Obj]:
        live = [p for p in pods if podstatus.observed_state(p) != podstatus.FAILED]
        for extra in live[replicas:]:
            self._delete(PODS, extra)
        live = live[:replicas]
        while len(live) < replicas:
            live.append(create())
        return live

    # -- claims ----------------------------------------------------------------------------

    def _held_claims(self) -> dict[tuple[str, str], str]:
        """PVCs a PVCPending failure keeps unbound -> the ProvisioningFailed message."""
        held: dict[tuple[str, str], str] = {}
        store = self.registry.store
        for failure in self.failures:
            if failure.reason != "PVCPending":
                continue
            resource = {"Deployment": DEPLOYMENTS, "StatefulSet": STATEFULSETS,
                        "Job": JOBS}[failure.kind]
            for workload in store.items(resource):
                if not failure.applies_to(failure.kind, name_of(workload)):
                    continue
                spec = workload.get("spec") or {}
                claims = [claim for i in range(spec.get("replicas", 1))
                          for _, claim in self._claims_of_statefulset(workload, i)]
                claims += _claim_names((spec.get("template") or {}).get("spec") or {})
                for claim in claims:
                    held[(namespace_of(workload), claim)] = failure.message or ""
        return held

    def _bind_claims(self, terminating: set[str]) -> None:
        for claim in self.registry.store.items(PVCS):
            if namespace_of(claim) not in terminating:
                _tolerating_races(self._provision, claim)

    def _provision(self, claim: Obj) -> None:
        """Bind the claim, or report why it stays Pending."""
        key = (namespace_of(claim), name_of(claim))
        if (claim.get("status") or {}).get("phase") == "Bound":
            return
        if key in self._held:
            storage_class = (claim.get("spec") or {}).get("storageClassName", "")
            self._event(PVCS, claim, "ProvisioningFailed", self._held[key] or (
                f'failed to provision volume with StorageClass "{storage_class}": rpc error: '
                "code = ResourceExhausted desc = insufficient capacity"),
                "persistentvolume-controller")
        elif self.mode == "ready" and self._due(claim):
            self._bind(claim)

    def _bind(self, claim: Obj) -> None:
        spec = claim.setdefault("spec", {})
        spec["volumeName"] = f"pvc-{claim['metadata']['uid']}"
        claim["metadata"].setdefault("annotations", {}).update({
            "pv.kubernetes.io/bind-completed": "yes",
            "pv.kubernetes.io/bound-by-controller": "yes"})
        claim = self._replace(PVCS, claim)
        requested = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        self._write_status(PVCS, claim, {"phase": "Bound",
                                         "accessModes": spec.get("accessModes", []),
                                         "capacity": {"storage": requested}})

    def _claims(self, pod: Obj) -> list[tuple[tuple[str, str], Obj | None]]:
        namespace = namespace_of(pod)
        return [((namespace, claim), self.registry.store.get(PVCS, namespace, claim))
                for claim in _claim_names(pod.get("spec") or {})]

    # -- helpers ---------------------------------------------------------------------------

    def _failure_for(self, kind: str, name: str) -> Failure | None:
        return next((f for f in self.failures if f.applies_to(kind, name)), None)

    def _quota_message(self, failure: Failure | None, namespace: str, pod_name: str) -> str:
        if not failure or failure.reason != "QuotaExceeded":
            return ""
        if failure.message:
            return failure.message
        quotas = self.registry.store.items(RESOURCEQUOTAS, namespace)
        quota = name_of(quotas[0]) if quotas else "compute-resources"
        return (f'pods "{pod_name}" is forbidden: exceeded quota: {quota}, requested: '
                "limits.memory=512Mi, used: limits.memory=1Gi, limited: limits.memory=1Gi")

    def _due(self, obj: Obj) -> bool:
        first = self._first_seen.setdefault(obj["metadata"]["uid"], time.monotonic())
        return time.monotonic() - first >= self.ready_after

    def _owned(self, resource: ResourceType, owner: Obj) -> list[Obj]:
        uid = owner["metadata"]["uid"]
        return [o for o in self.registry.store.items(resource, namespace_of(owner))
                if any(r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or [])]

    def _event(self, resource: ResourceType, obj: Obj, reason: str, message: str,
               component: str) -> None:
        meta = obj["metadata"]
        key = (meta["uid"], reason, message)
        if key in self._reported:
            return
        self._reported.add(key)
        stamp = now()
        self.registry.create(EVENTS, meta["namespace"], {
            "metadata": {"name": f"{meta['name']}.{secrets.token_hex(8)}"},
            "involvedObject": {"kind": resource.kind, "namespace": meta["namespace"],
                               "name": meta["name"], "uid": meta["uid"],
                               "apiVersion": resource.api_version,
                               "resourceVersion": meta.get("resourceVersion", "")},
            "reason": reason, "message": message, "type": "Warning", "count": 1,
            "source": {"component": component}, "firstTimestamp": stamp, "lastTimestamp": stamp,
            "eventTime": None, "reportingComponent": component, "reportingInstance": ""},
            manager=MANAGER)

    def _write_status(self, resource: ResourceType, obj: Obj, status: Obj) -> None:
        keep = _ZERO_VALUED.get(resource.kind, ())
        status = {k: v for k, v in status.items() if v not in (0, None) or k in keep}
        self.registry.replace(resource, namespace_of(obj), name_of(obj), {**obj, "status": status},
                              manager=MANAGER, subresource="status")

    def _replace(self, resource: ResourceType, obj: Obj) -> Obj:
        return self.registry.replace(resource, namespace_of(obj), name_of(obj), obj,
                                     manager=MANAGER)

    def _delete(self, resource: ResourceType, obj: Obj) -> None:
        self.registry.delete(resource, namespace_of(obj), name_of(obj),
                             {"propagationPolicy": "Background"})


def _condition(obj: Obj, kind: str, status: str, reason: str, message: str, *,
               updated: bool = False) -> Obj:
    """A workload condition that keeps its timestamps while it does not change."""
    previous: Obj = next((c for c in (obj.get("status") or {}).get("conditions") or []
                          if c.get("type") == kind), {})
    stamp = now()
    condition: Obj = {"type": kind, "status": status, "reason": reason, "message": message,
                      "lastTransitionTime": previous.get("lastTransitionTime", stamp)
                      if previous.get("status") == status else stamp}
    if updated:
        same = all(previous.get(k) == condition[k] for k in ("status", "reason", "message"))
        condition["lastUpdateTime"] = previous.get("lastUpdateTime", stamp) if same else stamp
    else:
        condition["lastProbeTime"] = previous.get("lastProbeTime", stamp)
    return condition


def _claim_names(pod_spec: Obj) -> list[str]:
    return [v["persistentVolumeClaim"]["claimName"] for v in pod_spec.get("volumes") or []
            if (v.get("persistentVolumeClaim") or {}).get("claimName")]


def _tolerating_races(step: Callable[[Obj], None], obj: Obj) -> None:
    """An object deleted or changed under us, or a namespace starting to terminate, is simply
    picked up (or dropped) on the next tick, like a controller's requeue."""
    try:
        step(obj)
    except errors.ApiError as error:
        if error.code not in (403, 404, 409):
            raise
