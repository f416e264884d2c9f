"""Level 4 for the platform chart: it lints strictly, renders objects Kubernetes 1.30, 1.33 and
1.37 accept (its HTTPRoute: Gateway API's CRD schema) with its defaults and with production-like
values, documents every value, refuses bad values, and renders what running the orchestrator in
a cluster needs."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.config import REPO_ROOT, Settings
from orchestrator.plans import BUILT_IN, load_plans
from orchestrator.versions.catalogue import load_versions
from tests.chart.chart_docs import annotated, readme_parameters, undocumented_values
from tests.chart.conftest import (
    KUBERNETES_VERSIONS,
    Manifest,
    assert_valid_for_kubernetes,
    run_helm,
)
from tests.chart.test_lint_and_validate import GATEWAY_API_KINDS, check_httproutes
from tests.deploy.platform_chart import (
    PLATFORM_CHART,
    SERVICE_MONITOR_API,
    VALUES_SETS,
    render_platform,
    values_args,
)

FULLNAME = "woo-platform"
SCHEMA_ERROR = "values don't meet the specifications of the schema"


@pytest.fixture(scope="module")
def rendered(helm_bin: Path) -> dict[str, Manifest]:
    return {name: render_platform(helm_bin, name) for name in VALUES_SETS}


def orchestrator_pod(manifest: Manifest) -> dict[str, Any]:
    spec: dict[str, Any] = manifest.one("Deployment", FULLNAME)["spec"]["template"]["spec"]
    return spec


def env_of(manifest: Manifest) -> dict[str, Any]:
    container = orchestrator_pod(manifest)["containers"][0]
    return {item["name"]: item.get("value", item.get("valueFrom")) for item in container["env"]}


@pytest.mark.parametrize("values_set", list(VALUES_SETS))
def test_helm_lint_strict_passes(helm_bin: Path, values_set: str) -> None:
    result = run_helm(helm_bin, "lint", "--strict", str(PLATFORM_CHART), *values_args(values_set))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout


@pytest.mark.parametrize("values_set", list(VALUES_SETS))
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_kubernetes_validate_strict_accepts_every_object(
    rendered: dict[str, Manifest], tmp_path: Path, values_set: str, version: str
) -> None:
    assert_valid_for_kubernetes(
        rendered[values_set], version, tmp_path, validated_elsewhere=GATEWAY_API_KINDS
    )


def test_httproute_meets_the_gateway_api_crd_schema(
    rendered: dict[str, Manifest], tmp_path: Path
) -> None:
    routes = rendered["default"].of_kind("HTTPRoute")
    assert len(routes) == 1
    result = check_httproutes(tmp_path, routes)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dev_database_renders_valid_objects(helm_bin: Path, tmp_path: Path) -> None:
    manifest = render_platform(helm_bin, "default", "--set", "postgresql.enabled=true")
    assert_valid_for_kubernetes(
        manifest, KUBERNETES_VERSIONS[-1], tmp_path, validated_elsewhere=GATEWAY_API_KINDS
    )


# --- pods ---------------------------------------------------------------------------------
@pytest.mark.parametrize("values_set", list(VALUES_SETS))
def test_every_pod_passes_pod_security_restricted(helm_bin: Path, values_set: str) -> None:
    manifest = render_platform(helm_bin, values_set, "--set", "postgresql.enabled=true")
    pods = manifest.pod_specs()
    assert {name for name, _, _ in pods} >= {
        f"Deployment/{FULLNAME}",
        f"StatefulSet/{FULLNAME}-postgresql",
        f"Pod/{FULLNAME}-test-readyz",
    }
    for name, _, spec in pods:
        pod_context = spec["securityContext"]
        assert pod_context["runAsNonRoot"] is True, name
        assert isinstance(pod_context["runAsUser"], int) and pod_context["runAsUser"] > 0, name
        assert pod_context["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert not any(key.startswith("host") for key in spec), name
        for container in spec["containers"] + spec.get("initContainers", []):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert set(container["resources"]) == {"requests", "limits"}, name
        for volume in spec.get("volumes", []):
            assert set(volume) - {"name"} <= {"emptyDir", "configMap", "secret"}, name


def test_orchestrator_probes_use_healthz_and_readyz(rendered: dict[str, Manifest]) -> None:
    container = orchestrator_pod(rendered["default"])["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]


def test_the_kubelet_waits_longer_than_the_orchestrators_own_stop(
    rendered: dict[str, Manifest], helm_bin: Path
) -> None:
    # The orchestrator gives up on its work at WOO_SHUTDOWN_SECONDS and says what it left; a
    # SIGKILL before that would cut the log short and leave the leases to run out.
    default = rendered["default"]
    data = default.one("ConfigMap", FULLNAME)["data"]
    assert orchestrator_pod(default)["terminationGracePeriodSeconds"] == 30
    assert int(data["WOO_SHUTDOWN_SECONDS"]) == 20
    longer = render_platform(helm_bin, "default", "--set", "settings.shutdownSeconds=50")
    assert orchestrator_pod(longer)["terminationGracePeriodSeconds"] == 60


def test_replicas_spread_and_a_disruption_budget_above_one(rendered: dict[str, Manifest]) -> None:
    assert rendered["default"].of_kind("PodDisruptionBudget") == []
    production = rendered["production"]
    assert production.one("Deployment", FULLNAME)["spec"]["replicas"] == 3
    budget = production.one("PodDisruptionBudget", FULLNAME)
    assert budget["spec"]["maxUnavailable"] == 1
    selector = production.one("Deployment", FULLNAME)["spec"]["selector"]["matchLabels"]
    assert budget["spec"]["selector"]["matchLabels"] == selector
    spread = orchestrator_pod(production)["topologySpreadConstraints"]
    assert spread[0]["topologyKey"] == "kubernetes.io/hostname"
    assert spread[0]["labelSelector"]["matchLabels"] == selector


# --- settings and secrets -------------------------------------------------------------------
def test_settings_become_the_orchestrators_own_variables(rendered: dict[str, Manifest]) -> None:
    data = rendered["production"].one("ConfigMap", FULLNAME)["data"]
    fields = set(Settings.model_fields)
    for variable in data:
        assert variable.startswith("WOO_") and variable[4:].lower() in fields, variable
    assert data["WOO_BASE_DOMAIN"] == "shops.example.com"
    assert data["WOO_MAX_CONCURRENCY"] == "8"
    assert data["WOO_HELM_TIMEOUT_SECONDS"] == "180"
    # What the chart sets must be what the orchestrator accepts.
    settings = Settings(**{variable[4:].lower(): value for variable, value in data.items()})
    # Lists travel comma-separated; an unset (null) cap is left out, keeping the default.
    assert settings.allowed_domain_suffixes == ["brand.example.org", "shops.example.net"]
    assert settings.cors_origins == ["https://console.example.com"]
    assert settings.max_stores_per_token == 20
    assert "WOO_MAX_STORES_PER_TOKEN" not in rendered["default"].one("ConfigMap", FULLNAME)["data"]


def test_chart_defaults_match_the_orchestrators_defaults() -> None:
    settings = yaml.safe_load((PLATFORM_CHART / "values.yaml").read_text())["settings"]
    defaults = Settings.model_fields
    for key, value in settings.items():
        field = re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()
        if key == "baseDomain":
            continue
        assert defaults[field].get_default(call_default_factory=True) == value, key


def test_a_catalogue_is_mounted_where_the_settings_point(helm_bin: Path, tmp_path: Path) -> None:
    """catalogue.plans and catalogue.versions become files the orchestrator reads and checks
    at start (the default has neither: the built-in catalogue)."""
    values = tmp_path / "catalogue.yaml"
    values.write_text(
        yaml.safe_dump(
            {
                "catalogue": {
                    "plans": {"small": BUILT_IN["small"] | {"php_workers": 2}},
                    "versions": {
                        "2026.12": {"wordpress": "7.1.2", "woocommerce": "11.2.0", "chart": "0.1.0"}
                    },
                }
            }
        )
    )
    manifest = render_platform(helm_bin, "default", "-f", str(values))
    data = manifest.one("ConfigMap", FULLNAME)["data"]
    files = manifest.one("ConfigMap", f"{FULLNAME}-catalogue")["data"]
    pod = orchestrator_pod(manifest)
    [mount] = [m for c in pod["containers"] for m in c["volumeMounts"] if m["name"] == "catalogue"]
    for variable, name in (
        ("WOO_PLANS_FILE", "plans.yaml"),
        ("WOO_VERSIONS_FILE", "versions.yaml"),
    ):
        assert data[variable] == f"{mount['mountPath']}/{name}"
        (tmp_path / name).write_text(files[name])
    plans = load_plans(tmp_path / "plans.yaml")
    assert plans["small"].php_workers == 2
    versions = load_versions(tmp_path / "versions.yaml", REPO_ROOT / "helm" / "woocommerce")
    assert list(versions) == ["2026.12"]
    default = render_platform(helm_bin, "default")
    assert "WOO_PLANS_FILE" not in default.one("ConfigMap", FULLNAME)["data"]
    assert [c["metadata"]["name"] for c in default.of_kind("ConfigMap")].count(
        f"{FULLNAME}-catalogue"
    ) == 0


def test_database_url_and_token_come_from_existing_secrets(rendered: dict[str, Manifest]) -> None:
    env = env_of(rendered["default"])
    assert env["WOO_DATABASE_URL"] == {
        "secretKeyRef": {"name": "woo-platform-database", "key": "url"}
    }
    assert env["WOO_API_TOKEN"] == {
        "secretKeyRef": {"name": "woo-platform-api-token", "key": "token"}
    }
    assert env["WOO_REPLICA_ID"] == {"fieldRef": {"fieldPath": "metadata.name"}}
    assert rendered["default"].of_kind("Secret") == []


def test_dev_database_is_off_by_default_and_wired_when_on(
    rendered: dict[str, Manifest], helm_bin: Path
) -> None:
    assert rendered["default"].of_kind("StatefulSet") == []
    manifest = render_platform(helm_bin, "default", "--set", "postgresql.enabled=true")
    name = f"{FULLNAME}-postgresql"
    statefulset = manifest.one("StatefulSet", name)
    assert (
        statefulset["spec"]["template"]["spec"]["containers"][0]["image"]
        == "postgres:17.6-bookworm"
    )
    assert statefulset["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"] == {
        "storage": "1Gi"
    }
    assert env_of(manifest)["WOO_DATABASE_URL"] == {"secretKeyRef": {"name": name, "key": "url"}}
    secret = manifest.one("Secret", name)
    assert set(secret["data"]) == {"password", "url"}
    # The generated password is in the Secret only, never in the Deployment or a ConfigMap.
    password = base64.b64decode(secret["data"]["password"]).decode()
    assert len(password) == 32
    others = [obj for obj in manifest.objects if obj["kind"] != "Secret"]
    assert password not in yaml.safe_dump_all(others)


# --- exposure -------------------------------------------------------------------------------
def test_route_on_the_stores_gateway_by_default(rendered: dict[str, Manifest]) -> None:
    manifest = rendered["default"]
    assert manifest.of_kind("Ingress") == []
    route = manifest.one("HTTPRoute", FULLNAME)
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert route["spec"]["parentRefs"] == [{"name": "woo-platform", "namespace": "woo-gateway"}]
    assert route["spec"]["hostnames"] == ["platform.localhost"]
    assert route["spec"]["rules"][0]["backendRefs"] == [{"name": FULLNAME, "port": 80}]


def test_route_attaches_to_the_named_gateway_and_listener(helm_bin: Path) -> None:
    manifest = render_platform(
        helm_bin,
        "default",
        "--set",
        "gateway.name=public",
        "--set",
        "gateway.namespace=gateways",
        "--set",
        "gateway.sectionName=platform",
    )
    route = manifest.one("HTTPRoute", FULLNAME)
    assert route["spec"]["parentRefs"] == [
        {"name": "public", "namespace": "gateways", "sectionName": "platform"}
    ]


def test_ingress_with_tls_instead_of_a_route(rendered: dict[str, Manifest]) -> None:
    manifest = rendered["production"]
    assert manifest.of_kind("HTTPRoute") == []
    ingress = manifest.one("Ingress", FULLNAME)
    assert ingress["spec"]["ingressClassName"] == "traefik"
    assert ingress["spec"]["tls"] == [
        {"hosts": ["platform.example.com"], "secretName": "woo-platform-tls"}
    ]
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt"


def test_no_exposure_leaves_the_service_only(helm_bin: Path) -> None:
    manifest = render_platform(helm_bin, "default", "--set", "exposure.type=none")
    assert manifest.of_kind("Ingress") == [] and manifest.of_kind("HTTPRoute") == []
    assert manifest.one("Service", FULLNAME)["spec"]["ports"][0]["targetPort"] == "http"


def test_service_monitor_only_where_the_crd_exists(helm_bin: Path) -> None:
    without_crd = render_platform(helm_bin, "production")
    assert without_crd.of_kind("ServiceMonitor") == []
    with_crd = render_platform(helm_bin, "production", "--api-versions", SERVICE_MONITOR_API)
    monitor = with_crd.one("ServiceMonitor", FULLNAME)
    assert monitor["metadata"]["labels"]["release"] == "prometheus"
    assert monitor["spec"]["endpoints"] == [{"port": "http", "path": "/metrics", "interval": "30s"}]
    disabled = render_platform(helm_bin, "default", "--api-versions", SERVICE_MONITOR_API)
    assert disabled.of_kind("ServiceMonitor") == []


def test_network_policy_allows_only_the_needed_paths(rendered: dict[str, Manifest]) -> None:
    policy = rendered["production"].one("NetworkPolicy", FULLNAME)["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    sources = policy["ingress"][0]["from"]
    assert {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "traefik"}},
    } in sources
    assert {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}
    } in sources
    destinations = [
        (rule["to"][0], [p["port"] for p in rule["ports"]]) for rule in policy["egress"]
    ]
    assert ({"ipBlock": {"cidr": "10.0.0.1/32"}}, [443, 6443]) in destinations
    assert ({"ipBlock": {"cidr": "10.20.0.0/16"}}, [5432]) in destinations
    assert len(destinations) == 3  # DNS, API server, database
    default_sources = rendered["default"].one("NetworkPolicy", FULLNAME)["spec"]["ingress"][0]
    # Envoy Gateway's namespace and the test pod; no Prometheus without a ServiceMonitor.
    assert default_sources["from"][0] == {
        "namespaceSelector": {
            "matchLabels": {"kubernetes.io/metadata.name": "envoy-gateway-system"}
        }
    }
    assert len(default_sources["from"]) == 2


def test_helm_test_calls_readyz(rendered: dict[str, Manifest]) -> None:
    pod = rendered["default"].one("Pod", f"{FULLNAME}-test-readyz")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    script = pod["spec"]["containers"][0]["command"][-1]
    assert f"http://{FULLNAME}:80/readyz" in script


# --- bad values ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "values",
    [
        pytest.param("replicaCount: 0\n", id="zero-replicas"),
        pytest.param("image:\n  tag: latest\n", id="tag-latest"),
        pytest.param("databaseUrl: postgresql://u:p@h/db\n", id="url-in-values"),
        pytest.param("auth:\n  token: hunter2\n", id="token-in-values"),
        pytest.param("exposure:\n  type: loadBalancer\n", id="unknown-exposure"),
        pytest.param("exposure:\n  host: Platform.Example.com\n", id="host-uppercase"),
        pytest.param("settings:\n  maxConcurrency: 0\n", id="concurrency-zero"),
        pytest.param("settings:\n  unknownSetting: 1\n", id="unknown-setting"),
        pytest.param("networkPolicy:\n  apiServerCIDR: 10.0.0.1\n", id="cidr-without-prefix"),
        pytest.param("resources:\n  limits:\n    memory: 1GB\n", id="memory-units"),
    ],
)
def test_schema_refuses_bad_values(helm_bin: Path, tmp_path: Path, values: str) -> None:
    override = tmp_path / "override.yaml"
    override.write_text(values)
    result = run_helm(helm_bin, "template", "w", str(PLATFORM_CHART), "-f", str(override))
    assert result.returncode != 0, f"accepted:\n{values}"
    assert SCHEMA_ERROR in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (["database.existingSecret="], "database.existingSecret is required"),
        (["gateway.name="], "exposure.type=gatewayAPI needs gateway.name"),
        (
            ["settings.helmTimeoutSeconds=600", "settings.stepDeadlineSeconds=610"],
            "settings.stepDeadlineSeconds must exceed settings.helmTimeoutSeconds by at least 20",
        ),
    ],
)
def test_render_refuses_inconsistent_values(
    helm_bin: Path, settings: list[str], message: str
) -> None:
    args = [arg for setting in settings for arg in ("--set", setting)]
    result = run_helm(helm_bin, "template", "w", str(PLATFORM_CHART), *args)
    assert result.returncode != 0
    assert "woo-platform chart: invalid values" in result.stderr
    assert message in result.stderr


# --- documentation ---------------------------------------------------------------------------
def test_every_value_is_annotated() -> None:
    assert undocumented_values(PLATFORM_CHART) == []


def test_readme_lists_exactly_the_annotated_values() -> None:
    assert readme_parameters(PLATFORM_CHART) == annotated(PLATFORM_CHART)


def test_readme_permissions_table_is_the_cluster_role(rendered: dict[str, Manifest]) -> None:
    readme = (PLATFORM_CHART / "README.md").read_text()
    section = readme.split("## Permissions", 1)[1].split("\n## ", 1)[0]
    documented = set()
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("API group", "---"):
            continue
        group = "" if cells[0] == "core" else cells[0].strip("`")
        for resource in re.findall(r"`([a-z]+(?:/[a-z]+)?)`", cells[1]):
            for verb in cells[2].split(", "):
                documented.add((verb, group, resource))
    rules = rendered["default"].one("ClusterRole", FULLNAME)["rules"]
    granted = {
        (verb, group, resource)
        for rule in rules
        for verb in rule["verbs"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
    }
    assert documented == granted


# --- tracing ---------------------------------------------------------------------------------
def test_tracing_is_off_unless_an_endpoint_is_given(rendered: dict[str, Manifest]) -> None:
    data = rendered["default"].one("ConfigMap", FULLNAME)["data"]
    assert "WOO_OTLP_ENDPOINT" not in data
    egress = rendered["default"].one("NetworkPolicy", FULLNAME)["spec"]["egress"]
    assert all(rule["ports"][0]["port"] != 4318 for rule in egress)


def test_tracing_endpoint_reaches_the_orchestrator_and_the_collector(helm_bin: Path) -> None:
    endpoint = "http://otel-collector.observability:4318/v1/traces"
    manifest = render_platform(
        helm_bin,
        "default",
        "--set",
        f"tracing.otlpEndpoint={endpoint}",
        "--set-json",
        "tracing.sampleRatio=0.25",
        "--set",
        "tracing.collectorNamespace=observability",
    )
    data = manifest.one("ConfigMap", FULLNAME)["data"]
    settings = Settings(**{variable[4:].lower(): value for variable, value in data.items()})
    assert (settings.otlp_endpoint, settings.trace_sample_ratio) == (endpoint, 0.25)
    egress = manifest.one("NetworkPolicy", FULLNAME)["spec"]["egress"]
    assert {
        "to": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}}
        ],
        "ports": [{"port": 4318, "protocol": "TCP"}],
    } in egress


# --- store credentials in Vault -----------------------------------------------------------------
def test_vault_backend_wires_address_token_and_network_path(helm_bin: Path) -> None:
    manifest = render_platform(
        helm_bin,
        "default",
        "--set",
        "secrets.backend=vault",
        "--set",
        "secrets.vault.address=https://openbao.openbao:8200",
    )
    data = manifest.one("ConfigMap", FULLNAME)["data"]
    settings = Settings(
        **{variable[4:].lower(): value for variable, value in data.items()}, vault_token="t"
    )
    assert settings.secrets_backend == "vault"
    assert settings.vault_addr == "https://openbao.openbao:8200"
    assert (settings.vault_kv_mount, settings.vault_path_prefix) == (
        "secret",
        "woo-platform/stores",
    )
    container = manifest.one("Deployment", FULLNAME)["spec"]["template"]["spec"]["containers"][0]
    token = next(env for env in container["env"] if env["name"] == "WOO_VAULT_TOKEN")
    assert token["valueFrom"]["secretKeyRef"] == {
        "name": "woo-platform-vault-token",
        "key": "token",
    }
    egress = manifest.one("NetworkPolicy", FULLNAME)["spec"]["egress"]
    assert {
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "openbao"}}}],
        "ports": [{"port": 8200, "protocol": "TCP"}],
    } in egress


def test_kubernetes_backend_needs_no_vault(rendered: dict[str, Manifest]) -> None:
    data = rendered["default"].one("ConfigMap", FULLNAME)["data"]
    assert not {key for key in data if "VAULT" in key or key == "WOO_SECRETS_BACKEND"}
    container = rendered["default"].one("Deployment", FULLNAME)["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert "WOO_VAULT_TOKEN" not in {env["name"] for env in container["env"]}


def test_vault_backend_without_an_address_is_refused(helm_bin: Path) -> None:
    result = run_helm(
        helm_bin, "template", "w", str(PLATFORM_CHART), "--set", "secrets.backend=vault"
    )
    assert result.returncode != 0
    assert "secrets.backend=vault needs secrets.vault.address" in result.stderr


def test_vault_kubernetes_auth_uses_the_service_account_not_a_token(helm_bin: Path) -> None:
    vault = ["--set", "secrets.backend=vault", "--set", "secrets.vault.address=http://bao:8200"]
    manifest = render_platform(
        helm_bin,
        "default",
        *vault,
        "--set",
        "secrets.vault.auth=kubernetes",
        "--set",
        "secrets.vault.kubernetesRole=woo-platform",
    )
    data = manifest.one("ConfigMap", FULLNAME)["data"]
    settings = Settings(**{variable[4:].lower(): value for variable, value in data.items()})
    assert (settings.vault_auth, settings.vault_kubernetes_role) == ("kubernetes", "woo-platform")
    container = manifest.one("Deployment", FULLNAME)["spec"]["template"]["spec"]["containers"][0]
    assert "WOO_VAULT_TOKEN" not in {env["name"] for env in container["env"]}
    without_role = run_helm(
        helm_bin,
        "template",
        "w",
        str(PLATFORM_CHART),
        *vault,
        "--set",
        "secrets.vault.auth=kubernetes",
    )
    assert without_role.returncode != 0
    assert "secrets.vault.auth=kubernetes needs secrets.vault.kubernetesRole" in without_role.stderr
