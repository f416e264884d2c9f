"""Every plan (orchestrator/plans.py) rendered into the store chart with each environment's values
passes the same sizing rules as the values files: PHP's workers fit WordPress's memory limit,
MariaDB accepts every worker, the ResourceQuota admits every pod that can exist at once, the
LimitRange admits every container and volume."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orchestrator.plans import BUILT_IN, load_plans
from tests.chart.conftest import Manifest, render
from tests.chart.quantities import amount, bytes_of
from tests.chart.test_sizing import (
    APACHE_AND_OPCACHE,
    OTHER_DATABASE_CLIENTS,
    WP_CLI_OVERHEAD,
    container_memory_limit,
    max_request_workers,
    php_memory_limit,
    setting,
)
from tests.chart.workloads import (
    RESOURCES,
    all_containers,
    effective_pod_resources,
    worst_case_pods,
)

PLANS = load_plans(None)


@pytest.fixture(params=sorted(BUILT_IN))
def plan_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


_RENDERED: dict[tuple[str, str], Manifest] = {}


@pytest.fixture(params=["local", "prod-ingress"])
def manifest(
    request: pytest.FixtureRequest,
    plan_name: str,
    helm_bin: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Manifest:
    """The chart rendered with the environment's values and then the plan's (as the
    orchestrator layers them), once per plan and environment."""
    key = (plan_name, request.param)
    if key not in _RENDERED:
        plan = PLANS[plan_name]
        values = plan.chart_values()
        values["mariadb"]["persistence"] = {"size": plan.database_storage}
        values_file = tmp_path_factory.mktemp("plans") / f"plan-{plan_name}.yaml"
        values_file.write_text(yaml.safe_dump(values))
        _RENDERED[key] = render(helm_bin, request.param, "-f", str(values_file))
    return _RENDERED[key]


def test_the_plan_reaches_the_objects(manifest: Manifest, plan_name: str) -> None:
    plan = PLANS[plan_name]
    assert max_request_workers(manifest) == plan.php_workers
    limit = container_memory_limit(manifest, "wordpress", "wordpress")
    assert limit == bytes_of(plan.wordpress.limits.memory)
    hard = manifest.of_kind("ResourceQuota")[0]["spec"]["hard"]
    assert hard["limits.memory"] == plan.quota.limits.memory
    claim = manifest.one("PersistentVolumeClaim", "store-wordpress-content")
    assert claim["spec"]["resources"]["requests"]["storage"] == plan.wordpress_storage


def test_php_workers_fit(manifest: Manifest) -> None:
    needed = max_request_workers(manifest) * php_memory_limit(manifest) + APACHE_AND_OPCACHE
    assert needed <= container_memory_limit(manifest, "wordpress", "wordpress")
    for component in ("setup", "cron"):
        limit = container_memory_limit(manifest, component, component)
        assert php_memory_limit(manifest) + WP_CLI_OVERHEAD <= limit


def test_mariadb_accepts_every_worker(manifest: Manifest) -> None:
    deployment = manifest.one("Deployment", "store-wordpress")
    surge = deployment["spec"]["strategy"].get("rollingUpdate", {}).get("maxSurge", 0)
    pods = deployment["spec"]["replicas"] + surge
    config = manifest.one("ConfigMap", "store-mariadb-config")["data"]["woo-platform.cnf"]
    max_connections = int(setting(config, r"^max_connections = (\d+)$"))
    assert max_request_workers(manifest) * pods + OTHER_DATABASE_CLIENTS <= max_connections


def test_quota_admits_every_pod_at_once(manifest: Manifest) -> None:
    hard = manifest.of_kind("ResourceQuota")[0]["spec"]["hard"]
    pods = worst_case_pods(manifest)
    assert len(pods) <= int(hard["pods"])
    for kind in ("requests", "limits"):
        for resource in RESOURCES:
            total = sum(effective_pod_resources(spec, kind)[resource] for _, spec in pods)
            assert total <= amount(resource, hard[f"{kind}.{resource}"]), (kind, resource, total)
    volumes = sum(
        bytes_of(claim["spec"]["resources"]["requests"]["storage"])
        for claim in manifest.of_kind("PersistentVolumeClaim")
    ) + sum(
        bytes_of(template["spec"]["resources"]["requests"]["storage"])
        for sts in manifest.of_kind("StatefulSet")
        for template in sts["spec"]["volumeClaimTemplates"]
    )
    assert volumes <= bytes_of(hard["requests.storage"])


def test_limit_range_admits_every_container_and_volume(manifest: Manifest) -> None:
    limits = manifest.of_kind("LimitRange")[0]["spec"]["limits"]
    container = next(item for item in limits if item["type"] == "Container")["max"]
    claim_max = next(item for item in limits if item["type"] == "PersistentVolumeClaim")["max"]
    for _, _, spec in manifest.pod_specs():
        for each in all_containers(spec):
            for resource in RESOURCES:
                used = each["resources"]["limits"][resource]
                assert amount(resource, used) <= amount(resource, container[resource])
    for claim in manifest.of_kind("PersistentVolumeClaim"):
        size = claim["spec"]["resources"]["requests"]["storage"]
        assert bytes_of(size) <= bytes_of(claim_max["storage"])
