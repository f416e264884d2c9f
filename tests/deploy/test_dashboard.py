"""The Grafana dashboard (helm/platform/files/dashboard.json): a well-formed dashboard whose
panels all query Prometheus through the chosen data source, shipped by the platform chart as a
ConfigMap the Grafana sidecar picks up, only when asked for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.deploy.platform_chart import NAMESPACE, render_platform
from tests.deploy.promql import DASHBOARD, FULLNAME, dashboard_queries, metric_names

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def test_dashboard_is_well_formed() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] == "woo-platform"
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    assert variables["datasource"]["query"] == "prometheus"
    panels = dashboard["panels"]
    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in panels:
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"}
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24, panel["title"]
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == DATASOURCE, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE, panel["title"]
            assert target["expr"].strip(), panel["title"]


def test_panels_do_not_overlap() -> None:
    cells: dict[tuple[int, int], str] = {}
    for panel in json.loads(DASHBOARD.read_text())["panels"]:
        grid = panel["gridPos"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps {cells.get((x, y))}"
                cells[(x, y)] = panel["title"]


def test_dashboard_covers_what_operators_ask() -> None:
    queried = set().union(*(metric_names(expr) for expr in dashboard_queries()))
    for needed in (
        "woo_stores",  # fleet by status
        "woo_store_provision_seconds_bucket",  # time to Ready
        "woo_store_step_duration_seconds_bucket",  # step durations
        "woo_helm_command_seconds_bucket",
        "woo_http_request_seconds_bucket",  # API latency
        "woo_http_requests_total",  # API errors
        "woo_reconcile_queue_depth",  # work queue
        "woo_reconcile_queue_wait_seconds",
        "woo_kube_requests_total",  # Kubernetes API errors
    ):
        assert needed in queried, needed


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('max by (status) (woo_stores{status="Failed"})', {"woo_stores"}),
        (
            "histogram_quantile(0.9, sum by (le, step) (rate(x_bucket[$__rate_interval])))",
            {"x_bucket"},
        ),
        ("sum(rate(a_total[5m])) / sum(rate(b_total[5m])) > 0.2", {"a_total", "b_total"}),
        ('absent(up{job="w"}) or max without (instance) (up) == 0', {"up"}),
        ("a unless on (job) b offset 5m", {"a", "b"}),
    ],
)
def test_metric_names_are_read_from_promql(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def test_configmap_for_the_grafana_sidecar_when_enabled(helm_bin: Path) -> None:
    default = render_platform(helm_bin, "default").of_kind("ConfigMap")
    assert [c["metadata"]["name"] for c in default] == [FULLNAME]
    manifest = render_platform(
        helm_bin, "default", "--set", "metrics.grafanaDashboard.enabled=true"
    )
    configmap = manifest.one("ConfigMap", f"{FULLNAME}-dashboard")
    assert configmap["metadata"]["namespace"] == NAMESPACE
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(configmap["data"]["woo-platform.json"]) == json.loads(DASHBOARD.read_text())


def test_configmap_namespace_labels_and_annotations_from_values(helm_bin: Path) -> None:
    manifest = render_platform(
        helm_bin,
        "default",
        "--set",
        "metrics.grafanaDashboard.enabled=true",
        "--set",
        "metrics.grafanaDashboard.namespace=monitoring",
        "--set",
        "metrics.grafanaDashboard.labels.grafana_dashboard=null",
        "--set",
        "metrics.grafanaDashboard.labels.dashboards=woo",
        "--set",
        "metrics.grafanaDashboard.annotations.grafana_folder=Platform",
    )
    metadata = manifest.one("ConfigMap", f"{FULLNAME}-dashboard")["metadata"]
    assert metadata["namespace"] == "monitoring"
    assert metadata["labels"]["dashboards"] == "woo"
    assert "grafana_dashboard" not in metadata["labels"]
    assert metadata["annotations"] == {"grafana_folder": "Platform"}
