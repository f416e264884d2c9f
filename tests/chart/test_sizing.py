"""Sizing that adds up, computed from the rendered objects of every values file: PHP's workers fit
their containers, MariaDB accepts every worker's connection, and the ResourceQuota admits every
pod that can exist at once."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.chart.conftest import RENDERINGS, Manifest
from tests.chart.quantities import amount, bytes_of
from tests.chart.workloads import (
    RESOURCES,
    all_containers,
    component_of,
    effective_pod_resources,
    worst_case_pods,
)

MiB = 2**20
# Memory a WordPress container uses besides its PHP workers: the Apache parent process and PHP's
# opcache, shared memory the official image sizes at 128M (opcache.memory_consumption).
APACHE_AND_OPCACHE = 160 * MiB
# A WP-CLI container runs one PHP process: its memory_limit plus the interpreter and opcache.
WP_CLI_OVERHEAD = 64 * MiB
# Connections MariaDB must keep free besides the WordPress workers: the setup Job, the cron Job,
# a backup and a restore Job.
OTHER_DATABASE_CLIENTS = 4


@pytest.fixture(params=["default", *RENDERINGS])
def manifest(request: pytest.FixtureRequest, rendered: Callable[[str], Manifest]) -> Manifest:
    return rendered(request.param)


def php_bytes(value: str) -> int:
    """A PHP ini size (K, M, G are powers of 1024)."""
    number, unit = re.fullmatch(r"([0-9]+)([KMG]?)", value).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}[unit]


def setting(text: str, pattern: str) -> str:
    match = re.search(pattern, text, re.MULTILINE)
    assert match is not None, pattern
    return match.group(1)


def php_memory_limit(manifest: Manifest) -> int:
    ini = manifest.one("ConfigMap", "store-wordpress-config")["data"]["woo-platform.ini"]
    return php_bytes(setting(ini, r"^memory_limit = (\S+)$"))


def max_request_workers(manifest: Manifest) -> int:
    prefork = manifest.one("ConfigMap", "store-wordpress-config")["data"]["mpm_prefork.conf"]
    return int(setting(prefork, r"^\s*MaxRequestWorkers (\d+)$"))


def container_memory_limit(manifest: Manifest, component: str, name: str) -> int:
    for _, labels, spec in manifest.pod_specs():
        if component_of(labels) == component:
            [container] = [c for c in all_containers(spec) if c["name"] == name]
            return bytes_of(container["resources"]["limits"]["memory"])
    raise AssertionError(f"no {component} pod")


def test_php_workers_fit_the_wordpress_container(manifest: Manifest) -> None:
    """Each Apache prefork worker is one PHP process that may grow to memory_limit: all of them at
    once, plus Apache and opcache, must stay under the container's limit, or a busy store is
    OOM-killed instead of queueing requests."""
    workers, php = max_request_workers(manifest), php_memory_limit(manifest)
    limit = container_memory_limit(manifest, "wordpress", "wordpress")
    needed = workers * php + APACHE_AND_OPCACHE
    assert needed <= limit, (
        f"{workers} workers x {php // MiB}Mi + {APACHE_AND_OPCACHE // MiB}Mi = {needed // MiB}Mi "
        f"> the container's {limit // MiB}Mi"
    )


def test_the_quota_without_room_for_backups_refuses_them(
    rendered: Callable[[str], Manifest],
) -> None:
    """The backup and restore pods are what needed the larger quota: the sum of every pod exceeds
    the limits the environments had before backups."""
    pods = worst_case_pods(rendered("local"))
    total = sum(effective_pod_resources(spec, "limits")["memory"] for _, spec in pods)
    assert total > 5 * 2**30
    assert len(pods) > 8


@pytest.mark.parametrize(("component", "container"), [("setup", "setup"), ("cron", "cron")])
def test_a_wp_cli_process_fits_its_container(
    manifest: Manifest, component: str, container: str
) -> None:
    limit = container_memory_limit(manifest, component, container)
    assert php_memory_limit(manifest) + WP_CLI_OVERHEAD <= limit


def test_mariadb_accepts_every_worker_during_a_rolling_update(manifest: Manifest) -> None:
    deployment = manifest.one("Deployment", "store-wordpress")
    surge = deployment["spec"]["strategy"].get("rollingUpdate", {}).get("maxSurge", 0)
    pods = deployment["spec"]["replicas"] + surge
    config = manifest.one("ConfigMap", "store-mariadb-config")["data"]["woo-platform.cnf"]
    max_connections = int(setting(config, r"^max_connections = (\d+)$"))
    assert max_request_workers(manifest) * pods + OTHER_DATABASE_CLIENTS <= max_connections


def test_resource_quota_admits_every_pod_that_can_exist_at_once(manifest: Manifest) -> None:
    """A rolling update's surge pod, the setup Job (two pods across a revision change), the cron
    run, the helm test pod, a backup and a restore Job (when backups are on) and, with an Ingress
    and cert-manager, the ACME solver pod: all admitted together, requests, limits and pod
    count."""
    hard = manifest.of_kind("ResourceQuota")[0]["spec"]["hard"]
    pods = worst_case_pods(manifest)
    store = {"wordpress", "mariadb", "setup", "cron", "test"}
    backups = {"backup", "restore"} if backups_enabled(manifest) else set()
    assert {component_of(labels) for _, labels, _ in manifest.pod_specs()} == store | backups
    assert len(pods) <= int(hard["pods"])
    for kind in ("requests", "limits"):
        for resource in RESOURCES:
            total = sum(effective_pod_resources(spec, kind)[resource] for _, spec in pods)
            assert total <= amount(resource, hard[f"{kind}.{resource}"]), (kind, resource, total)


def backups_enabled(manifest: Manifest) -> bool:
    return any(obj["metadata"]["name"] == "store-backup" for obj in manifest.of_kind("CronJob"))


def test_the_worst_case_counts_what_the_environment_runs(
    rendered: Callable[[str], Manifest],
) -> None:
    """The sum above is not vacuous: prod counts three WordPress pods (two replicas and a surge
    pod), a backup and a restore pod (both can run while the store serves: a manual backup, or a
    clone's restore beside a scheduled backup) and, with an Ingress and cert-manager,
    cert-manager's solver pod."""
    names = [where for where, _ in worst_case_pods(rendered("prod-ingress"))]
    assert names.count("Deployment/store-wordpress") == 3
    assert names.count("Job/store-setup-r1") == 2
    assert names.count("CronJob/store-cron") == 1
    assert names.count("CronJob/store-backup") == 1
    assert names.count("CronJob/store-restore") == 1
    assert "CronJob/store-backup" not in [
        where for where, _ in worst_case_pods(rendered("default"))
    ]
    assert "Pod/cm-acme-http-solver" in names
    assert "Pod/cm-acme-http-solver" not in [
        where for where, _ in worst_case_pods(rendered("prod"))
    ]
