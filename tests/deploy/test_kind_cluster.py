"""The kind cluster's pieces agree with each other: the host port reaches the Gateway's node port,
and the platform and the stores, rendered by their charts with exactly the values the cluster
installs them with, attach to the one Gateway `scripts/kind/gateway.yaml` creates, on listeners
that admit their namespaces, and let in only that Gateway's Envoy proxies."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.config import REPO_ROOT
from orchestrator.models import Store
from orchestrator.provisioning.store_values import namespace_labels
from tests.chart.conftest import (
    KUBERNETES_VERSIONS,
    Manifest,
    assert_valid_for_kubernetes,
    render,
)
from tests.chart.test_pod_security import violations
from tests.deploy.platform_chart import render_platform

KIND = REPO_ROOT / "scripts" / "kind"
CLUSTER_UP = (KIND / "cluster-up.sh").read_text()
VALUES_LOCAL = yaml.safe_load((REPO_ROOT / "values-local.yaml").read_text())
OWNING_GATEWAY = "gateway.envoyproxy.io/owning-gateway-"


def shell_variable(name: str) -> str:
    """A plain `name=value` assignment of cluster-up.sh."""
    match = re.search(rf"^{name}=(\S+)$", CLUSTER_UP, re.MULTILINE)
    assert match, f"cluster-up.sh assigns no {name}"
    return match.group(1)


def gateway_objects(text: str) -> dict[str, dict[str, Any]]:
    return {obj["kind"]: obj for obj in yaml.safe_load_all(text) if obj}


def node_port_problems(cluster: dict[str, Any], gateway: dict[str, dict[str, Any]]) -> list[str]:
    """Why the host's port 80 would not reach the Gateway's listeners (empty: it does)."""
    problems = []
    proxy = gateway["EnvoyProxy"]
    service = proxy["spec"]["provider"]["kubernetes"]["envoyService"]
    if service.get("type") != "NodePort":
        problems.append(f"the Envoy Service is {service.get('type')}, not NodePort")
    patched = {p["port"]: p["nodePort"] for p in service["patch"]["value"]["spec"]["ports"]}
    mapped = {
        m["hostPort"]: m["containerPort"]
        for node in cluster["nodes"]
        for m in node.get("extraPortMappings", [])
    }
    if 80 not in mapped:
        problems.append("cluster.yaml maps no host port 80")
    for listener in gateway["Gateway"]["spec"]["listeners"]:
        node_port = patched.get(listener["port"])
        if node_port is None:
            problems.append(f"listener {listener['name']}: port {listener['port']} has no nodePort")
        elif mapped.get(80) != node_port:
            problems.append(
                f"listener {listener['name']}: nodePort {node_port}, host 80 -> {mapped.get(80)}"
            )
    parameters = gateway["GatewayClass"]["spec"]["parametersRef"]
    if (parameters["kind"], parameters["name"], parameters["namespace"]) != (
        "EnvoyProxy",
        proxy["metadata"]["name"],
        proxy["metadata"]["namespace"],
    ):
        problems.append("the GatewayClass does not take its parameters from the EnvoyProxy")
    if (
        gateway["Gateway"]["spec"]["gatewayClassName"]
        != gateway["GatewayClass"]["metadata"]["name"]
    ):
        problems.append("the Gateway is not of the GatewayClass")
    return problems


CLUSTER = yaml.safe_load((KIND / "cluster.yaml").read_text())
GATEWAY_TEXT = (KIND / "gateway.yaml").read_text()
GATEWAY = gateway_objects(GATEWAY_TEXT)


def listener(name: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        item for item in GATEWAY["Gateway"]["spec"]["listeners"] if item["name"] == name
    ]
    assert len(found) == 1, f"gateway.yaml has no listener {name}"
    return found[0]


def admits(listener: dict[str, Any], namespace_labels: dict[str, str]) -> bool:
    selector = listener["allowedRoutes"]["namespaces"]
    assert selector["from"] == "Selector"
    wanted = selector["selector"]["matchLabels"]
    return all(namespace_labels.get(key) == value for key, value in wanted.items())


def host_matches(listener: dict[str, Any], host: str) -> bool:
    pattern: str = listener["hostname"]
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and "." not in host[: -len(pattern) + 1]
    return host == pattern


def data_plane_peers(network_policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The peers of every ingress rule that come from another namespace."""
    return [
        peer
        for policy in network_policies
        for rule in policy["spec"].get("ingress", [])
        for peer in rule["from"]
        if "namespaceSelector" in peer
    ]


