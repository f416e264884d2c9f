"""values.schema.json is strict: it refuses bad and unknown values before anything renders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chart.conftest import CHART, render, run_helm, values_args

SCHEMA_ERROR = "values don't meet the specifications of the schema"


def rejects(helm_bin: Path, tmp_path: Path, values: str) -> str:
    override = tmp_path / "override.yaml"
    override.write_text(values)
    result = run_helm(helm_bin, "template", "store", str(CHART), *values_args("local", override))
    assert result.returncode != 0, f"accepted:\n{values}"
    assert SCHEMA_ERROR in result.stderr, result.stderr
    return result.stderr


@pytest.mark.parametrize(
    "values",
    [
        pytest.param("wordpress:\n  replicaCount: -1\n", id="negative-replicas"),
        pytest.param("wordpress:\n  replicaCount: 0\n", id="zero-replicas"),
        pytest.param("replicas: 2\n", id="unknown-top-level-key"),
        pytest.param("mariadb:\n  auth:\n    rootPassword: hunter2\n", id="password-in-values"),
        pytest.param(
            "wordpress:\n  admin:\n    password: hunter2\n", id="admin-password-in-values"
        ),
        pytest.param("ingress:\n  host: Demo.Localhost\n", id="host-uppercase"),
        pytest.param("ingress:\n  host: demo_shop.localhost\n", id="host-underscore"),
        pytest.param("ingress:\n  host: demo.localhost.\n", id="host-trailing-dot"),
        pytest.param("ingress:\n  host: -demo.localhost\n", id="host-leading-hyphen"),
        pytest.param("ingress:\n  host: https://demo.localhost\n", id="host-is-url"),
        pytest.param("ingress:\n  host: shop\n", id="host-single-label"),
        pytest.param(f"ingress:\n  host: {'a' * 64}.localhost\n", id="host-label-too-long"),
        pytest.param("ingress:\n  tls:\n    enabled: 'yes'\n", id="tls-enabled-not-bool"),
        pytest.param("wordpress:\n  image:\n    tag: latest\n", id="image-tag-latest"),
        pytest.param("mariadb:\n  image:\n    tag: ''\n", id="image-tag-empty"),
        pytest.param(
            "wordpress:\n  persistence:\n    accessMode: ReadWriteOncePod\n",
            id="unsupported-access-mode",
        ),
        pytest.param(
            "wordpress:\n  resources:\n    limits:\n      memory: 1GB\n",
            id="memory-not-binary-units",
        ),
        pytest.param(
            "mariadb:\n  resources:\n    limits:\n      memory: null\n", id="memory-limit-removed"
        ),
        pytest.param("store:\n  currency: usd\n", id="currency-lowercase"),
        pytest.param("woocommerce:\n  source: git\n", id="woocommerce-source-unknown"),
        pytest.param("woocommerce:\n  sha256: abc\n", id="zip-sha256-is-no-value"),
    ],
)
def test_schema_rejects_bad_values(helm_bin: Path, tmp_path: Path, values: str) -> None:
    rejects(helm_bin, tmp_path, values)


def test_schema_names_the_offending_key(helm_bin: Path, tmp_path: Path) -> None:
    message = rejects(helm_bin, tmp_path, "wordpress:\n  replicaCount: -1\n")
    assert "replicaCount" in message


@pytest.mark.parametrize(
    "host",
    [
        "demo.localhost",
        "shop-42.example.org",
        "a.b.c.example.com",
        "xn--bcher-kva.example",
    ],
)
def test_schema_accepts_rfc1123_hosts(helm_bin: Path, host: str) -> None:
    manifest = render(helm_bin, "local", "--set", f"ingress.host={host}")
    assert manifest.one("HTTPRoute", "store")["spec"]["hostnames"] == [host]


def test_schema_refuses_a_single_label_host_with_a_reason(helm_bin: Path, tmp_path: Path) -> None:
    """WordPress refuses the admin address admin@shop, so the setup would fail much later."""
    message = rejects(helm_bin, tmp_path, "ingress:\n  host: localhost\n")
    assert "host" in message
