"""Backup and restore Jobs of a store, as the store chart defines them.

The chart renders two CronJobs per store (helm/woocommerce, `backup.enabled`): `<F>-backup`,
which takes the scheduled backups, and `<F>-restore`, a suspended template that never runs on
its own. An on-demand backup or a restore is a Job copied from one of their `jobTemplate`s, with
the environment of the container named after the task changed (BACKUP_KIND; SNAPSHOT_ID and,
for a clone, SOURCE_REPOSITORY and the source store's STORE_ID). The container leaves one line,
`woo-platform-<task>-result {json}`, as its termination message: the outcome is read from the
pod's status, never from its log.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from orchestrator.kube.client import Json, KubeClient

TASK_LABEL = "woo-platform/task"
BACKUP_ID_LABEL = "woo-platform/backup-id"
BACKUP_KIND_LABEL = "woo-platform/backup-kind"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
BACKUP = "backup"
RESTORE = "restore"
_RESULT = re.compile(r"woo-platform-(backup|restore)-result (\{.*\})\s*$", re.DOTALL)
# The Kubernetes uid namespace for ids of scheduled backups (uuid5 of the Job's uid).
_SCHEDULED_IDS = uuid.UUID("8b5f0f0e-3c1a-4a57-9d0c-6f6d0c2b7a11")


class JobTemplateMissing(Exception):
    """The store has no backup/restore CronJob (its release predates backups, or backups are
    off for it)."""


class Phase(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class JobOutcome:
    phase: Phase
    # Why it failed (the result line's reason, else the Job's condition).
    reason: str | None = None
    # The result line's JSON, when the container left one.
    result: dict[str, Any] | None = None


def cronjob_name(release_name: str, task: str) -> str:
    """`<F>-backup` / `<F>-restore`, F being the chart's fullname helper (the release name)."""
    return f"{release_name[:40].rstrip('-')}-{task}"


def job_name(task: str, backup_or_attempt_id: str) -> str:
    """`backup-<8 hex>` / `restore-<8 hex>` from an id, so that creating it twice is one Job."""
    return f"{task}-{backup_or_attempt_id.replace('-', '')[:8]}"


def scheduled_backup_id(job_uid: str) -> str:
    """The id of a backup taken by the CronJob (its Job carries no id of ours)."""
    return str(uuid.uuid5(_SCHEDULED_IDS, job_uid))


def job_from_template(
    cronjob: Json,
    *,
    name: str,
    task: str,
    labels: dict[str, str],
    env: dict[str, str],
) -> Json:
    """A Job from the CronJob's jobTemplate, with ``labels`` on the Job and its pods and ``env``
    set on the container named ``task``."""
    template = copy.deepcopy((cronjob.get("spec") or {}).get("jobTemplate") or {})
    meta = template.get("metadata") or {}
    spec = template.get("spec") or {}
    pod_template = spec.get("template") or {}
    containers = (pod_template.get("spec") or {}).get("containers") or []
    container = next((c for c in containers if c.get("name") == task), None)
    cronjob_meta = cronjob.get("metadata") or {}
    if container is None:
        raise JobTemplateMissing(
            f"CronJob {cronjob_meta.get('name')} has no container named {task!r}"
        )
    entries = [e for e in container.get("env") or [] if e.get("name") not in env]
    entries += [{"name": key, "value": value} for key, value in env.items()]
    container["env"] = entries
    all_labels = {**(meta.get("labels") or {}), TASK_LABEL: task, **labels}
    pod_meta = pod_template.setdefault("metadata", {})
    pod_meta["labels"] = {**(pod_meta.get("labels") or {}), TASK_LABEL: task, **labels}
    body: Json = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": cronjob_meta.get("namespace"),
            "labels": all_labels,
            "annotations": dict(meta.get("annotations") or {}),
        },
        "spec": spec,
    }
    return body


def phase_of(job: Json) -> tuple[Phase, str | None]:
    """Whether the Job is still running, completed, or failed (with its condition's words)."""
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("status") != "True":
            continue
        if condition.get("type") == "Complete":
            return Phase.SUCCEEDED, None
        if condition.get("type") == "Failed":
            reason = condition.get("reason") or "Failed"
            message = condition.get("message")
            return Phase.FAILED, f"{reason}: {message}" if message else str(reason)
    return Phase.RUNNING, None


