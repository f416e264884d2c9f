"""The fake kubelet: the node side of the fake cluster (pods, volumes, their Events), driven by
what the test decides. The workload controllers it runs each tick live in workloads.py.

- mode "ready": PVCs bind, Deployments (through a ReplicaSet) and StatefulSets get Running+Ready
  pods and ready status, Jobs complete; bare Pods run (restartPolicy Always) or succeed.
- mode "hold": pods are created but stay ContainerCreating, PVCs stay Pending; nothing is ready.
- mode "off": no node and no controllers: objects stay exactly as written (a benchmark that seeds
  thousands of ready stores writes their status itself).
- `fail(kind, reason, ...)`: matching workloads (existing or future) show that failure the way a
  cluster does (pod waiting reasons, scheduling conditions, Warning Events, Job conditions)
  until `heal()`. A Job that already failed stays failed.

Level-based: every tick recomputes from the stored objects, nothing is remembered except which
events were already reported and when an object was first seen (for `ready_after`).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Literal

from kube_standin import errors, podstatus, workloads
from kube_standin.failures import POD_REASONS, Failure, Failures, JobResult
from kube_standin.meta import clone, name_of, namespace_of, now, owner_reference
from kube_standin.podstatus import CREATING, PVC_PENDING, RUNNING, SUCCEEDED, UNSCHEDULED
from kube_standin.registry import Registry
from kube_standin.resources import (
    DEPLOYMENTS,
    EVENTS,
    JOBS,
    PODS,
    PVCS,
    RESOURCEQUOTAS,
    STATEFULSETS,
    ResourceType,
)
from kube_standin.store import Obj

Mode = Literal["ready", "hold", "off"]

MANAGER = workloads.MANAGER
_TERMINAL = (podstatus.SUCCEEDED, podstatus.FAILED)
# Status counters the API serializes even when zero (no omitempty); the rest are left out.
_ZERO_VALUED = {
    "Job": ("ready", "terminating"),
    "ReplicaSet": ("replicas",),
    "StatefulSet": ("replicas", "availableReplicas", "collisionCount"),
}


class Kubelet:
    def __init__(self, registry: Registry, mode: Mode = "ready", ready_after: float = 0.0) -> None:
        self.registry = registry
        self.mode: Mode = mode
        self.ready_after = ready_after
        self.failures = Failures()
        self._first_seen: dict[str, float] = {}
        self._reported: set[tuple[str, str, str]] = set()
        self._held: dict[tuple[str, str], str] = {}
        self._seen_state: tuple[object, ...] = ()
        self._waiting_on_time = False

    def fail(
        self,
        kind: str,
        reason: str,
        message: str | None = None,
        name_contains: str | None = None,
        namespace_prefix: str | None = None,
        image_contains: str | None = None,
    ) -> None:
        """Make matching workloads of `kind` (Deployment, StatefulSet, Job) fail with `reason`
        until heal(); `message` replaces the realistic default text. Without `name_contains`,
        `namespace_prefix` or `image_contains` (a substring of an image of the pod template, so
        a workload fails while it runs that image and recovers when it is rolled back), every
        workload of that kind fails."""
        self.failures.add(kind, reason, message, name_contains, namespace_prefix, image_contains)

    def finish_jobs(
        self,
        exit_code: int,
        message: str = "",
        *,
        container: str | None = None,
        name_contains: str | None = None,
        namespace_prefix: str | None = None,
    ) -> None:
        """The pods of matching Jobs (existing or future, not yet finished) end with
        ``exit_code`` and ``message`` as the termination message of ``container`` (default:
        the first container), until heal(). Exit 0 completes the Job; another code fails the
        pod, and the Job fails at once when its podFailurePolicy has a FailJob rule for that
        code (reason PodFailurePolicy), else after backoffLimit + 1 pods
        (BackoffLimitExceeded)."""
        self.failures.add_result(
            JobResult(exit_code, message, container, name_contains, namespace_prefix)
        )

    def heal(self) -> None:
        self.failures.clear()

    def tick(self) -> None:
        """Reconcile everything, unless nothing it depends on changed since the last pass: no
        write to the store, no failure armed or healed, no mode change, no timer pending."""
        if self.mode == "off":
            return
        store = self.registry.store
        state = (store.resource_version, self.failures.version, self.mode, self.ready_after)
        if state == self._seen_state and not self._waiting_on_time:
            return
        self._seen_state, self._waiting_on_time = state, False
        terminating = set(self.registry.terminating_namespaces())
        self._held = self._held_claims()
        steps: list[tuple[ResourceType, Callable[[Obj], None]]] = [
            (PVCS, self.provision),
            (DEPLOYMENTS, lambda obj: workloads.reconcile_deployment(self, obj)),
            (STATEFULSETS, lambda obj: workloads.reconcile_statefulset(self, obj)),
            (JOBS, lambda obj: workloads.reconcile_job(self, obj)),
            (PODS, self._bare_pod),
        ]
        for resource, step in steps:
            for obj in store.items(
                resource,
                where=lambda o: namespace_of(o) not in terminating and not _controller_owned(o),
            ):
                _tolerating_races(step, obj)

    def _bare_pod(self, pod: Obj) -> None:
        current = podstatus.observed_state(pod)
        completes = (pod.get("spec") or {}).get("restartPolicy", "Always") != "Always"
        desired = self._desired_state(pod, None, pod, completes)
        if current is not None and (
            current == desired or current in _TERMINAL or desired == CREATING
        ):
            return
        if desired not in UNSCHEDULED and not (pod.get("spec") or {}).get("nodeName"):
            pod.setdefault("spec", {})["nodeName"] = podstatus.NODE_NAME
            pod = self.replace(PODS, pod)
        message = self._pod_message(pod, desired, None)
        self.write_pod_status(pod, desired, message)
        self._report_pod(pod, desired, message)

    # -- pods ------------------------------------------------------------------------------

    def create_pod(
        self,
        owner_resource: ResourceType,
        owner: Obj,
        name: str,
        template: Obj,
        labels: dict[str, str],
        volumes: list[Obj],
        failure: Failure | None,
        workload: Obj,
        *,
        completes: bool,
        hostname: str | None = None,
        subdomain: str | None = None,
    ) -> Obj:
        meta = template.get("metadata") or {}
        spec = clone(template.get("spec") or {})
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
        body: Obj = {
            "metadata": {
                "name": name,
                "namespace": namespace_of(owner),
                "labels": {**(meta.get("labels") or {}), **labels},
                "annotations": dict(meta.get("annotations") or {}),
                "ownerReferences": [owner_reference(owner_resource, owner)],
            },
            "spec": spec,
        }
        if self._desired_state(body, failure, workload, completes) not in UNSCHEDULED:
            spec["nodeName"] = podstatus.NODE_NAME
        return self.registry.create(PODS, namespace_of(owner), body, manager=MANAGER)

    def run_pod(self, pod: Obj, failure: Failure | None, workload: Obj, *, completes: bool) -> str:
        """Move a workload's pod towards the state the test wants; returns the state it is in.
        A pod leaving a failure (or changing between scheduled and unscheduled) is deleted, and
        its controller creates a fresh one on the next tick, as a rollout would."""
        current = podstatus.observed_state(pod)
        desired = self._desired_state(pod, failure, workload, completes)
        if current is not None and (
            current == desired or current in _TERMINAL or desired == CREATING
        ):
            return current  # "hold" stops progress, it does not undo it
        in_place = (
            current is None
            or (current == CREATING and desired not in UNSCHEDULED)
            or (current == RUNNING and desired in podstatus.WAITING_REASONS)
        )
        if not in_place:
            self.delete(PODS, pod)
            return "Replaced"
        message = self._pod_message(pod, desired, failure)
        self.write_pod_status(pod, desired, message)
        self._report_pod(pod, desired, message)
        return desired

    def _desired_state(
        self, pod: Obj, failure: Failure | None, workload: Obj, completes: bool
    ) -> str:
        if failure and failure.reason in POD_REASONS:
            return failure.reason
        claims = self._claims(pod)
        if any(stored is None or key in self._held for key, stored in claims):
            return PVC_PENDING
        if self.mode == "hold" or not self.due(workload):
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

    def write_pod_status(self, pod: Obj, state: str, message: str) -> None:
        self.write_status(PODS, pod, podstatus.status_for(pod, state, message))

    def end_pod(self, pod: Obj, result: JobResult) -> None:
        """Terminate a Job's pod the way ``result`` says."""
        if not (pod.get("spec") or {}).get("nodeName"):
            pod.setdefault("spec", {})["nodeName"] = podstatus.NODE_NAME
            pod = self.replace(PODS, pod)
        status = podstatus.ended_status(pod, result.exit_code, result.message, result.container)
        self.write_status(PODS, pod, status)

    def _report_pod(self, pod: Obj, state: str, message: str) -> None:
        containers = (pod.get("spec") or {}).get("containers") or [{}]
        image, container = containers[0].get("image", ""), containers[0].get("name", "")
        meta = pod["metadata"]
        report = {
            "ErrImagePull": ("Failed", f'Failed to pull image "{image}": {message}', "kubelet"),
            "ImagePullBackOff": ("BackOff", message, "kubelet"),
            "CrashLoopBackOff": (
                "BackOff",
                f"Back-off restarting failed container {container} "
                f"in pod {meta['name']}_{meta.get('namespace')}({meta['uid']})",
                "kubelet",
            ),
            "Unschedulable": ("FailedScheduling", message, "default-scheduler"),
            PVC_PENDING: ("FailedScheduling", message, "default-scheduler"),
        }.get(state)
        if report:
            self.event(PODS, pod, *report)

    def scale(self, pods: list[Obj], replicas: int, create: Callable[[], Obj]) -> list[Obj]:
        live = [p for p in pods if podstatus.observed_state(p) != podstatus.FAILED]
        for extra in live[replicas:]:
            self.delete(PODS, extra)
        live = live[:replicas]
        while len(live) < replicas:
            live.append(create())
        return live

    # -- claims ----------------------------------------------------------------------------

    def _held_claims(self) -> dict[tuple[str, str], str]:
        """PVCs a PVCPending failure keeps unbound -> the ProvisioningFailed message."""
        held: dict[tuple[str, str], str] = {}
        store = self.registry.store
        for failure in self.failures.armed():
            if failure.reason != "PVCPending":
                continue
            resource = {"Deployment": DEPLOYMENTS, "StatefulSet": STATEFULSETS, "Job": JOBS}[
                failure.kind
            ]
            for workload in store.items(resource):
                images = workloads.template_images(workload)
                if not failure.applies_to(
                    failure.kind, name_of(workload), namespace_of(workload), images
                ):
                    continue
                spec = workload.get("spec") or {}
                claims = [
                    claim
                    for i in range(spec.get("replicas", 1))
                    for _, claim in workloads.statefulset_claims(workload, i)
                ]
                claims += _claim_names((spec.get("template") or {}).get("spec") or {})
                for claim in claims:
                    held[(namespace_of(workload), claim)] = failure.message or ""
        return held

    def provision(self, claim: Obj) -> None:
        """Bind the claim, or report why it stays Pending."""
        key = (namespace_of(claim), name_of(claim))
        if (claim.get("status") or {}).get("phase") == "Bound":
            return
        if key in self._held:
            storage_class = (claim.get("spec") or {}).get("storageClassName", "")
            self.event(
                PVCS,
                claim,
                "ProvisioningFailed",
                self._held[key]
                or (
                    f'failed to provision volume with StorageClass "{storage_class}": rpc error: '
                    "code = ResourceExhausted desc = insufficient capacity"
                ),
                "persistentvolume-controller",
            )
        elif self.mode == "ready" and self.due(claim):
            self._bind(claim)

    def _bind(self, claim: Obj) -> None:
        spec = claim.setdefault("spec", {})
        # A claim made for a named volume (pre-bound) is bound to that one.
        spec.setdefault("volumeName", f"pvc-{claim['metadata']['uid']}")
        claim["metadata"].setdefault("annotations", {}).update(
            {
                "pv.kubernetes.io/bind-completed": "yes",
                "pv.kubernetes.io/bound-by-controller": "yes",
            }
        )
        claim = self.replace(PVCS, claim)
        requested = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "1Gi")
        self.write_status(
            PVCS,
            claim,
            {
                "phase": "Bound",
                "accessModes": spec.get("accessModes", []),
                "capacity": {"storage": requested},
            },
        )

    def _claims(self, pod: Obj) -> list[tuple[tuple[str, str], Obj | None]]:
        namespace = namespace_of(pod)
        return [
            ((namespace, claim), self.registry.store.get(PVCS, namespace, claim))
            for claim in _claim_names(pod.get("spec") or {})
        ]

    # -- helpers ---------------------------------------------------------------------------

    def quota_message(self, failure: Failure | None, namespace: str, pod_name: str) -> str:
        if not failure or failure.reason != "QuotaExceeded":
            return ""
        if failure.message:
            return failure.message
        quotas = self.registry.store.items(RESOURCEQUOTAS, namespace)
        quota = name_of(quotas[0]) if quotas else "compute-resources"
        return (
            f'pods "{pod_name}" is forbidden: exceeded quota: {quota}, requested: '
            "limits.memory=512Mi, used: limits.memory=1Gi, limited: limits.memory=1Gi"
        )

    def due(self, obj: Obj) -> bool:
        first = self._first_seen.setdefault(obj["metadata"]["uid"], time.monotonic())
        due = time.monotonic() - first >= self.ready_after
        self._waiting_on_time |= not due
        return due

    def owned(self, resource: ResourceType, owner: Obj) -> list[Obj]:
        uid = owner["metadata"]["uid"]
        return self.registry.store.items(
            resource,
            namespace_of(owner),
            where=lambda o: any(
                r.get("uid") == uid for r in o["metadata"].get("ownerReferences") or []
            ),
        )

    def event(
        self, resource: ResourceType, obj: Obj, reason: str, message: str, component: str
    ) -> None:
        meta = obj["metadata"]
        key = (meta["uid"], reason, message)
        if key in self._reported:
            return
        self._reported.add(key)
        stamp = now()
        self.registry.create(
            EVENTS,
            meta["namespace"],
            {
                "metadata": {"name": f"{meta['name']}.{secrets.token_hex(8)}"},
                "involvedObject": {
                    "kind": resource.kind,
                    "namespace": meta["namespace"],
                    "name": meta["name"],
                    "uid": meta["uid"],
                    "apiVersion": resource.api_version,
                    "resourceVersion": meta.get("resourceVersion", ""),
                },
                "reason": reason,
                "message": message,
                "type": "Warning",
                "count": 1,
                "source": {"component": component},
                "firstTimestamp": stamp,
                "lastTimestamp": stamp,
                "eventTime": None,
                "reportingComponent": component,
                "reportingInstance": "",
            },
            manager=MANAGER,
        )

    def write_status(self, resource: ResourceType, obj: Obj, status: Obj) -> None:
        keep = _ZERO_VALUED.get(resource.kind, ())
        status = {k: v for k, v in status.items() if v not in (0, None) or k in keep}
        if obj.get("status") == status:
            return
        self.registry.replace(
            resource,
            namespace_of(obj),
            name_of(obj),
            {**obj, "status": status},
            manager=MANAGER,
            subresource="status",
        )

    def replace(self, resource: ResourceType, obj: Obj) -> Obj:
        return self.registry.replace(
            resource, namespace_of(obj), name_of(obj), obj, manager=MANAGER
        )

    def delete(self, resource: ResourceType, obj: Obj) -> None:
        self.registry.delete(
            resource, namespace_of(obj), name_of(obj), {"propagationPolicy": "Background"}
        )


def _claim_names(pod_spec: Obj) -> list[str]:
    return [
        v["persistentVolumeClaim"]["claimName"]
        for v in pod_spec.get("volumes") or []
        if (v.get("persistentVolumeClaim") or {}).get("claimName")
    ]


def _controller_owned(obj: Obj) -> bool:
    """Pods (and ReplicaSets) that a workload controller here runs; the rest are bare."""
    return any(
        ref.get("kind") in ("ReplicaSet", "StatefulSet", "Job") and ref.get("controller")
        for ref in obj["metadata"].get("ownerReferences") or []
    )


def _tolerating_races(step: Callable[[Obj], None], obj: Obj) -> None:
    """An object deleted or changed under us, or a namespace starting to terminate, is simply
    picked up (or dropped) on the next tick, like a controller's requeue."""
    try:
        step(obj)
    except errors.ApiError as error:
        if error.code not in (403, 404, 409):
            raise
