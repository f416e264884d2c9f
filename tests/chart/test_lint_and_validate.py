"""Level 4: the chart lints strictly and renders objects Kubernetes 1.30, 1.33 and 1.37 accept,
through Gateway API and through Ingress, local and prod. kubernetes-validate knows the built-in
kinds; the HTTPRoute is checked against Gateway API's published CRD schema (tests/chart/schemas)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.chart.conftest import (
    ALL_RENDERINGS,
    CHART,
    HERE,
    KUBERNETES_VERSIONS,
    RENDERINGS,
    Manifest,
    assert_valid_for_kubernetes,
    render,
    run_helm,
    values_args,
)

CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")
HTTPROUTE_SCHEMA = HERE / "schemas" / "httproute-gateway.networking.k8s.io-v1.json"
# Kinds kubernetes-validate does not know: checked against their published CRD schemas below.
GATEWAY_API_KINDS = frozenset({"HTTPRoute"})


# helm lint renders in "lint mode", where `fail` is reported but not fatal, so the environment
# files lint cleanly on their own as well as with a store's values.
@pytest.mark.parametrize("environment", ["default", *ALL_RENDERINGS])
@pytest.mark.parametrize("with_store_values", [True, False], ids=["store", "no-store"])
def test_helm_lint_strict_passes(helm_bin: Path, environment: str, with_store_values: bool) -> None:
    result = run_helm(
        helm_bin, "lint", "--strict", str(CHART), *values_args(environment, store=with_store_values)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout


@pytest.mark.parametrize("environment", ALL_RENDERINGS)
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_kubernetes_validate_strict_has_no_error_or_warning(
    rendered: Callable[[str], Manifest], tmp_path: Path, environment: str, version: str
) -> None:
    assert_valid_for_kubernetes(
        rendered(environment), version, tmp_path, validated_elsewhere=GATEWAY_API_KINDS
    )


@pytest.mark.parametrize("environment", RENDERINGS)
def test_exposure_follows_the_environment(
    rendered: Callable[[str], Manifest], environment: str
) -> None:
    """local and prod reach the store through Gateway API; their Ingress alternative through an
    Ingress; never both."""
    manifest = rendered(environment)
    kinds = {obj["kind"] for obj in manifest.objects} & {"Ingress", "HTTPRoute"}
    assert kinds == ({"Ingress"} if environment.endswith("-ingress") else {"HTTPRoute"})


def check_httproutes(
    tmp_path: Path, routes: list[dict[str, object]]
) -> subprocess.CompletedProcess[str]:
    paths = []
    for index, route in enumerate(routes):
        path = tmp_path / f"httproute-{index}.json"
        path.write_text(json.dumps(route))
        paths.append(str(path))
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--schemafile", str(HTTPROUTE_SCHEMA), *paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("environment", ["local", "prod"])
def test_httproute_meets_the_gateway_api_crd_schema(
    rendered: Callable[[str], Manifest], tmp_path: Path, environment: str
) -> None:
    [route] = rendered(environment).of_kind("HTTPRoute")
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    result = check_httproutes(tmp_path, [route])
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_httproute_schema_check_refuses_what_the_api_server_would(
    rendered: Callable[[str], Manifest], tmp_path: Path
) -> None:
    """The vendored schema is strict: an unknown field, a named port (HTTPRoute backends take a
    number) and an invalid hostname are each refused."""
    [route] = rendered("local").of_kind("HTTPRoute")
    unknown_field = json.loads(json.dumps(route))
    unknown_field["spec"]["rules"][0]["backends"] = []
    named_port = json.loads(json.dumps(route))
    named_port["spec"]["rules"][0]["backendRefs"][0]["port"] = "http"
    bad_host = json.loads(json.dumps(route))
    bad_host["spec"]["hostnames"] = ["Demo_Shop"]
    for broken in (unknown_field, named_port, bad_host):
        result = check_httproutes(tmp_path, [broken])
        assert result.returncode != 0, broken


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("ingress.host", "ingress.host is required"),
        ("mariadb.auth.existingSecret", "mariadb.auth.existingSecret is required"),
        ("wordpress.admin.existingSecret", "wordpress.admin.existingSecret is required"),
    ],
)
def test_render_fails_clearly_without_per_store_values(
    helm_bin: Path, missing: str, message: str
) -> None:
    result = run_helm(
        helm_bin, "template", "store", str(CHART), *values_args("local"), "--set", f"{missing}="
    )
    assert result.returncode != 0
    assert "woocommerce chart: invalid values" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (["wordpress.replicaCount=2"], "needs wordpress.persistence.accessMode ReadWriteMany"),
        (
            ["ingress.kind=Ingress", "ingress.tls.enabled=true"],
            "ingress.tls.enabled needs ingress.tls.clusterIssuer",
        ),
        (
            ["ingress.gateway.name="],
            "ingress.kind HTTPRoute needs ingress.gateway.name and ingress.gateway.namespace",
        ),
        (["pdb.enabled=true"], "pdb.enabled needs wordpress.replicaCount > pdb.minAvailable"),
    ],
)
def test_render_refuses_inconsistent_values(
    helm_bin: Path, settings: list[str], message: str
) -> None:
    args = [arg for setting in settings for arg in ("--set", setting)]
    result = run_helm(helm_bin, "template", "store", str(CHART), *values_args("local"), *args)
    assert result.returncode != 0
    assert message in result.stderr


def test_tls_with_an_existing_certificate_needs_no_issuer(helm_bin: Path) -> None:
    manifest = render(
        helm_bin,
        "local-ingress",
        "--set",
        "ingress.tls.enabled=true",
        "--set",
        "ingress.tls.secretName=shop-cert",
    )
    ingress = manifest.one("Ingress", "store")
    assert ingress["spec"]["tls"] == [{"hosts": ["demo.localhost"], "secretName": "shop-cert"}]
    assert "cert-manager.io/cluster-issuer" not in ingress["metadata"].get("annotations", {})
