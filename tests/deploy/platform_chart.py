"""Rendering the platform chart (helm/platform) with the store chart tests' helpers."""

from __future__ import annotations

from pathlib import Path

import yaml

from orchestrator.config import REPO_ROOT
from tests.chart.conftest import Manifest, run_helm

PLATFORM_CHART = REPO_ROOT / "helm" / "platform"
HERE = Path(__file__).resolve().parent
# Named values sets: the chart's defaults, and what a production install looks like.
VALUES_SETS: dict[str, list[Path]] = {
    "default": [],
    "production": [HERE / "platform-production-values.yaml"],
}
RELEASE = "woo-platform"
NAMESPACE = "woo-platform"
# The Prometheus Operator's CRD, as a cluster that has it announces it to helm.
SERVICE_MONITOR_API = "monitoring.coreos.com/v1/ServiceMonitor"


def values_args(values_set: str) -> list[str]:
    return [arg for path in VALUES_SETS[values_set] for arg in ("-f", str(path))]


def render_platform(helm_bin: Path, values_set: str, *extra: str) -> Manifest:
    result = run_helm(
        helm_bin,
        "template",
        RELEASE,
        str(PLATFORM_CHART),
        "--namespace",
        NAMESPACE,
        *values_args(values_set),
        *extra,
    )
    assert result.returncode == 0, result.stderr
    objects = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    return Manifest(objects=objects, text=result.stdout)
