"""No dashboard panel and no alert on a metric that does not exist: every metric the shipped
dashboard and alerting rules query is exported by the running orchestrator after a store
lifecycle (the real app, reconciler, helm and store chart against the stand-in)."""

from __future__ import annotations

from pathlib import Path

from harness.app import running_app
from kube_standin import KubeStandin
from orchestrator.config import REPO_ROOT
from tests.deploy.promql import (
    alert_queries,
    dashboard_queries,
    exported_names,
    metric_names,
    rendered_rules,
)
from tests.orchestrator.conftest import make_settings
from tests.orchestrator.lifecycle_support import wait_for_status

DEMO = {"store_name": "demo", "domain": "demo.localhost", "environment": "local"}
# Series Prometheus itself writes for every scrape target.
SCRAPE_SERIES = {"up"}


async def scrape_after_lifecycle(kube: KubeStandin, helm_bin: Path, tmp_path: Path) -> str:
    settings = make_settings(
        f"sqlite:///{tmp_path / 'woo.sqlite3'}",
        tmp_path,
        kubeconfig=kube.kubeconfig,
        helm_bin=helm_bin,
        chart_path=REPO_ROOT / "helm" / "woocommerce",
        values_dir=REPO_ROOT,
    )
    async with running_app(settings) as api:
        store = (await api.client.post("/stores", json=DEMO)).json()
        await wait_for_status(api.client, store["id"], "Ready")
        await api.client.delete(f"/stores/{store['id']}")
        await wait_for_status(api.client, store["id"], "Deleted")
        response = await api.client.get("/metrics")
        assert response.status_code == 200
        return response.text


async def test_every_queried_metric_is_exported(
    kube_standin: KubeStandin, helm_bin: Path, tmp_path: Path
) -> None:
    exported = exported_names(await scrape_after_lifecycle(kube_standin, helm_bin, tmp_path))
    queries = {
        "dashboard": dashboard_queries(),
        "alerts": alert_queries(rendered_rules(helm_bin)),
    }
    missing = {
        (source, name)
        for source, exprs in queries.items()
        for expr in exprs
        for name in metric_names(expr)
        if name not in exported | SCRAPE_SERIES
    }
    assert missing == set()
    # The check sees the queries' metrics at all (an empty parse would pass it vacuously).
    assert len({n for exprs in queries.values() for e in exprs for n in metric_names(e)}) >= 12


def test_exported_names_follow_the_metric_types() -> None:
    exposition = (
        "# TYPE a counter\na_total 1\n"
        '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 1\n'
        "# TYPE g gauge\ng 1\n"
    )
    assert exported_names(exposition) == {"a_total", "h_bucket", "h_count", "h_sum", "g"}
