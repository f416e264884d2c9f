"""Policy assertions on the rendered store: resources, quota, Pod Security, network paths,
storage, names, labels and the setup Job contract with the orchestrator."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.chart.conftest import CHART, RENDERINGS, Manifest, render, run_helm, values_args
from tests.chart.quantities import amount, bytes_of
from tests.chart.workloads import (
    ACME_SOLVER_LABELS,
    ACME_SOLVER_PORT,
    RESOURCES,
    acme_solver_pods,
    all_containers,
    component_of,
    issues_certificates_through_acme,
)

ENVIRONMENTS = ["local", "prod"]
STANDARD_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
    "helm.sh/chart",
)
SELECTOR_KEYS = {
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
}
OFFICIAL_IMAGES = {"wordpress", "mariadb", "restic/restic"}
# Built FROM the official WordPress image by helm/woocommerce/prebuilt/Dockerfile.
PREBUILT_IMAGE = "woo-platform/wordpress-woocommerce"
PREBUILT_DOCKERFILE = CHART / "prebuilt" / "Dockerfile"


@pytest.fixture(params=RENDERINGS)
def manifest(request: pytest.FixtureRequest, rendered: Callable[[str], Manifest]) -> Manifest:
    return rendered(request.param)


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """Whether a LabelSelector (matchLabels and matchExpressions In/NotIn) selects these labels."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        value = labels.get(expression["key"])
        if expression["operator"] == "In" and value not in expression["values"]:
            return False
        if expression["operator"] == "NotIn" and value in expression["values"]:
            return False
        if expression["operator"] in ("Exists", "DoesNotExist"):
            raise AssertionError("selector operator not modelled by this test")
    return True


def pod_labels(manifest: Manifest, component: str) -> dict[str, str]:
    for _, labels, _ in manifest.pod_specs():
        if component_of(labels) == component:
            return labels
    raise AssertionError(f"no pod with component {component}")


# --- resources, LimitRange and ResourceQuota -------------------------------------------------


def test_every_container_has_requests_and_limits_inside_the_limit_range(manifest: Manifest) -> None:
    limits = manifest.of_kind("LimitRange")[0]["spec"]["limits"]
    container_range = next(item for item in limits if item["type"] == "Container")
    chart_pods = [(where, spec) for where, _, spec in manifest.pod_specs()]
    for where, spec in chart_pods + acme_solver_pods(manifest):
        for container in all_containers(spec):
            resources = container.get("resources", {})
            for resource in RESOURCES:
                request = amount(resource, resources["requests"][resource])
                limit = amount(resource, resources["limits"][resource])
                name = f"{where}/{container['name']} {resource}"
                assert amount(resource, container_range["min"][resource]) <= request, name
                assert request <= limit, name
                assert limit <= amount(resource, container_range["max"][resource]), name


def test_resource_quota_admits_the_storage_and_services(manifest: Manifest) -> None:
    hard = manifest.of_kind("ResourceQuota")[0]["spec"]["hard"]
    claims = [claim["spec"] for claim in manifest.of_kind("PersistentVolumeClaim")]
    for statefulset in manifest.of_kind("StatefulSet"):
        claims += [template["spec"] for template in statefulset["spec"]["volumeClaimTemplates"]] * (
            statefulset["spec"]["replicas"]
        )
    sizes = [bytes_of(claim["resources"]["requests"]["storage"]) for claim in claims]
    assert len(claims) <= int(hard["persistentvolumeclaims"])
    assert sum(sizes) <= bytes_of(hard["requests.storage"])
    pvc_range = next(
        item
        for item in manifest.of_kind("LimitRange")[0]["spec"]["limits"]
        if item["type"] == "PersistentVolumeClaim"
    )
    for size in sizes:
        assert (
            bytes_of(pvc_range["min"]["storage"]) <= size <= bytes_of(pvc_range["max"]["storage"])
        )
    # cert-manager's solver pod comes with a Service of its own (ClusterIP: see values-prod.yaml).
    solver_services = len(acme_solver_pods(manifest))
    assert len(manifest.of_kind("Service")) + solver_services <= int(hard["services"])
    assert hard["services.loadbalancers"] == "0"
    assert hard["services.nodeports"] == "0"


