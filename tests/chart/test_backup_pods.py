"""The rendered backup and restore containers, run as their pods would run them: the command,
working directory and environment of the chart's CronJobs, the scripts from the rendered
ConfigMap, the Secret volumes' files at their mount paths (each mount path mapped to a directory
here), against the machine's MariaDB, an S3 API on loopback and Debian's restic. Only the database
host differs (no cluster DNS here). This proves that the chart wires the scripts' contract, and
that a Job the orchestrator copies from a template (with SNAPSHOT_ID set) restores the store."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.chart.conftest import Manifest, render
from tests.chart.test_backup_scripts import (
    AWS_SECRET,
    DB_PASSWORD,
    MARIADB_HOST,
    RESTIC_PASSWORD,
    Store,
    change_everything,
    s3_endpoint,
    store,
)

# The pytest fixtures of the scripts' tests, used here as well.
__all__ = ["s3_endpoint", "store"]

SECRET_VALUES = {
    ("store-db-credentials", "mariadb-password"): DB_PASSWORD,
    ("store-backup", "restic-password"): RESTIC_PASSWORD,
    ("store-backup", "aws-access-key-id"): "moto-access-key",
    ("store-backup", "aws-secret-access-key"): AWS_SECRET,
}


@dataclass
class Pod:
    """One container of a rendered Job template, with its mounts mapped to local directories."""

    command: list[str]
    cwd: Path
    env: dict[str, str]
    termination_log: Path


def pod_of(manifest: Manifest, task: str, store: Store, root: Path) -> Pod:
    template = manifest.one("CronJob", f"store-{task}")["spec"]["jobTemplate"]["spec"]["template"]
    spec = template["spec"]
    [container] = [c for c in spec["containers"] if c["name"] == task]
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    scripts = manifest.one("ConfigMap", "store-backup-scripts")["data"]
    mapped: dict[str, Path] = {}
    for mount in container["volumeMounts"]:
        volume = volumes[mount["name"]]
        if mount["mountPath"] == "/data":
            local = store.data_dir
        elif mount["mountPath"] == "/data/wp-content":
            assert "persistentVolumeClaim" in volume
            local = store.content
        else:
            local = root / mount["name"]
            local.mkdir()
        if "secret" in volume:
            name = volume["secret"]["secretName"]
            keys = [item["key"] for item in volume["secret"].get("items", [])] or [
                key for secret, key in SECRET_VALUES if secret == name
            ]
            for key in keys:
                (local / key).write_text(SECRET_VALUES[(name, key)])
        elif "configMap" in volume:
            for key, text in scripts.items():
                (local / key).write_text(text)
        elif mount["name"] == "restic-binary":
            # What the init container copies from the restic image: here, Debian's restic.
            (local / "restic").symlink_to("/usr/bin/restic")
        mapped[mount["mountPath"]] = local
    termination_log = root / "termination-log"
    mapped[container["terminationMessagePath"]] = termination_log

    def local_path(value: str) -> str:
        for path in sorted(mapped, key=len, reverse=True):
            if value == path or value.startswith(path + "/"):
                return str(mapped[path]) + value[len(path) :]
        return value

    env: dict[str, str] = {}
    for variable in container["env"]:
        if "valueFrom" in variable:
            ref = variable["valueFrom"]["secretKeyRef"]
            env[variable["name"]] = SECRET_VALUES[(ref["name"], ref["key"])]
        elif variable["name"] == "PATH":
            env["PATH"] = ":".join(local_path(part) for part in variable["value"].split(":"))
        else:
            env[variable["name"]] = local_path(variable["value"])
    assert env["DB_HOST"] == "store-mariadb"
    env["DB_HOST"] = MARIADB_HOST
    return Pod(
        command=[local_path(arg) for arg in container["command"]],
        cwd=mapped[container["workingDir"]],
        env=env,
        termination_log=termination_log,
    )


def run(pod: Pod, **orchestrator_env: str) -> dict[str, Any]:
    """Runs the container; returns its termination message's result, as the orchestrator reads
    it from the pod's status."""
    result = subprocess.run(
        pod.command,
        cwd=pod.cwd,
        env={**pod.env, **orchestrator_env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    output = result.stdout + result.stderr
    for secret in (DB_PASSWORD, RESTIC_PASSWORD, AWS_SECRET):
        assert secret not in output
    assert result.returncode == 0, output
    task, _, body = pod.termination_log.read_text().strip().partition(" ")
    assert task in ("woo-platform-backup-result", "woo-platform-restore-result"), task
    parsed: dict[str, Any] = json.loads(body)
    return parsed


def store_manifest(helm_bin: Path, store: Store) -> Manifest:
    return render(
        helm_bin,
        "local",
        "--set",
        f"backup.storeId={store.store_id}",
        "--set",
        f"backup.repository={store.repository}",
        "--set",
        f"mariadb.auth.database={store.database}",
        "--set",
        f"mariadb.auth.username={store.database}",
    )


def test_the_rendered_backup_and_restore_jobs_back_up_and_restore_the_store(
    helm_bin: Path, store: Store, tmp_path: Path
) -> None:
    manifest = store_manifest(helm_bin, store)
    database, files = store.database_state(), store.files_state()
    (tmp_path / "backup").mkdir()
    backup = run(pod_of(manifest, "backup", store, tmp_path / "backup"))
    assert (backup["status"], backup["kind"], backup["store_id"]) == (
        "succeeded",
        "scheduled",
        store.store_id,
    )

    change_everything(store)
    (tmp_path / "restore").mkdir()
    restore_pod = pod_of(manifest, "restore", store, tmp_path / "restore")
    # The orchestrator's restore Job: the template with the snapshot set.
    restored = run(restore_pod, SNAPSHOT_ID=backup["short_id"])

    assert (restored["status"], restored["snapshot_id"]) == ("succeeded", backup["snapshot_id"])
    assert store.database_state() == database
    assert store.files_state() == files


def test_a_manual_backup_from_the_template_is_tagged_manual(
    helm_bin: Path, store: Store, tmp_path: Path
) -> None:
    manifest = store_manifest(helm_bin, store)
    backup = run(pod_of(manifest, "backup", store, tmp_path), BACKUP_KIND="manual")
    assert backup["kind"] == "manual"
    [snapshot] = store.snapshots()
    assert sorted(snapshot["tags"]) == ["kind=manual", f"store={store.store_id}"]
    assert os.listdir(store.data_dir) == ["wp-content"]