def parse_result(message: str | None) -> dict[str, Any] | None:
    """The JSON of a `woo-platform-<task>-result {...}` line, or None."""
    if not message:
        return None
    match = _RESULT.search(message.strip())
    if match is None:
        return None
    try:
        document = json.loads(match.group(2))
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def result_of(pods: list[Json], container: str) -> dict[str, Any] | None:
    """The result line the newest pod's ``container`` left, if any pod left one."""
    newest = sorted(
        pods, key=lambda pod: (pod.get("metadata") or {}).get("creationTimestamp") or ""
    )
    for pod in reversed(newest):
        for status in (pod.get("status") or {}).get("containerStatuses") or []:
            if status.get("name") != container:
                continue
            terminated = (status.get("state") or {}).get("terminated") or {}
            result = parse_result(terminated.get("message"))
            if result is not None:
                return result
    return None


def outcome(job: Json, pods: list[Json], task: str) -> JobOutcome:
    phase, reason = phase_of(job)
    if phase == Phase.RUNNING:
        return JobOutcome(phase)
    result = result_of(pods, task)
    if phase == Phase.SUCCEEDED:
        if result is None or result.get("status") != "succeeded":
            # Exit 0 without the line the script always writes last: not a backup we can use.
            return JobOutcome(Phase.FAILED, f"the {task} Job completed without a result", result)
        return JobOutcome(phase, None, result)
    if result is not None and result.get("reason"):
        code = result.get("exit_code")
        prefix = f"exit {code}: " if code is not None else ""
        return JobOutcome(phase, f"{prefix}{result['reason']}"[:500], result)
    return JobOutcome(phase, (reason or f"the {task} Job failed")[:500], result)


class StoreJobs:
    """Creates and reads a store's backup and restore Jobs."""

    def __init__(self, kube: KubeClient, release_name: str) -> None:
        self.kube = kube
        self.release_name = release_name

    async def start(
        self,
        namespace: str,
        task: str,
        name: str,
        labels: dict[str, str],
        env: dict[str, str],
    ) -> bool:
        """Create the Job from the store's CronJob template; False when it already exists."""
        body = await self.build(namespace, task, name, labels, env)
        return await self.kube.create_job(namespace, body)

    async def build(
        self,
        namespace: str,
        task: str,
        name: str,
        labels: dict[str, str],
        env: dict[str, str],
    ) -> Json:
        """The Job, from the store's CronJob template as it is now."""
        cronjob = await self.kube.get_cronjob(namespace, cronjob_name(self.release_name, task))
        if cronjob is None:
            raise JobTemplateMissing(
                f"the store has no {task} CronJob "
                f"({cronjob_name(self.release_name, task)}); its release has backups off"
            )
        return job_from_template(cronjob, name=name, task=task, labels=labels, env=env)

    async def outcome(self, namespace: str, name: str, task: str) -> JobOutcome | None:
        """The Job's outcome (None: there is no such Job). A finished Job's pods are read once,
        for the result line."""
        job = await self.kube.get_job(namespace, name)
        if job is None:
            return None
        return await self.outcome_of(namespace, job, task)

    async def outcome_of(self, namespace: str, job: Json, task: str) -> JobOutcome:
        phase, _ = phase_of(job)
        if phase == Phase.RUNNING:
            return JobOutcome(phase)
        name = (job.get("metadata") or {}).get("name", "")
        pods = await self.kube.pods(namespace, f"{JOB_NAME_LABEL}={name}")
        return outcome(job, pods, task)


def keep_task_job(job: Json) -> Json:
    """What the watch cache keeps of a backup or restore Job: enough to tell its phase and to
    name its backup."""
    meta = job.get("metadata") or {}
    labels = meta.get("labels") or {}
    status = job.get("status") or {}
    return {
        "metadata": {
            "name": meta.get("name"),
            "uid": meta.get("uid"),
            "creationTimestamp": meta.get("creationTimestamp"),
            "labels": {
                key: labels[key]
                for key in (TASK_LABEL, BACKUP_ID_LABEL, BACKUP_KIND_LABEL)
                if key in labels
            },
        },
        "status": {
            "startTime": status.get("startTime"),
            "conditions": [
                {key: c.get(key) for key in ("type", "status", "reason", "message")}
                for c in status.get("conditions") or []
                if c.get("type") in ("Complete", "Failed")
            ],
        },
    }