def test_limit_range_refuses_a_container_over_its_maximum(manifest: Manifest) -> None:
    """The LimitRange caps every container below the namespace total, so an over-limit pod is
    refused at admission instead of eating the store's quota."""
    container_range = next(
        item
        for item in manifest.of_kind("LimitRange")[0]["spec"]["limits"]
        if item["type"] == "Container"
    )
    hard = manifest.of_kind("ResourceQuota")[0]["spec"]["hard"]
    for resource in RESOURCES:
        maximum = amount(resource, container_range["max"][resource])
        assert maximum < amount(resource, hard[f"limits.{resource}"])
        for key in ("default", "defaultRequest"):
            assert amount(resource, container_range[key][resource]) <= maximum


# --- Pod Security ------------------------------------------------------------------------------


def test_pods_run_as_the_users_the_official_images_expect(manifest: Manifest) -> None:
    users = {
        component_of(labels): spec["securityContext"]["runAsUser"]
        for _, labels, spec in manifest.pod_specs()
    }
    # www-data of the Debian WordPress image owns wp-content; mysql of the MariaDB image. The
    # backup and restore pods run the MariaDB image as www-data: they read and write wp-content.
    assert users == {
        "wordpress": 33,
        "setup": 33,
        "cron": 33,
        "test": 33,
        "mariadb": 999,
        "backup": 33,
        "restore": 33,
    }


def test_no_pod_talks_to_the_kubernetes_api(manifest: Manifest) -> None:
    for where, _, spec in manifest.pod_specs():
        assert spec["automountServiceAccountToken"] is False, where
    assert manifest.of_kind("ServiceAccount")[0]["automountServiceAccountToken"] is False


# --- network isolation -------------------------------------------------------------------------


def policies_for(manifest: Manifest, labels: dict[str, str]) -> list[dict[str, Any]]:
    return [
        policy
        for policy in manifest.of_kind("NetworkPolicy")
        if selects(policy["spec"]["podSelector"], labels)
    ]


def test_everything_is_denied_by_default(manifest: Manifest) -> None:
    deny = [
        policy
        for policy in manifest.of_kind("NetworkPolicy")
        if policy["spec"]["podSelector"] == {}
    ]
    assert len(deny) == 1
    assert sorted(deny[0]["spec"]["policyTypes"]) == ["Egress", "Ingress"]
    assert "ingress" not in deny[0]["spec"]
    assert "egress" not in deny[0]["spec"]


def test_mariadb_is_reachable_only_from_wordpress_pods(manifest: Manifest) -> None:
    """Only pods of this release that run WordPress code reach MariaDB (the WordPress Deployment,
    the setup and cron Jobs), and the backup and restore Jobs. No other namespace, no address
    block, only port 3306."""
    mariadb = pod_labels(manifest, "mariadb")
    peers = []
    for policy in policies_for(manifest, mariadb):
        for rule in policy["spec"].get("ingress", []):
            assert [port["port"] for port in rule["ports"]] == ["mysql"]
            peers += rule["from"]
        assert policy["spec"].get("egress", []) == []
    assert peers, "MariaDB accepts no connection at all"
    for peer in peers:
        assert set(peer) == {"podSelector"}, peer
    allowed = {
        component_of(labels)
        for _, labels, _ in manifest.pod_specs()
        if any(selects(peer["podSelector"], labels) for peer in peers)
    }
    assert allowed == {"wordpress", "setup", "cron", "backup", "restore"}
    container_port = manifest.one("StatefulSet", "store-mariadb")["spec"]["template"]["spec"][
        "containers"
    ][0]["ports"][0]
    assert container_port == {"name": "mysql", "containerPort": 3306, "protocol": "TCP"}


ENVOY_GATEWAY_PROXIES = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "envoy-gateway-system"}},
    "podSelector": {
        "matchLabels": {
            "gateway.envoyproxy.io/owning-gateway-name": "woo-platform",
            "gateway.envoyproxy.io/owning-gateway-namespace": "woo-gateway",
        }
    },
}
INGRESS_NGINX = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}},
    "podSelector": {
        "matchLabels": {
            "app.kubernetes.io/name": "ingress-nginx",
            "app.kubernetes.io/component": "controller",
        }
    },
}


def data_plane_of(manifest: Manifest) -> dict[str, Any]:
    """Who carries shoppers' traffic: the Gateway's proxies for an HTTPRoute (Envoy Gateway runs
    them in its own namespace, labelled with the Gateway), the controller for an Ingress."""
    return ENVOY_GATEWAY_PROXIES if manifest.of_kind("HTTPRoute") else INGRESS_NGINX


