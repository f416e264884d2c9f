"""Pod states the fake kubelet puts pods in, and the status a kubelet/scheduler would report for
each: phase, conditions, container statuses with waiting/terminated reasons. The state is read
back from the stored status, so the kubelet keeps no memory of its own.
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from kube_standin import errors
from kube_standin.meta import now

Obj = dict[str, Any]

NODE_NAME = "standin-node"
HOST_IP = "172.18.0.2"

CREATING = "ContainerCreating"
RUNNING = "Running"
SUCCEEDED = "Succeeded"
FAILED = "Failed"
PVC_PENDING = "PVCPending"
UNSCHEDULABLE = "Unschedulable"
WAITING_REASONS = ("ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff")
UNSCHEDULED = (UNSCHEDULABLE, PVC_PENDING)

_UNBOUND_CLAIMS = (
    "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. "
    "preemption: 0/1 nodes are available: 1 Preemption is not helpful for "
    "scheduling."
)
_pod_ips = itertools.count(10)


def observed_state(pod: Obj) -> str | None:
    """The state a stored pod is in, or None for a pod nobody has reported on yet."""
    status = pod.get("status") or {}
    phase = status.get("phase")
    if phase in (SUCCEEDED, FAILED):
        return str(phase)
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("status") == "False":
            message = condition.get("message", "").lower()
            return PVC_PENDING if "persistentvolumeclaim" in message else UNSCHEDULABLE
    for container in status.get("containerStatuses") or []:
        waiting = (container.get("state") or {}).get("waiting")
        if waiting:
            return str(waiting.get("reason"))
    return RUNNING if phase == RUNNING else None


def missing_claim_message(claim: str) -> str:
    return (
        f'0/1 nodes are available: persistentvolumeclaim "{claim}" not found. preemption: '
        "0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    )


def default_message(state: str, pod: Obj) -> str:
    meta = pod["metadata"]
    image = _containers(pod)[0].get("image", "") if _containers(pod) else ""
    container = _containers(pod)[0].get("name", "") if _containers(pod) else ""
    return {
        "ErrImagePull": f"rpc error: code = NotFound desc = failed to pull and unpack image "
        f'"{image}": failed to resolve reference "{image}": not found',
        "ImagePullBackOff": f'Back-off pulling image "{image}"',
        "CrashLoopBackOff": f"back-off 10s restarting failed container={container} "
        f"pod={meta['name']}_{meta.get('namespace', '')}({meta['uid']})",
        UNSCHEDULABLE: "0/1 nodes are available: 1 Insufficient memory. preemption: 0/1 nodes "
        "are available: 1 No preemption victims found for incoming pod.",
        PVC_PENDING: _UNBOUND_CLAIMS,
    }.get(state, "")


def status_for(pod: Obj, state: str, message: str) -> Obj:
    """The full pod status for `state`, keeping timestamps from the stored status."""
    old = pod.get("status") or {}
    started = old.get("startTime") or now()
    status: Obj = {"qosClass": old.get("qosClass", "BestEffort")}
    if state in UNSCHEDULED:
        status.update(
            phase="Pending",
            conditions=[_condition(old, "PodScheduled", "False", UNSCHEDULABLE, message)],
        )
        return status
    ip = old.get("podIP") or f"10.244.0.{next(_pod_ips) % 250 + 2}"
    status.update(
        hostIP=HOST_IP, hostIPs=[{"ip": HOST_IP}], podIP=ip, podIPs=[{"ip": ip}], startTime=started
    )
    names = [c.get("name", "") for c in _containers(pod)]
    ready = state == RUNNING
    sandbox = state != CREATING
    not_ready = (
        "ContainersNotReady" if state not in (SUCCEEDED, FAILED) else "PodCompleted",
        f"containers with unready status: [{' '.join(names)}]",
    )
    status["phase"] = {
        CREATING: "Pending",
        RUNNING: RUNNING,
        SUCCEEDED: SUCCEEDED,
        FAILED: FAILED,
        "ErrImagePull": "Pending",
        "ImagePullBackOff": "Pending",
    }.get(state, RUNNING)
    status["conditions"] = [
        _condition(
            old, "PodReadyToStartContainers", str(sandbox and state not in (SUCCEEDED, FAILED))
        ),
        _condition(old, "Initialized", "True"),
        _condition(old, "Ready", str(ready), *(() if ready else not_ready)),
        _condition(old, "ContainersReady", str(ready), *(() if ready else not_ready)),
        _condition(old, "PodScheduled", "True"),
    ]
    status["containerStatuses"] = [
        _container_status(pod["metadata"]["uid"], c, state, message, started)
        for c in _containers(pod)
    ]
    return status


def log_of(pod: Obj, container: str | None, *, previous: bool = False) -> tuple[str, str]:
    """What `pods/<name>/log` answers (and for which container): a line per start of the
    container, or the apiserver's 400 when there is nothing to read yet. ``previous``: the
    instance before the last restart, which exists only once the container has terminated."""
    meta = pod["metadata"]
    names = [c.get("name", "") for c in _containers(pod)]
    if container is None:
        if len(names) != 1:
            raise errors.bad_request(
                f"a container name must be specified for pod "
                f"{meta['name']}, choose one of: [{' '.join(names)}]"
            )
        container = names[0]
    if container not in names:
        raise errors.bad_request(f"container {container} is not valid for pod {meta['name']}")
    status: Obj = next(
        (
            c
            for c in (pod.get("status") or {}).get("containerStatuses") or []
            if c.get("name") == container
        ),
        {},
    )
    state = status.get("state") or {}
    if previous:
        last = (status.get("lastState") or {}).get("terminated")
        if not last:
            raise errors.bad_request(
                f'previous terminated container "{container}" in pod "{meta["name"]}" not found'
            )
        ended_line = f"exited with code {last.get('exitCode')} ({last.get('reason')})"
        return f"{container}: the previous instance {ended_line}\n", container
    waiting = state.get("waiting")
    if not status or (waiting and status.get("restartCount", 0) == 0):
        reason = (waiting or {}).get("reason", "ContainerCreating")
        raise errors.bad_request(
            f'container "{container}" in pod "{meta["name"]}" is waiting to start: {reason}'
        )
    lines = [f"{container}: started by the kube stand-in (no process runs here)"]
    ended = state.get("terminated") or (status.get("lastState") or {}).get("terminated")
    if ended:
        lines.append(
            f"{container}: exited with code {ended.get('exitCode')} ({ended.get('reason')})"
        )
    return "\n".join(lines) + "\n", container


def _container_status(pod_uid: str, container: Obj, state: str, message: str, started: str) -> Obj:
    image = container.get("image", "")
    status: Obj = {
        "name": container.get("name", ""),
        "image": image,
        "imageID": f"{image}@sha256:{'0' * 64}" if state != CREATING else "",
        "ready": state == RUNNING,
        "started": state == RUNNING,
        "restartCount": 0,
        "lastState": {},
    }
    if state in (RUNNING, SUCCEEDED, FAILED, "CrashLoopBackOff"):
        digest = hashlib.sha256(f"{pod_uid}/{status['name']}".encode()).hexdigest()
        status["containerID"] = f"containerd://{digest}"
    if state == RUNNING:
        status["state"] = {"running": {"startedAt": started}}
    elif state == SUCCEEDED:
        status["state"] = {
            "terminated": {
                "exitCode": 0,
                "reason": "Completed",
                "startedAt": started,
                "finishedAt": now(),
            }
        }
    elif state == FAILED:
        status["state"] = {
            "terminated": {
                "exitCode": 1,
                "reason": "Error",
                "startedAt": started,
                "finishedAt": now(),
            }
        }
    elif state == "CrashLoopBackOff":
        status["restartCount"] = 5
        status["state"] = {"waiting": {"reason": state, "message": message}}
        status["lastState"] = {
            "terminated": {
                "exitCode": 1,
                "reason": "Error",
                "startedAt": started,
                "finishedAt": now(),
            }
        }
    else:
        waiting: Obj = {"reason": state}
        if state != CREATING:
            waiting["message"] = message
        status["state"] = {"waiting": waiting}
    return status


def _condition(
    old_status: Obj, kind: str, status: str, reason: str | None = None, message: str | None = None
) -> Obj:
    previous: Obj = next(
        (c for c in old_status.get("conditions") or [] if c.get("type") == kind), {}
    )
    same = previous.get("status") == status
    condition: Obj = {
        "type": kind,
        "status": status,
        "lastProbeTime": None,
        "lastTransitionTime": previous.get("lastTransitionTime") if same else now(),
    }
    if reason:
        condition["reason"] = reason
    if message:
        condition["message"] = message
    return condition


def _containers(pod: Obj) -> list[Obj]:
    containers: list[Obj] = (pod.get("spec") or {}).get("containers") or []
    return containers
