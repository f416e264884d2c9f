"""The backup CronJob and the restore template, as the orchestrator uses them (CONTRACTS: the
orchestrator copies `spec.jobTemplate` of store-backup or store-restore, sets env on the container
named backup/restore, and reads the result from its termination message)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.chart.conftest import (
    KUBERNETES_VERSIONS,
    RENDERINGS,
    Manifest,
    assert_valid_for_kubernetes,
    render,
)
from tests.chart.test_schema import rejects

TASKS = ("backup", "restore")
SECRETS = "/var/run/secrets/woo-platform"


@pytest.fixture(params=RENDERINGS)
def manifest(request: pytest.FixtureRequest, rendered: Callable[[str], Manifest]) -> Manifest:
    return rendered(request.param)


def job_template(manifest: Manifest, task: str) -> dict[str, Any]:
    template: dict[str, Any] = manifest.one("CronJob", f"store-{task}")["spec"]["jobTemplate"]
    return template


def main_container(pod: dict[str, Any], task: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [c for c in pod["containers"] if c["name"] == task]
    assert len(found) == 1, task
    return found[0]


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {v["name"]: v.get("value", v.get("valueFrom")) for v in container["env"]}


def test_the_backup_runs_on_schedule_and_the_restore_never(manifest: Manifest) -> None:
    backup = manifest.one("CronJob", "store-backup")["spec"]
    restore = manifest.one("CronJob", "store-restore")["spec"]
    assert backup["schedule"] == "30 2 * * *"
    assert backup["concurrencyPolicy"] == "Forbid"
    assert backup["suspend"] is False
    assert restore["suspend"] is True
    assert restore["concurrencyPolicy"] == "Forbid"


@pytest.mark.parametrize("task", TASKS)
def test_jobs_fail_at_once_on_exit_3_and_keep_their_result(manifest: Manifest, task: str) -> None:
    template = job_template(manifest, task)
    spec = template["spec"]
    assert template["metadata"]["labels"]["woo-platform/task"] == task
    assert spec["template"]["metadata"]["labels"]["woo-platform/task"] == task
    assert spec["template"]["metadata"]["labels"]["app.kubernetes.io/component"] == task
    assert 0 <= spec["backoffLimit"] <= 3
    assert spec["activeDeadlineSeconds"] > 0
    assert spec["ttlSecondsAfterFinished"] >= 3600
    assert {
        "action": "FailJob",
        "onExitCodes": {"containerName": task, "operator": "In", "values": [3]},
    } in spec["podFailurePolicy"]["rules"]
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    container = main_container(pod, task)
    assert container["terminationMessagePolicy"] == "File"
    assert container["terminationMessagePath"] == "/dev/termination-log"
    env = env_of(container)
    assert env["RESULT_FILE"] == "/dev/termination-log"
    assert container["command"] == ["bash", f"/scripts/{task}.sh"]


@pytest.mark.parametrize("task", TASKS)
def test_the_scripts_get_the_environment_their_headers_ask_for(
    manifest: Manifest, task: str
) -> None:
    pod = job_template(manifest, task)["spec"]["template"]["spec"]
    container = main_container(pod, task)
    env = env_of(container)
    assert env["STORE_ID"] == "3f2a9c1e-demo"
    assert env["RESTIC_REPOSITORY"] == "s3:https://s3.example.com/woo-backups/stores/3f2a9c1e-demo"
    assert (env["DB_HOST"], env["DB_PORT"], env["DB_NAME"], env["DB_USER"]) == (
        "store-mariadb",
        "3306",
        "woocommerce",
        "woocommerce",
    )
    assert env["AWS_ACCESS_KEY_ID"] == {
        "secretKeyRef": {"name": "store-backup", "key": "aws-access-key-id"}
    }
    assert env["AWS_SECRET_ACCESS_KEY"] == {
        "secretKeyRef": {"name": "store-backup", "key": "aws-secret-access-key"}
    }
    assert env["DB_PASSWORD_FILE"] == f"{SECRETS}/database/mariadb-password"
    assert env["RESTIC_PASSWORD_FILE"] == f"{SECRETS}/backup/restic-password"
    assert env["PATH"].startswith("/opt/restic/bin:")
    if task == "backup":
        assert env["BACKUP_KIND"] == "scheduled"
        assert (
            env["RETENTION_KEEP_DAILY"],
            env["RETENTION_KEEP_WEEKLY"],
            env["RETENTION_KEEP_MONTHLY"],
        ) == ("7", "4", "6")
    else:
        # The template leaves the snapshot and a clone's source to the orchestrator.
        assert (env["SNAPSHOT_ID"], env["SOURCE_REPOSITORY"], env["SOURCE_STORE_ID"]) == (
            "",
            "",
            "",
        )
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes[mounts[f"{SECRETS}/database"]["name"]]["secret"] == {
        "secretName": "store-db-credentials",
        "items": [{"key": "mariadb-password", "path": "mariadb-password"}],
        "defaultMode": 0o440,
    }
    assert volumes[mounts[f"{SECRETS}/backup"]["name"]]["secret"] == {
        "secretName": "store-backup",
        "defaultMode": 0o440,
    }
    # STORE_DATA_DIR is scratch space with the store's wp-content volume inside it.
    assert env["STORE_DATA_DIR"] == "/data"
    assert "emptyDir" in volumes[mounts["/data"]["name"]]
    content = volumes[mounts["/data/wp-content"]["name"]]
    assert content["persistentVolumeClaim"] == {"claimName": "store-wordpress-content"}
    assert not mounts["/data/wp-content"].get("readOnly", False)
    assert volumes[mounts["/scripts"]["name"]]["configMap"]["name"] == "store-backup-scripts"


@pytest.mark.parametrize("task", TASKS)
def test_restic_comes_from_its_pinned_image_and_the_client_from_mariadbs(
    manifest: Manifest, task: str
) -> None:
    pod = job_template(manifest, task)["spec"]["template"]["spec"]
    [binary] = pod["initContainers"]
    assert binary["image"] == "restic/restic:0.18.1"
    assert binary["command"] == ["cp", "/usr/bin/restic", "/opt/restic/bin/restic"]
    mariadb = manifest.one("StatefulSet", "store-mariadb")["spec"]["template"]["spec"]
    assert main_container(pod, task)["image"] == mariadb["containers"][0]["image"]
    [shared] = [m["name"] for m in binary["volumeMounts"]]
    assert any(m["name"] == shared for m in main_container(pod, task)["volumeMounts"])
    for container in (binary, main_container(pod, task)):
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert (pod["securityContext"]["runAsUser"], pod["securityContext"]["fsGroup"]) == (33, 33)


def affinity_of(manifest: Manifest, task: str) -> dict[str, Any] | None:
    pod: dict[str, Any] = job_template(manifest, task)["spec"]["template"]["spec"]
    return pod.get("affinity")


def test_a_backup_on_a_readwriteonce_volume_runs_beside_wordpress(
    rendered: Callable[[str], Manifest], helm_bin: Path
) -> None:
    """ReadWriteOnce (local): the backup follows a WordPress pod to its node; the restore, which
    runs with WordPress stopped, goes anywhere. ReadWriteMany (prod): neither is bound."""
    local = rendered("local")
    affinity = affinity_of(local, "backup")
    assert affinity is not None
    [term] = affinity["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchLabels"]["app.kubernetes.io/component"] == "wordpress"
    assert affinity_of(local, "restore") is None
    prod = rendered("prod")
    assert affinity_of(prod, "backup") is None
    assert affinity_of(prod, "restore") is None


def test_with_the_storefront_paused_no_pod_waits_for_wordpress(helm_bin: Path) -> None:
    """storefront.paused holds WordPress at zero: a required affinity to it could never be met, so
    backups of a paused ReadWriteOnce store go to any node (and no setup Job is rendered: there is
    nothing to set up while the storefront is stopped)."""
    manifest = render(helm_bin, "local", "--set", "storefront.paused=true")
    assert affinity_of(manifest, "backup") is None
    assert manifest.of_kind("Job") == []


def test_no_scheduled_backup_while_the_storefront_is_paused(
    rendered: Callable[[str], Manifest], helm_bin: Path
) -> None:
    """A paused store changes nothing, or is being restored: a scheduled backup then would at best
    repeat the last one, at worst save a half-restored store."""
    assert rendered("local").one("CronJob", "store-backup")["spec"]["suspend"] is False
    paused = render(helm_bin, "local", "--set", "storefront.paused=true")
    assert paused.one("CronJob", "store-backup")["spec"]["suspend"] is True


@pytest.mark.parametrize(
    "values",
    [
        pytest.param("backup:\n  enabled: true\n  storeId: ''\n", id="enabled-without-store-id"),
        pytest.param("backup:\n  enabled: true\n  repository: ''\n", id="enabled-without-repo"),
        pytest.param("backup:\n  repository: /srv/backups\n", id="repository-not-s3"),
        pytest.param("backup:\n  storeId: Demo_Store\n", id="store-id-not-dns-label"),
        pytest.param("backup:\n  resticPassword: hunter2\n", id="password-in-values"),
        pytest.param("backup:\n  ttlSecondsAfterFinished: 60\n", id="ttl-below-an-hour"),
        pytest.param(
            "backup:\n  retention: {daily: 0, weekly: 0, monthly: 0}\n", id="retention-keeps-none"
        ),
        pytest.param("backup:\n  target:\n    cidrs: [example.com]\n", id="cidr-not-a-cidr"),
        pytest.param("backup:\n  target:\n    port: 0\n", id="port-zero"),
        pytest.param("backup:\n  image:\n    tag: latest\n", id="restic-tag-latest"),
        pytest.param("setup:\n  adoptRestoredSite: 'yes'\n", id="adopt-not-bool"),
    ],
)
def test_schema_refuses_bad_backup_values(helm_bin: Path, tmp_path: Path, values: str) -> None:
    rejects(helm_bin, tmp_path, values)


def test_backups_are_off_by_default_even_with_an_id(helm_bin: Path) -> None:
    manifest = render(helm_bin, "default", "--set", "backup.storeId=abc")
    assert manifest.of_kind("CronJob") == [manifest.one("CronJob", "store-cron")]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_jobs_copied_from_the_templates_are_valid_kubernetes_jobs(
    rendered: Callable[[str], Manifest], tmp_path: Path, version: str
) -> None:
    """What the orchestrator creates: a Job named backup-<8 hex> or restore-<8 hex> with the
    template's metadata and spec, the label woo-platform/backup-id, and its env on the task's
    container."""
    jobs = []
    for task, env in (
        ("backup", {"BACKUP_KIND": "manual"}),
        ("restore", {"SNAPSHOT_ID": "0a1b2c3d"}),
    ):
        template = copy.deepcopy(job_template(rendered("prod"), task))
        labels = {**template["metadata"]["labels"], "woo-platform/backup-id": "0a1b2c3d"}
        container = main_container(template["spec"]["template"]["spec"], task)
        for variable in container["env"]:
            if variable["name"] in env:
                variable["value"] = env[variable["name"]]
        jobs.append(
            {
                "apiVersion": "batch/v1",
                "kind": "Job",
                "metadata": {"name": f"{task}-0a1b2c3d", "labels": labels},
                "spec": template["spec"],
            }
        )
    assert_valid_for_kubernetes(Manifest(objects=jobs, text=""), version, tmp_path)