def test_wordpress_is_reachable_from_the_data_plane_and_the_test_pod(manifest: Manifest) -> None:
    wordpress = pod_labels(manifest, "wordpress")
    peers = [
        peer
        for policy in policies_for(manifest, wordpress)
        for rule in policy["spec"].get("ingress", [])
        for peer in rule["from"]
    ]
    namespace_peers = [peer for peer in peers if "namespaceSelector" in peer]
    assert namespace_peers == [data_plane_of(manifest)]
    pod_peers = [peer for peer in peers if "namespaceSelector" not in peer]
    assert [
        component_of(labels)
        for _, labels, _ in manifest.pod_specs()
        if any(selects(peer["podSelector"], labels) for peer in pod_peers)
    ] == ["test"]


def egress_rules(manifest: Manifest, component: str) -> list[dict[str, Any]]:
    labels = pod_labels(manifest, component)
    return [
        rule
        for policy in policies_for(manifest, labels)
        for rule in policy["spec"].get("egress", [])
    ]


def reaches_dns(rules: list[dict[str, Any]]) -> bool:
    return any(
        {(p["port"], p["protocol"]) for p in rule["ports"]} == {(53, "UDP"), (53, "TCP")}
        for rule in rules
    )


def reaches_web(rules: list[dict[str, Any]]) -> bool:
    for rule in rules:
        blocks = [peer["ipBlock"] for peer in rule["to"] if "ipBlock" in peer]
        if blocks and {p["port"] for p in rule["ports"]} == {80, 443}:
            assert blocks[0]["cidr"] == "0.0.0.0/0"
            assert "169.254.0.0/16" in blocks[0]["except"], "cloud metadata must stay unreachable"
            assert "10.0.0.0/8" in blocks[0]["except"], "other tenants' pods must stay unreachable"
            return True
    return False


def test_egress_paths_are_the_needed_ones(manifest: Manifest) -> None:
    wordpress, setup, cron, test = (
        egress_rules(manifest, c) for c in ("wordpress", "setup", "cron", "test")
    )
    assert reaches_dns(wordpress) and reaches_web(wordpress)
    assert reaches_dns(cron) and reaches_web(cron)
    assert reaches_dns(setup)
    # The setup Job downloads WooCommerce only when the WordPress image does not carry it.
    downloads = any(
        variable == {"name": "WOOCOMMERCE_SOURCE", "value": "download"}
        for _, labels, spec in manifest.pod_specs()
        if component_of(labels) == "setup"
        for variable in spec["containers"][0]["env"]
    )
    assert reaches_web(setup) == downloads
    assert reaches_dns(test) and not reaches_web(test)
    wordpress_pod = pod_labels(manifest, "wordpress")
    assert any(
        selects(peer["podSelector"], wordpress_pod)
        for rule in test
        for peer in rule["to"]
        if "podSelector" in peer
    )


def test_the_ingress_controller_reaches_the_acme_solver_when_a_cluster_issuer_is_used(
    rendered: Callable[[str], Manifest],
) -> None:
    """With default-deny, cert-manager's HTTP-01 solver pod in the store namespace would be
    unreachable and the certificate never issued. Only the ingress controller may reach it, only
    on its port, and it may send nothing."""
    prod = rendered("prod-ingress")
    assert issues_certificates_through_acme(prod)
    policies = policies_for(prod, ACME_SOLVER_LABELS)
    rules = [rule for policy in policies for rule in policy["spec"].get("ingress", [])]
    assert [peer for rule in rules for peer in rule["from"]] == [INGRESS_NGINX]
    assert [port for rule in rules for port in rule["ports"]] == [
        {"port": ACME_SOLVER_PORT, "protocol": "TCP"}
    ]
    assert [rule for policy in policies for rule in policy["spec"].get("egress", [])] == []
    # The store's own pods gain nothing from that policy.
    for _, labels, _ in prod.pod_specs():
        assert all(
            "acme.cert-manager.io/http01-solver"
            not in policy["spec"]["podSelector"].get("matchLabels", {})
            for policy in policies_for(prod, labels)
        )

    for environment in ("local", "prod", "local-ingress"):
        other = rendered(environment)
        assert not issues_certificates_through_acme(other)
        assert [
            policy["metadata"]["name"] for policy in policies_for(other, ACME_SOLVER_LABELS)
        ] == ["store-default-deny"]


