"""A suspended store (storefront.paused and database.paused), as rendered: WordPress and MariaDB at
zero, the cron CronJob suspended, no setup Job, and a maintenance page the route points to,
which meets the same policies as every other pod (Pod Security restricted is checked for these
renderings in test_pod_security.py, lint and kubernetes-validate in test_lint_and_validate.py).
The page itself is served by a real nginx with the rendered server block: 503 and Retry-After."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from harness.ports import free_port
from tests.chart import test_policies as policies
from tests.chart.conftest import (
    CHART,
    PAUSED_RENDERINGS,
    RENDERINGS,
    Manifest,
    render,
    run_helm,
    values_args,
)
from tests.chart.quantities import amount
from tests.chart.workloads import RESOURCES, component_of, effective_pod_resources

NGINX = Path("/usr/sbin/nginx")
MAINTENANCE = "store-maintenance"


@pytest.fixture(params=PAUSED_RENDERINGS)
def paused(request: pytest.FixtureRequest, rendered: Callable[[str], Manifest]) -> Manifest:
    return rendered(request.param)


@pytest.fixture(params=RENDERINGS)
def running(request: pytest.FixtureRequest, rendered: Callable[[str], Manifest]) -> Manifest:
    return rendered(request.param)


def test_a_paused_store_runs_nothing_but_the_maintenance_page(paused: Manifest) -> None:
    assert paused.one("Deployment", "store-wordpress")["spec"]["replicas"] == 0
    assert paused.one("StatefulSet", "store-mariadb")["spec"]["replicas"] == 0
    assert paused.one("CronJob", "store-cron")["spec"]["suspend"] is True
    assert paused.of_kind("Job") == []
    assert paused.of_kind("PodDisruptionBudget") == []
    assert paused.one("Deployment", MAINTENANCE)["spec"]["replicas"] == 1
    # The data stays: the wp-content claim and the database's claim template are unchanged.
    assert paused.one("PersistentVolumeClaim", "store-wordpress-content")
    assert paused.one("StatefulSet", "store-mariadb")["spec"]["volumeClaimTemplates"]


def test_a_running_store_has_no_maintenance_objects(running: Manifest) -> None:
    names = {(obj["kind"], obj["metadata"]["name"]) for obj in running.objects}
    assert not [name for name in names if name[1] == MAINTENANCE]
    assert running.one("CronJob", "store-cron")["spec"]["suspend"] is False
    assert running.one("StatefulSet", "store-mariadb")["spec"]["replicas"] == 1


def backend_of(manifest: Manifest) -> str:
    for route in manifest.of_kind("HTTPRoute"):
        return str(route["spec"]["rules"][0]["backendRefs"][0]["name"])
    ingress = manifest.of_kind("Ingress")[0]
    path = ingress["spec"]["rules"][0]["http"]["paths"][0]
    return str(path["backend"]["service"]["name"])


def selected_component(manifest: Manifest) -> str:
    """The component whose pods the route's Service sends shoppers to."""
    service = manifest.one("Service", backend_of(manifest))
    [component] = [
        component_of(labels)
        for _, labels, _ in manifest.pod_specs()
        if policies.selects({"matchLabels": service["spec"]["selector"]}, labels)
    ]
    return component


def test_shoppers_reach_the_maintenance_page_while_paused(
    paused: Manifest, running: Manifest
) -> None:
    assert backend_of(paused) == backend_of(running) == "store-wordpress"
    assert selected_component(paused) == "maintenance"
    assert selected_component(running) == "wordpress"
    [port] = paused.one("Service", "store-wordpress")["spec"]["ports"]
    container = paused.one("Deployment", MAINTENANCE)["spec"]["template"]["spec"]["containers"][0]
    assert port["targetPort"] in [p["name"] for p in container["ports"]]
    assert len(paused.of_kind("Service")) == len(running.of_kind("Service"))


def test_the_maintenance_page_is_reachable_only_from_the_data_plane(paused: Manifest) -> None:
    labels = policies.pod_labels(paused, "maintenance")
    own = policies.policies_for(paused, labels)
    peers = [
        peer
        for policy in own
        for rule in policy["spec"].get("ingress", [])
        for peer in rule["from"]
    ]
    assert peers == [policies.data_plane_of(paused)]
    assert [rule for policy in own for rule in policy["spec"].get("egress", [])] == []
    ports = {
        (p["port"], p["protocol"])
        for policy in own
        for rule in policy["spec"].get("ingress", [])
        for p in rule["ports"]
    }
    assert ports == {("http", "TCP")}


def test_the_maintenance_pod_follows_the_charts_rules(paused: Manifest) -> None:
    """The checks every rendering's pods pass, on the paused ones."""
    policies.test_every_container_has_requests_and_limits_inside_the_limit_range(paused)
    policies.test_resource_quota_admits_the_storage_and_services(paused)
    policies.test_no_pod_talks_to_the_kubernetes_api(paused)
    policies.test_everything_is_denied_by_default(paused)
    policies.test_long_running_containers_have_probes_and_jobs_have_deadlines(paused)
    policies.test_every_object_has_the_standard_labels(paused)
    policies.test_selectors_use_only_stable_labels(paused)
    policies.test_names_fit_kubernetes_limits(paused)
    users = {
        component_of(labels): spec["securityContext"]["runAsUser"]
        for _, labels, spec in paused.pod_specs()
    }
    # nginx of NGINX's unprivileged image is uid 101.
    assert users["maintenance"] == 101
    spec = paused.one("Deployment", MAINTENANCE)["spec"]["template"]["spec"]
    repository, _, tag = spec["containers"][0]["image"].rpartition(":")
    assert repository == "nginxinc/nginx-unprivileged"
    assert tag and tag != "latest"