# --- the host port reaches the Gateway -----------------------------------------------------------
def test_host_port_80_reaches_every_listener_through_the_node_port() -> None:
    assert node_port_problems(CLUSTER, GATEWAY) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param("nodePort: 30080", "nodePort: 30081", id="other-node-port"),
        pytest.param("type: NodePort", "type: LoadBalancer", id="load-balancer"),
        pytest.param(
            "      port: 80\n      hostname: p",
            "      port: 8080\n      hostname: p",
            id="listener-port",
        ),
        pytest.param(
            "    name: kind-node-port\n    namespace",
            "    name: other\n    namespace",
            id="class-parameters",
        ),
    ],
)
def test_a_mismatch_between_cluster_and_gateway_is_found(old: str, new: str) -> None:
    assert old in GATEWAY_TEXT
    assert node_port_problems(CLUSTER, gateway_objects(GATEWAY_TEXT.replace(old, new))) != []


def test_cluster_up_installs_the_gateway_it_checks_with_a_pinned_envoy_gateway() -> None:
    assert "--config scripts/kind/cluster.yaml" in CLUSTER_UP
    assert "apply -f scripts/kind/gateway.yaml" in CLUSTER_UP
    assert shell_variable("envoy_gateway_chart") == "oci://docker.io/envoyproxy/gateway-helm"
    assert re.fullmatch(r"v\d+\.\d+\.\d+", shell_variable("envoy_gateway_version"))
    # The proxies run where Envoy Gateway runs; the EnvoyProxy lives there too.
    assert (
        shell_variable("envoy_gateway_namespace") == GATEWAY["EnvoyProxy"]["metadata"]["namespace"]
    )


# --- both charts attach to that Gateway and admit only its proxies --------------------------------
@pytest.fixture(scope="module")
def platform(helm_bin: Path) -> Manifest:
    assert "-f scripts/kind/platform-values.yaml" in CLUSTER_UP
    return render_platform(helm_bin, "default", "-f", str(KIND / "platform-values.yaml"))


@pytest.fixture(scope="module")
def store(helm_bin: Path) -> Manifest:
    return render(helm_bin, "local")


def gateway_ref() -> dict[str, str]:
    return {
        "name": GATEWAY["Gateway"]["metadata"]["name"],
        "namespace": GATEWAY["Gateway"]["metadata"]["namespace"],
    }


def envoy_proxies_of_the_gateway() -> dict[str, Any]:
    return {
        "namespaceSelector": {
            "matchLabels": {
                "kubernetes.io/metadata.name": shell_variable("envoy_gateway_namespace")
            }
        },
        "podSelector": {
            "matchLabels": {
                f"{OWNING_GATEWAY}name": gateway_ref()["name"],
                f"{OWNING_GATEWAY}namespace": gateway_ref()["namespace"],
            }
        },
    }


def test_platform_route_attaches_to_a_listener_that_admits_the_platform_namespace(
    platform: Manifest,
) -> None:
    [route] = platform.of_kind("HTTPRoute")
    [parent] = route["spec"]["parentRefs"]
    assert {"name": parent["name"], "namespace": parent["namespace"]} == gateway_ref()
    entry = listener(parent["sectionName"])
    platform_namespace = shell_variable("namespace")
    assert admits(entry, {"kubernetes.io/metadata.name": platform_namespace})
    assert all(host_matches(entry, host) for host in route["spec"]["hostnames"])
    assert shell_variable("host") in route["spec"]["hostnames"]


def test_store_route_attaches_to_a_listener_that_admits_store_namespaces(store: Manifest) -> None:
    [route] = store.of_kind("HTTPRoute")
    [parent] = route["spec"]["parentRefs"]
    assert {"name": parent["name"], "namespace": parent["namespace"]} == gateway_ref()
    entry = listener(parent["sectionName"])
    labels = namespace_labels(Store(id="s1", store_name="demo", domain="demo.localhost"))
    assert admits(entry, labels)
    assert all(host_matches(entry, host) for host in route["spec"]["hostnames"])
    # The stores' listener does not admit the platform's namespace, nor the reverse.
    assert not admits(entry, {"kubernetes.io/metadata.name": shell_variable("namespace")})
    assert not admits(listener("platform"), labels)


def test_both_charts_admit_exactly_the_gateways_envoy_proxies(
    platform: Manifest, store: Manifest
) -> None:
    expected = envoy_proxies_of_the_gateway()
    assert data_plane_peers(platform.of_kind("NetworkPolicy")) == [expected]
    store_peers = data_plane_peers(store.of_kind("NetworkPolicy"))
    assert store_peers and all(peer == expected for peer in store_peers)