def test_backup_and_restore_pods_reach_only_dns_mariadb_and_the_backup_target(
    manifest: Manifest,
) -> None:
    """Every egress rule of every policy that selects a backup or restore pod, taken together:
    cluster DNS, this store's MariaDB on 3306, and the backup target on its port. Nothing else
    (no web egress of WordPress's, no data plane), and nothing may connect to them."""
    for component in ("backup", "restore"):
        labels = pod_labels(manifest, component)
        policies = policies_for(manifest, labels)
        assert sorted(p["metadata"]["name"] for p in policies) == [
            "store-backup",
            "store-default-deny",
        ]
        assert [rule for p in policies for rule in p["spec"].get("ingress", [])] == []
        rules = egress_rules(manifest, component)
        assert reaches_dns(rules)
        assert not reaches_web(rules)
        mariadb = pod_labels(manifest, "mariadb")
        [database] = [
            rule for rule in rules if rule["ports"] == [{"port": 3306, "protocol": "TCP"}]
        ]
        assert [set(peer) for peer in database["to"]] == [{"podSelector"}]
        assert selects(database["to"][0]["podSelector"], mariadb)
        [target] = [rule for rule in rules if rule not in (database,) and not reaches_dns([rule])]
        assert target == {
            "to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
            "ports": [{"port": 443, "protocol": "TCP"}],
        }
        assert len(rules) == 3


def test_the_backup_target_is_narrowed_to_its_address_ranges_and_port(helm_bin: Path) -> None:
    manifest = render(
        helm_bin,
        "prod",
        "--set",
        "backup.target.cidrs={203.0.113.0/24,2001:db8::/48}",
        "--set",
        "backup.target.port=9000",
    )
    [target] = [
        rule
        for rule in egress_rules(manifest, "backup")
        if not reaches_dns([rule]) and rule["ports"][0]["port"] != 3306
    ]
    assert target == {
        "to": [{"ipBlock": {"cidr": "203.0.113.0/24"}}, {"ipBlock": {"cidr": "2001:db8::/48"}}],
        "ports": [{"port": 9000, "protocol": "TCP"}],
    }


def test_no_backup_policy_and_no_database_path_without_backups(
    rendered: Callable[[str], Manifest],
) -> None:
    """backup.enabled false (the chart's default) renders nothing backup-related, and MariaDB's
    policy admits no backup or restore pod."""
    manifest = rendered("default")
    names = {obj["metadata"]["name"] for obj in manifest.objects}
    assert not {"store-backup", "store-restore", "store-backup-scripts"} & names
    assert not [
        obj
        for obj in manifest.objects
        if obj["metadata"]["labels"].get("app.kubernetes.io/component") in ("backup", "restore")
    ]
    mariadb = manifest.one("NetworkPolicy", "store-mariadb")
    [rule] = mariadb["spec"]["ingress"]
    assert rule["from"][0]["podSelector"]["matchExpressions"][0]["values"] == [
        "wordpress",
        "setup",
        "cron",
    ]


def test_setup_job_needs_no_web_with_a_prebuilt_image(helm_bin: Path) -> None:
    manifest = render(helm_bin, "local", "--set", "woocommerce.source=image")
    setup = manifest.one("NetworkPolicy", "store-setup")
    assert reaches_dns(setup["spec"]["egress"])
    assert not reaches_web(setup["spec"]["egress"])


# --- storage, ingress, secrets --------------------------------------------------------------


