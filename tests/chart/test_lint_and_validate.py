"""Level 4: the chart lints strictly and renders objects Kubernetes 1.30, 1.33 and 1.37 accept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.chart.conftest import (
    CHART,
    KUBERNETES_VERSIONS,
    Manifest,
    assert_valid_for_kubernetes,
    render,
    run_helm,
    values_args,
)


# helm lint renders in "lint mode", where `fail` is reported but not fatal, so the environment
# files lint cleanly on their own as well as with a store's values.
@pytest.mark.parametrize("environment", ["default", "local", "prod"])
@pytest.mark.parametrize("with_store_values", [True, False], ids=["store", "no-store"])
def test_helm_lint_strict_passes(helm_bin: Path, environment: str, with_store_values: bool) -> None:
    result = run_helm(
        helm_bin, "lint", "--strict", str(CHART), *values_args(environment, store=with_store_values)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout


@pytest.mark.parametrize("environment", ["local", "prod"])
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_kubernetes_validate_strict_has_no_error_or_warning(
    rendered: Callable[[str], Manifest], tmp_path: Path, environment: str, version: str
) -> None:
    assert_valid_for_kubernetes(rendered(environment), version, tmp_path)


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
        (["ingress.tls.enabled=true"], "ingress.tls.enabled needs ingress.tls.clusterIssuer"),
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
        "local",
        "--set",
        "ingress.tls.enabled=true",
        "--set",
        "ingress.tls.secretName=shop-cert",
    )
    ingress = manifest.one("Ingress", "store")
    assert ingress["spec"]["tls"] == [{"hosts": ["demo.localhost"], "secretName": "shop-cert"}]
    assert "cert-manager.io/cluster-issuer" not in ingress["metadata"].get("annotations", {})