def running_pods(manifest: Manifest) -> list[tuple[str, dict[str, object]]]:
    """The pods a store runs when nothing happens: its workloads at their replica counts."""
    pods = []
    for obj in manifest.of_kind("Deployment") + manifest.of_kind("StatefulSet"):
        spec = obj["spec"]["template"]["spec"]
        pods += [(obj["metadata"]["name"], spec)] * obj["spec"]["replicas"]
    return pods


def test_a_paused_store_uses_no_quota_beyond_the_maintenance_pod(
    paused: Manifest, rendered: Callable[[str], Manifest]
) -> None:
    assert [name for name, _ in running_pods(paused)] == [MAINTENANCE]
    running = rendered(paused_from(paused))
    hard = paused.of_kind("ResourceQuota")[0]["spec"]["hard"]
    for kind in ("requests", "limits"):
        for resource in RESOURCES:
            idle = sum(
                effective_pod_resources(spec, kind)[resource] for _, spec in running_pods(paused)
            )
            busy = sum(
                effective_pod_resources(spec, kind)[resource] for _, spec in running_pods(running)
            )
            assert idle < busy / 4, (kind, resource)
            assert idle <= amount(resource, hard[f"{kind}.{resource}"])


def paused_from(manifest: Manifest) -> str:
    """The running rendering a paused one was made from (same environment and exposure)."""
    prod = (
        manifest.one("Deployment", "store-wordpress")["spec"]["strategy"]["type"] == "RollingUpdate"
    )
    ingress = bool(manifest.of_kind("Ingress"))
    return ("prod" if prod else "local") + ("-ingress" if ingress else "")


def test_the_database_is_not_paused_under_a_running_storefront(
    helm_bin: Path, tmp_path: Path
) -> None:
    values = tmp_path / "database-only.yaml"
    values.write_text("database:\n  paused: true\n")
    result = run_helm(helm_bin, "template", "store", str(CHART), *values_args("local", values))
    assert result.returncode != 0
    assert "database.paused needs storefront.paused" in result.stderr


def test_the_storefront_alone_can_be_paused(helm_bin: Path, tmp_path: Path) -> None:
    """A restore pauses only the storefront: MariaDB keeps running for it."""
    values = tmp_path / "storefront-only.yaml"
    values.write_text("storefront:\n  paused: true\n")
    manifest = render(helm_bin, "local", "-f", str(values))
    assert manifest.one("StatefulSet", "store-mariadb")["spec"]["replicas"] == 1
    assert manifest.one("Deployment", "store-wordpress")["spec"]["replicas"] == 0
    assert selected_component(manifest) == "maintenance"


# --- the page, served by nginx ------------------------------------------------------------------
@pytest.fixture
def maintenance_page(rendered: Callable[[str], Manifest], tmp_path: Path) -> Iterator[str]:
    """nginx with the rendered server block and page, as the image's nginx.conf includes it
    (listening on a free port instead of 8080)."""
    if not NGINX.exists():
        pytest.fail("nginx is missing: scripts/setup.sh installs Debian's nginx-light")
    data = rendered("local-paused").one("ConfigMap", MAINTENANCE)["data"]
    port = free_port()
    root = tmp_path / "maintenance"
    root.mkdir()
    (root / "maintenance.html").write_text(data["maintenance.html"])
    server = (
        data["default.conf"]
        .replace("listen 8080;", f"listen 127.0.0.1:{port};")
        .replace("/usr/share/nginx/maintenance", str(root))
    )
    (tmp_path / "default.conf").write_text(server)
    # As root, nginx's workers would run as nobody, who cannot read pytest's private tmp_path.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (tmp_path / "nginx.conf").write_text(
        f"{user}pid {tmp_path}/nginx.pid;\nerror_log stderr;\n"
        "events {}\n"
        "http {\n"
        f"  access_log off;\n  client_body_temp_path {tmp_path}/body;\n"
        f"  include /etc/nginx/mime.types;\n  include {tmp_path}/default.conf;\n"
        "}\n"
    )
    process = subprocess.Popen(
        [str(NGINX), "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "nginx did not answer"
                time.sleep(0.05)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("path", ["/", "/shop/", "/wp-admin/", "/?add-to-cart=1"])
def test_the_maintenance_page_answers_503_with_retry_after(
    maintenance_page: str, path: str
) -> None:
    response = httpx.get(maintenance_page + path, timeout=5)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "3600"
    assert response.headers["Cache-Control"] == "no-store"
    assert "text/html" in response.headers["Content-Type"]
    assert "closed for maintenance" in response.text


def test_the_probe_path_answers_200(maintenance_page: str) -> None:
    response = httpx.get(maintenance_page + "/healthz", timeout=5)
    assert response.status_code == 200
    assert response.text == "ok\n"