def test_cluster_up_builds_and_loads_the_store_image_values_local_names() -> None:
    [line] = [line for line in CLUSTER_UP.splitlines() if line.startswith("store_image=")]
    built = subprocess.run(
        ["bash", "-c", f'{line}\necho "$store_image"'],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    image = VALUES_LOCAL["wordpress"]["image"]
    assert built == f"{image['repository']}:{image['tag']}"
    assert 'kind load docker-image --name "$cluster" "$store_image"' in CLUSTER_UP
    assert VALUES_LOCAL["woocommerce"]["source"] == "image"


# --- the backup target: MinIO in woo-backups, wired to the platform and the stores ----------
BACKUP_TARGET = [
    obj for obj in yaml.safe_load_all((KIND / "backup-target.yaml").read_text()) if obj
]


def backup_target(kind: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [obj for obj in BACKUP_TARGET if obj["kind"] == kind]
    assert len(found) == 1, kind
    return found[0]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_backup_target_is_valid_and_meets_pod_security_restricted(
    tmp_path: Path, version: str
) -> None:
    manifest = Manifest(objects=BACKUP_TARGET, text="")
    assert_valid_for_kubernetes(manifest, version, tmp_path)
    namespace = backup_target("Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    pod = backup_target("Deployment")["spec"]["template"]["spec"]
    assert violations(pod, {}) == []
    repository, _, tag = pod["containers"][0]["image"].rpartition(":")
    assert repository == "quay.io/minio/minio" and tag.startswith("RELEASE.")


def test_cluster_up_deploys_the_target_and_hands_its_keys_to_the_platform() -> None:
    assert "apply -f scripts/kind/backup-target.yaml" in CLUSTER_UP
    assert shell_variable("backup_namespace") == backup_target("Namespace")["metadata"]["name"]
    env = backup_target("Deployment")["spec"]["template"]["spec"]["containers"][0]["env"]
    refs = {v["valueFrom"]["secretKeyRef"]["name"] for v in env if "valueFrom" in v}
    assert refs == {"minio-credentials"}
    assert "secret generic minio-credentials" in CLUSTER_UP
    settings = yaml.safe_load((KIND / "platform-values.yaml").read_text())["settings"]
    assert settings["backupCredentialsSecret"] == shell_variable("backup_credentials")
    assert '"$backup_credentials"' in CLUSTER_UP
    assert "--from-literal" not in CLUSTER_UP.split("deploying the backup target")[1]


def test_the_platform_points_the_orchestrator_at_the_targets_service(platform: Manifest) -> None:
    data = platform.one("ConfigMap", "woo-platform")["data"]
    service = backup_target("Service")
    [port] = service["spec"]["ports"]
    host = f"{service['metadata']['name']}.{service['metadata']['namespace']}.svc.cluster.local"
    assert data["WOO_BACKUP_ENDPOINT"] == f"http://{host}:{port['port']}"
    assert data["WOO_BACKUP_BUCKET"] == "woo-backups"
    assert data["WOO_BACKUP_PREFIX"] == "stores"
    assert data["WOO_BACKUP_CREDENTIALS_SECRET"] == shell_variable("backup_credentials")


def test_a_stores_backup_jobs_and_the_target_let_each_other_through(helm_bin: Path) -> None:
    """The store's policy lets its backup pods out to the target's port (no address ranges: the
    target is in the cluster), and the target's policy lets them in, from a store namespace."""
    service_port = backup_target("Service")["spec"]["ports"][0]
    store = render(helm_bin, "local", "--set", f"backup.target.port={service_port['port']}")
    [egress] = [
        rule
        for rule in store.one("NetworkPolicy", "store-backup")["spec"]["egress"]
        if any("ipBlock" in peer for peer in rule["to"])
    ]
    assert egress["ports"] == [{"port": 9000, "protocol": "TCP"}]
    [rule] = backup_target("NetworkPolicy")["spec"]["ingress"]
    assert rule["ports"] == [{"port": 9000, "protocol": "TCP"}]
    namespace = namespace_labels(Store(id="s1", store_name="demo", domain="demo.localhost"))
    for _, labels, _ in store.pod_specs():
        admitted = any(
            all(namespace.get(k) == v for k, v in peer["namespaceSelector"]["matchLabels"].items())
            and "podSelector" in peer
            and labels.get("app.kubernetes.io/component")
            in peer["podSelector"]["matchExpressions"][0]["values"]
            for peer in rule["from"]
        )
        assert admitted == (labels["app.kubernetes.io/component"] in ("backup", "restore"))
