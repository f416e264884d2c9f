"""What backup tests share: the platform's backup settings and credentials Secret, result lines
as the chart's scripts write them, and Jobs finishing on the stand-in's kubelet."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from kubernetes import client as k8s

from kube_standin import KubeStandin
from tests.orchestrator.lifecycle_support import core_api

PLATFORM_NAMESPACE = "woo-platform"
CREDENTIALS_SECRET = "woo-platform-backup-credentials"
# Recognisable values, so tests can look for them where they must never be.
CREDENTIALS = {
    "restic-password": "restic-pw-7f3a9d2c1b0e4f5a",
    "aws-access-key-id": "AKIAEXAMPLE7F3A9D2C",
    "aws-secret-access-key": "aws-secret-4b1e0c9d8f7a6e5d3c2b1a0f",
}
SETTINGS: dict[str, Any] = {
    "backup_endpoint": "https://s3.backups.example.test",
    "backup_bucket": "woo-backups",
    "backup_prefix": "stores",
    "platform_namespace": PLATFORM_NAMESPACE,
    "backup_credentials_secret": CREDENTIALS_SECRET,
}


def install_credentials(kube_standin: KubeStandin, kubeconfig: Path | None = None) -> None:
    """The Secret an operator creates in the platform namespace."""
    core = core_api(kubeconfig or kube_standin.kubeconfig)
    core.create_namespace(k8s.V1Namespace(metadata=k8s.V1ObjectMeta(name=PLATFORM_NAMESPACE)))
    core.create_namespaced_secret(
        PLATFORM_NAMESPACE,
        k8s.V1Secret(
            metadata=k8s.V1ObjectMeta(name=CREDENTIALS_SECRET), string_data=dict(CREDENTIALS)
        ),
    )


def snapshot_of(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


def backup_line(snapshot: str, size: int, store_id: str = "any", kind: str = "manual") -> str:
    result = {
        "status": "succeeded",
        "snapshot_id": snapshot,
        "short_id": snapshot[:8],
        "store_id": store_id,
        "kind": kind,
        "time": "2026-11-30T12:00:00Z",
        "total_bytes": size,
        "added_bytes": size // 2,
        "files": 12,
        "retention": "applied",
    }
    return "woo-platform-backup-result " + json.dumps(result, separators=(",", ":"))


def failure_line(task: str, code: int, reason: str) -> str:
    result = {"status": "failed", "exit_code": code, "reason": reason}
    return f"woo-platform-{task}-result " + json.dumps(result, separators=(",", ":"))


def restore_line(snapshot: str) -> str:
    result = {"status": "succeeded", "snapshot_id": snapshot, "store_id": "any",
              "time": "2026-11-30T12:00:00Z", "database": "wordpress"}  # fmt: skip
    return "woo-platform-restore-result " + json.dumps(result, separators=(",", ":"))


def backups_succeed(kube_standin: KubeStandin, snapshot: str, size: int) -> None:
    """Every backup Job from now on (manual, safety, scheduled) ends with this snapshot."""
    kube_standin.kubelet.finish_jobs(
        0, backup_line(snapshot, size), container="backup", name_contains="backup-"
    )


def restores_succeed(kube_standin: KubeStandin, snapshot: str) -> None:
    kube_standin.kubelet.finish_jobs(
        0, restore_line(snapshot), container="restore", name_contains="restore-"
    )


def container_env(job: dict[str, Any], container: str) -> dict[str, str]:
    spec = job["spec"]["template"]["spec"]
    found = next(c for c in spec["containers"] if c["name"] == container)
    return {e["name"]: e.get("value", "") for e in found.get("env") or [] if "value" in e}