def test_mariadb_statefulset_keeps_its_data_in_volume_claim_templates(manifest: Manifest) -> None:
    statefulset = manifest.one("StatefulSet", "store-mariadb")
    templates = statefulset["spec"]["volumeClaimTemplates"]
    assert [t["metadata"]["name"] for t in templates] == ["data"]
    container = statefulset["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "data", "mountPath": "/var/lib/mysql"} in container["volumeMounts"]
    assert statefulset["spec"]["serviceName"] == "store-mariadb-headless"
    headless = manifest.one("Service", "store-mariadb-headless")
    assert headless["spec"]["clusterIP"] == "None"
    assert all(
        "mariadb" not in claim["metadata"]["name"]
        for claim in manifest.of_kind("PersistentVolumeClaim")
    )


def test_storage_classes_follow_the_environment(rendered: Callable[[str], Manifest]) -> None:
    local, prod = rendered("local"), rendered("prod")
    assert (
        "storageClassName"
        not in local.one("PersistentVolumeClaim", "store-wordpress-content")["spec"]
    )
    prod_content = prod.one("PersistentVolumeClaim", "store-wordpress-content")["spec"]
    assert prod_content["storageClassName"] == "longhorn"
    assert prod_content["accessModes"] == ["ReadWriteMany"]
    prod_data = prod.one("StatefulSet", "store-mariadb")["spec"]["volumeClaimTemplates"][0]["spec"]
    assert prod_data["storageClassName"] == "longhorn"


def test_the_host_is_the_value_passed(helm_bin: Path) -> None:
    for environment in RENDERINGS:
        manifest = render(helm_bin, environment, "--set", "ingress.host=shop-42.example.org")
        if environment.endswith("-ingress"):
            ingress = manifest.one("Ingress", "store")
            assert [rule["host"] for rule in ingress["spec"]["rules"]] == ["shop-42.example.org"]
            backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
            assert backend == {"name": "store-wordpress", "port": {"name": "http"}}
            assert ingress["spec"]["ingressClassName"] == "nginx"
            if environment == "prod-ingress":
                assert ingress["spec"]["tls"][0]["hosts"] == ["shop-42.example.org"]
        else:
            route = manifest.one("HTTPRoute", "store")
            assert route["spec"]["hostnames"] == ["shop-42.example.org"]
            [rule] = route["spec"]["rules"]
            assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
            [backend] = rule["backendRefs"]
            service = manifest.one("Service", backend["name"])
            assert backend["port"] in [port["port"] for port in service["spec"]["ports"]]
            assert selects(
                {"matchLabels": service["spec"]["selector"]}, pod_labels(manifest, "wordpress")
            )


def test_tls_follows_the_environment(rendered: Callable[[str], Manifest]) -> None:
    """prod serves HTTPS: through the Gateway's HTTPS listener, or an Ingress with cert-manager;
    local serves plain HTTP."""
    local = rendered("local-ingress").one("Ingress", "store")
    prod = rendered("prod-ingress").one("Ingress", "store")
    assert "tls" not in local["spec"]
    assert "cert-manager.io/cluster-issuer" not in local["metadata"].get("annotations", {})
    assert prod["spec"]["tls"] == [{"hosts": ["demo.localhost"], "secretName": "store-tls"}]
    assert prod["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"

    for environment, listener in (("local", "http"), ("prod", "https")):
        [parent] = rendered(environment).one("HTTPRoute", "store")["spec"]["parentRefs"]
        assert parent == {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": "woo-platform",
            "namespace": "woo-gateway",
            "sectionName": listener,
        }
    storefront = {
        environment: next(
            variable["value"]
            for _, _, spec in rendered(environment).pod_specs()
            for container in all_containers(spec)
            for variable in container.get("env", [])
            if variable["name"] == "WORDPRESS_HOME_URL"
        )
        for environment in ("local", "prod")
    }
    assert storefront == {"local": "http://demo.localhost", "prod": "https://demo.localhost"}


def secret_file_paths(spec: dict[str, Any], container: dict[str, Any]) -> dict[str, str]:
    """Mount path -> Secret name, for the Secret volumes this container mounts."""
    secrets = {
        volume["name"]: volume["secret"]["secretName"]
        for volume in spec.get("volumes", [])
        if "secret" in volume
    }
    return {
        mount["mountPath"]: secrets[mount["name"]]
        for mount in container.get("volumeMounts", [])
        if mount["name"] in secrets
    }


def test_no_password_in_any_object_except_through_secret_key_ref(manifest: Manifest) -> None:
    """Secrets reach pods only from Secrets: through secretKeyRef, or as files of a mounted Secret
    volume named by a *_FILE variable (the backup Jobs' database and restic passwords)."""
    assert manifest.of_kind("Secret") == []
    secret_refs = set()
    secret_files = set()
    for where, _, spec in manifest.pod_specs():
        for container in all_containers(spec):
            mounted = secret_file_paths(spec, container)
            for variable in container.get("env", []):
                sensitive = any(
                    word in variable["name"] for word in ("PASSWORD", "SECRET", "TOKEN")
                )
                if sensitive and variable["name"].endswith("_FILE"):
                    directory, _, key = variable["value"].rpartition("/")
                    assert directory in mounted, (where, variable["name"])
                    secret_files.add((mounted[directory], key))
                elif sensitive:
                    assert "value" not in variable, (where, variable["name"])
                    ref = variable["valueFrom"]["secretKeyRef"]
                    secret_refs.add((ref["name"], ref["key"]))
                elif "valueFrom" in variable:
                    assert "secretKeyRef" in variable["valueFrom"], (where, variable["name"])
    assert secret_refs == {
        ("store-db-credentials", "mariadb-root-password"),
        ("store-db-credentials", "mariadb-password"),
        ("store-admin-credentials", "admin-password"),
        ("store-backup", "aws-secret-access-key"),
    }
    assert secret_files == {
        ("store-db-credentials", "mariadb-password"),
        ("store-backup", "restic-password"),
        ("store-backup", "source-restic-password"),
    }
    wp_config = manifest.one("ConfigMap", "store-wordpress-config")["data"]["wp-config.php"]
    assert "define( 'DB_PASSWORD', woo_platform_env( 'WORDPRESS_DB_PASSWORD' ) );" in wp_config

    def keys(node: Any) -> list[str]:
        if isinstance(node, dict):
            return [*node, *(key for value in node.values() for key in keys(value))]
        if isinstance(node, list):
            return [key for item in node for key in keys(item)]
        return []

    for obj in manifest.objects:
        assert not [key for key in keys(obj) if "password" in key.lower()], obj["metadata"]["name"]


# --- workloads ------------------------------------------------------------------------------


def test_long_running_containers_have_probes_and_jobs_have_deadlines(manifest: Manifest) -> None:
    for obj in manifest.of_kind("Deployment") + manifest.of_kind("StatefulSet"):
        for container in obj["spec"]["template"]["spec"]["containers"]:
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                assert probe in container, (obj["metadata"]["name"], container["name"], probe)
    for job in manifest.of_kind("Job"):
        assert job["spec"]["activeDeadlineSeconds"] > 0
    for cronjob in manifest.of_kind("CronJob"):
        assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
        assert cronjob["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] > 0
    for pod in manifest.of_kind("Pod"):
        assert pod["spec"]["activeDeadlineSeconds"] > 0


def test_wordpress_readiness_waits_for_an_installed_store(manifest: Manifest) -> None:
    container = manifest.one("Deployment", "store-wordpress")["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/woo-healthz.php"
    assert container["livenessProbe"]["httpGet"]["path"].endswith(".gif")
    mounts = {mount["mountPath"]: mount for mount in container["volumeMounts"]}
    assert mounts["/var/www/html/woo-healthz.php"]["subPath"] == "woo-healthz.php"
    configmap = manifest.one("ConfigMap", "store-wordpress-config")
    assert "'siteurl'" in configmap["data"]["woo-healthz.php"]
    assert "http_response_code( 503 )" in configmap["data"]["woo-healthz.php"]


def test_images_are_official_or_built_from_them_and_pinned(manifest: Manifest) -> None:
    for where, _, spec in manifest.pod_specs():
        for container in all_containers(spec):
            repository, _, tag = container["image"].rpartition(":")
            assert repository in {*OFFICIAL_IMAGES, PREBUILT_IMAGE}, (where, container["image"])
            assert tag and tag != "latest", (where, container["image"])
            assert "bitnami" not in container["image"]


def dockerfile_default(name: str) -> str:
    match = re.search(rf"^ARG {name}=(\S+)$", PREBUILT_DOCKERFILE.read_text(), re.MULTILINE)
    assert match is not None, name
    return match.group(1)


def test_local_uses_the_prebuilt_image_the_dockerfile_builds(
    rendered: Callable[[str], Manifest],
) -> None:
    """The fast path: local stores run the prebuilt image, whose tag names the official WordPress
    tag it is built from and the WooCommerce inside, which must be the version the chart expects,
    so the setup Job copies instead of downloading."""
    local = rendered("local")
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    wordpress_tag = dockerfile_default("WORDPRESS_TAG")
    woocommerce_version = dockerfile_default("WOOCOMMERCE_VERSION")
    assert wordpress_tag == defaults["wordpress"]["image"]["tag"]
    assert woocommerce_version == defaults["woocommerce"]["version"]
    wordpress = local.one("Deployment", "store-wordpress")["spec"]["template"]["spec"]
    expected = f"{PREBUILT_IMAGE}:{wordpress_tag}-wc{woocommerce_version}"
    assert wordpress["containers"][0]["image"] == expected
    [job] = local.of_kind("Job")
    env = {
        v["name"]: v.get("value") for v in job["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert (env["WOOCOMMERCE_SOURCE"], env["WOOCOMMERCE_VERSION"]) == ("image", woocommerce_version)
    assert job["spec"]["template"]["spec"]["initContainers"][0]["image"] == expected
    for environment in ("prod", "default"):
        official = rendered(environment).one("Deployment", "store-wordpress")
        assert official["spec"]["template"]["spec"]["containers"][0]["image"].startswith(
            "wordpress:"
        )


def test_every_object_has_the_standard_labels(manifest: Manifest) -> None:
    for obj in manifest.objects:
        labels = obj["metadata"]["labels"]
        for key in STANDARD_LABELS:
            assert key in labels, (obj["kind"], obj["metadata"]["name"], key)
        assert labels["app.kubernetes.io/instance"] == "store"
        assert labels["app.kubernetes.io/part-of"] == "woo-platform"


def test_selectors_use_only_stable_labels(manifest: Manifest) -> None:
    for obj in manifest.of_kind("Deployment") + manifest.of_kind("StatefulSet"):
        assert set(obj["spec"]["selector"]["matchLabels"]) == SELECTOR_KEYS
    for service in manifest.of_kind("Service"):
        assert set(service["spec"]["selector"]) == SELECTOR_KEYS


def test_workload_components_match_the_orchestrator_contract(manifest: Manifest) -> None:
    components = {
        (obj["kind"], obj["metadata"]["labels"]["app.kubernetes.io/component"])
        for obj in manifest.of_kind("Deployment")
        + manifest.of_kind("StatefulSet")
        + manifest.of_kind("Job")
    }
    assert components == {("Deployment", "wordpress"), ("StatefulSet", "mariadb"), ("Job", "setup")}
    assert manifest.one("Deployment", "store-wordpress")
    assert manifest.one("StatefulSet", "store-mariadb")


def test_pod_templates_roll_when_their_configuration_changes(helm_bin: Path) -> None:
    def checksums(manifest: Manifest) -> dict[str, dict[str, str]]:
        return {
            f"{obj['kind']}/{obj['metadata']['name']}": {
                key: value
                for key, value in obj["spec"]["template"]["metadata"]["annotations"].items()
                if key.startswith("checksum/")
            }
            for obj in manifest.of_kind("Deployment")
            + manifest.of_kind("StatefulSet")
            + manifest.of_kind("Job")
        }

    before = checksums(render(helm_bin, "local"))
    assert all(before.values())
    after_php = checksums(render(helm_bin, "local", "--set", "wordpress.php.memoryLimit=384M"))
    assert after_php["Deployment/store-wordpress"] != before["Deployment/store-wordpress"]
    assert after_php["StatefulSet/store-mariadb"] == before["StatefulSet/store-mariadb"]
    after_db = checksums(render(helm_bin, "local", "--set", "mariadb.config.maxConnections=55"))
    assert after_db["StatefulSet/store-mariadb"] != before["StatefulSet/store-mariadb"]
    assert after_db["Deployment/store-wordpress"] == before["Deployment/store-wordpress"]


# --- the setup Job contract ------------------------------------------------------------------


def test_setup_job_is_a_plain_job_named_per_revision(manifest: Manifest) -> None:
    [job] = manifest.of_kind("Job")
    assert job["metadata"]["name"] == "store-setup-r1"
    assert "helm.sh/hook" not in job["metadata"].get("annotations", {})
    for labels in (job["metadata"]["labels"], job["spec"]["template"]["metadata"]["labels"]):
        assert labels["app.kubernetes.io/component"] == "setup"
        assert labels["woo-platform/release-revision"] == "1"
        assert labels["app.kubernetes.io/instance"] == "store"
    assert job["spec"]["ttlSecondsAfterFinished"] >= 3600
    assert 1 <= job["spec"]["backoffLimit"] <= 6
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    setup = job["spec"]["template"]["spec"]["containers"][0]
    assert setup["terminationMessagePolicy"] == "FallbackToLogsOnError"
    rules = job["spec"]["podFailurePolicy"]["rules"]
    assert {"action": "FailJob", "onExitCodes": {"operator": "In", "values": [3]}} in rules


def test_wordpress_and_the_setup_job_prepare_the_docroot_with_the_charts_script(
    manifest: Manifest,
) -> None:
    """Both pods build the docroot with files/prepare-docroot.sh, as uid 33 (the image's own
    tar copy fails on volumes uid 33 does not own); WordPress then runs the image's entrypoint
    and command, the Job's init container only prepares."""
    script = "/usr/local/bin/prepare-docroot.sh"
    mount = {
        "name": "config",
        "mountPath": script,
        "subPath": "prepare-docroot.sh",
        "readOnly": True,
    }
    config = manifest.one("ConfigMap", "store-wordpress-config")
    assert config["data"]["prepare-docroot.sh"].startswith("#!/bin/bash")
    wordpress_pod = manifest.one("Deployment", "store-wordpress")["spec"]["template"]["spec"]
    job_pod = manifest.of_kind("Job")[0]["spec"]["template"]["spec"]
    [wordpress] = wordpress_pod["containers"]
    [docroot] = job_pod["initContainers"]
    assert wordpress["command"] == ["bash", script, "docker-entrypoint.sh", "apache2-foreground"]
    assert "args" not in wordpress
    assert docroot["command"] == ["bash", script]
    assert docroot["image"] == wordpress["image"]
    for pod, container in ((wordpress_pod, wordpress), (job_pod, docroot)):
        assert mount in container["volumeMounts"]
        volumes = {volume["name"]: volume for volume in pod["volumes"]}
        assert volumes["config"]["configMap"]["name"] == "store-wordpress-config"
        assert pod["securityContext"]["runAsUser"] == 33
        assert pod["securityContext"]["fsGroup"] == 33
        assert "runAsUser" not in container["securityContext"]


def test_setup_job_writes_into_the_wordpress_volume(rendered: Callable[[str], Manifest]) -> None:
    for environment in ENVIRONMENTS:
        manifest = rendered(environment)
        deployment = manifest.one("Deployment", "store-wordpress")
        job_spec = manifest.of_kind("Job")[0]["spec"]["template"]["spec"]
        claim = "store-wordpress-content"
        for spec in (deployment["spec"]["template"]["spec"], job_spec):
            volumes = {v["name"]: v for v in spec["volumes"]}
            assert volumes["content"]["persistentVolumeClaim"]["claimName"] == claim
            for container in spec["containers"]:
                assert {"name": "content", "mountPath": "/var/www/html/wp-content"} in container[
                    "volumeMounts"
                ]


def test_rwo_content_colocates_the_job_and_recreates_wordpress(
    rendered: Callable[[str], Manifest],
) -> None:
    local = rendered("local")
    affinity = local.of_kind("Job")[0]["spec"]["template"]["spec"]["affinity"]["podAffinity"]
    [term] = affinity["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert selects(term["labelSelector"], pod_labels(local, "wordpress"))
    assert local.one("Deployment", "store-wordpress")["spec"]["strategy"] == {"type": "Recreate"}

    prod = rendered("prod")
    assert "affinity" not in prod.of_kind("Job")[0]["spec"]["template"]["spec"]
    strategy = prod.one("Deployment", "store-wordpress")["spec"]["strategy"]
    assert strategy == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }


def test_pdb_only_in_prod(rendered: Callable[[str], Manifest]) -> None:
    assert rendered("local").of_kind("PodDisruptionBudget") == []
    [pdb] = rendered("prod").of_kind("PodDisruptionBudget")
    assert pdb["spec"]["minAvailable"] == 1
    assert selects(pdb["spec"]["selector"], pod_labels(rendered("prod"), "wordpress"))
    assert rendered("prod").one("Deployment", "store-wordpress")["spec"]["replicas"] == 2


def test_names_fit_kubernetes_limits(manifest: Manifest) -> None:
    for obj in manifest.objects:
        name = obj["metadata"]["name"]
        assert len(name) <= (52 if obj["kind"] == "StatefulSet" else 63), name


def test_long_release_names_keep_names_valid(helm_bin: Path) -> None:
    result = run_helm(helm_bin, "template", "s" * 53, str(CHART), *values_args("local"))
    assert result.returncode == 0, result.stderr
    for obj in (doc for doc in yaml.safe_load_all(result.stdout) if doc):
        name = obj["metadata"]["name"]
        assert len(name) <= (52 if obj["kind"] == "StatefulSet" else 63), name
