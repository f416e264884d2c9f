"""What the plan, version and rollout tests share: a version catalogue with a second version,
settings with short deadlines, and reading a store's objects from the stand-in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kube_standin import KubeStandin
from orchestrator.config import REPO_ROOT, Settings
from tests.orchestrator.conftest import make_settings

NEW_IMAGE = "woo-platform/wordpress-woocommerce:7.2.0-php8.3-apache-wc11.3.0"
VERSIONS = f"""
v1: {{wordpress: "7.1.2", woocommerce: "11.2.0", chart: "0.1.0"}}
v2: {{wordpress: "7.2.0", woocommerce: "11.3.0", chart: "0.1.0", image: {{local: "{NEW_IMAGE}"}}}}
"""


def fleet_settings(
    database_url: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path, **overrides: Any
) -> Settings:
    """Versions v1 (what the values files pin, the default) and v2 (a new image); an upgrade
    not ready within 3 s is rolled back."""
    versions = tmp_path / "versions.yaml"
    versions.write_text(VERSIONS)
    values: dict[str, Any] = {
        "kubeconfig": kube_standin.kubeconfig,
        "helm_bin": helm_bin,
        "chart_path": REPO_ROOT / "helm" / "woocommerce",
        "values_dir": REPO_ROOT,
        "versions_file": versions,
        "upgrade_ready_deadline_seconds": 3,
        "rollout_interval_seconds": 0.2,
        **overrides,
    }
    return make_settings(database_url, tmp_path, **values)


def wordpress_container(kube_standin: KubeStandin, namespace: str) -> dict[str, Any]:
    deployment = kube_standin.read("deployments", namespace, "store-wordpress")
    containers = deployment["spec"]["template"]["spec"]["containers"]
    found: dict[str, Any] = next(c for c in containers if c["name"] == "wordpress")
    return found
