"""The platform's alerting rules (helm/platform/files/alerts.yaml), as the chart renders them,
unit-tested with `promtool test rules`: every alert fires on the series that should fire it and
stays quiet on the ones that should not."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.config import REPO_ROOT
from tests.deploy.platform_chart import NAMESPACE, render_platform
from tests.deploy.promql import FULLNAME, PROMETHEUS_RULE_API, alerts_of, rendered_rules

RUNBOOK = REPO_ROOT / "docs" / "observability.md"
# Two replicas scrape alike: the fleet gauges are the same on both.
REPLICAS = ("10.0.0.1:8000", "10.0.0.2:8000")


@dataclass(frozen=True)
class Case:
    """One promtool test: input series (promtool's expanding notation, one sample a minute),
    the moment the alert is evaluated, and the labels of the alerts expected then (none: quiet)."""

    name: str
    alert: str
    series: dict[str, str]
    at: str
    fires: list[dict[str, str]] = field(default_factory=list)


def replicas(metric: str, values: str) -> dict[str, str]:
    """The same series as every replica reports it."""
    name, _, labels = metric.partition("{")
    labels = labels.rstrip("}")
    return {
        f'{name}{{job="{FULLNAME}",namespace="{NAMESPACE}",instance="{instance}"'
        + (f",{labels}" if labels else "")
        + "}": values
        for instance in REPLICAS
    }


def one_replica(metric: str, values: str) -> dict[str, str]:
    return dict([next(iter(replicas(metric, values).items()))])


CASES = [
    # --- stores ---------------------------------------------------------------------------
    Case(
        "failed store",
        "WooStoreFailed",
        replicas('woo_stores{status="Failed"}', "0 1x5"),
        "4m",
        fires=[{}],
    ),
    Case(
        "no failed store",
        "WooStoreFailed",
        {
            **replicas('woo_stores{status="Failed"}', "0x5"),
            **replicas('woo_stores{status="Ready"}', "3x5"),
        },
        "4m",
    ),
    Case(
        "failed store, not yet for a minute",
        "WooStoreFailed",
        replicas('woo_stores{status="Failed"}', "0 0 0 1 1"),
        "3m",
    ),
    Case(
        "degraded past the limit",
        "WooStoreDegraded",
        replicas('woo_stores{status="Degraded"}', "1x15"),
        "12m",
        fires=[{}],
    ),
    Case(
        "degraded within the limit",
        "WooStoreDegraded",
        replicas('woo_stores{status="Degraded"}', "1x15"),
        "8m",
    ),
    Case(
        "degraded store that recovered",
        "WooStoreDegraded",
        replicas('woo_stores{status="Degraded"}', "1x8 0x8"),
        "14m",
    ),
    Case(
        "provisioning slower than the threshold",
        "WooStoreProvisioningSlow",
        replicas("woo_store_oldest_provisioning_seconds", "0+60x20"),
        "18m",
        fires=[{}],
    ),
    Case(
        "provisioning within the threshold",
        "WooStoreProvisioningSlow",
        replicas("woo_store_oldest_provisioning_seconds", "0+60x20"),
        "14m",
    ),
    Case(
        "an upgrade rolled back",
        "WooStoreUpgradeRolledBack",
        one_replica("woo_store_upgrades_failed_total", "0 0 1 1 1"),
        "4m",
        fires=[{}],
    ),
    Case(
        "no upgrade rolled back",
        "WooStoreUpgradeRolledBack",
        replicas("woo_store_upgrades_failed_total", "0x5"),
        "4m",
    ),
    Case(
        "a rollback more than an hour ago",
        "WooStoreUpgradeRolledBack",
        one_replica("woo_store_upgrades_failed_total", "0 1x80"),
        "75m",
    ),
    # --- reconciler -----------------------------------------------------------------------
    Case(
        "a third of the steps fail",
        "WooReconcileErrorsRising",
        {
            **one_replica('woo_reconcile_steps_total{step="release",outcome="ok"}', "0+10x40"),
            **one_replica(
                'woo_reconcile_steps_total{step="release",outcome="temporary_error"}', "0+5x40"
            ),
        },
        "25m",
        fires=[{}],
    ),
    Case(
        "a few steps fail",
        "WooReconcileErrorsRising",
        {
            **one_replica('woo_reconcile_steps_total{step="release",outcome="ok"}', "0+10x40"),
            **one_replica(
                'woo_reconcile_steps_total{step="release",outcome="temporary_error"}', "0+1x40"
            ),
        },
        "25m",
    ),
    Case(
        "a pass ended in an unexpected error",
        "WooReconcilerBug",
        one_replica("woo_reconcile_pass_errors_total", "0 0 1x10"),
        "4m",
        fires=[{}],
    ),
    Case(
        "no unexpected error",
        "WooReconcilerBug",
        one_replica("woo_reconcile_pass_errors_total", "0x10"),
        "4m",
    ),
    Case(
        "an unexpected error long ago",
        "WooReconcilerBug",
        one_replica("woo_reconcile_pass_errors_total", "0 1x30"),
        "25m",
    ),
    Case(
        "stores wait too long for a pass",
        "WooWorkQueueBackingUp",
        replicas("woo_reconcile_queue_wait_seconds", "200x20"),
        "12m",
        fires=[{}],
    ),
    Case(
        "stores are picked up in time",
        "WooWorkQueueBackingUp",
        replicas("woo_reconcile_queue_wait_seconds", "30x20"),
        "12m",
    ),
    Case(
        "a third of the API requests fail",
        "WooKubernetesApiErrors",
        {
            **one_replica('woo_kube_requests_total{result="ok"}', "0+100x30"),
            **one_replica('woo_kube_requests_total{result="unavailable"}', "0+50x30"),
        },
        "22m",
        fires=[{}],
    ),
    Case(
        "not-found answers are part of normal work",
        "WooKubernetesApiErrors",
        {
            **one_replica('woo_kube_requests_total{result="ok"}', "0+100x30"),
            **one_replica('woo_kube_requests_total{result="not_found"}', "0+50x30"),
        },
        "22m",
    ),
    # --- backups --------------------------------------------------------------------------
    Case(
        "a store's last backup is older than the threshold",
        "WooStoreBackupStale",
        {
            **replicas(
                'woo_store_last_backup_success_timestamp_seconds{store_id="s1",store_name="old"}',
                "-100000x30",
            ),
            **replicas(
                'woo_store_last_backup_success_timestamp_seconds{store_id="s2",store_name="new"}',
                "1000x30",
            ),
        },
        "20m",
        fires=[{"store_id": "s1", "store_name": "old"}],
    ),
    Case(
        "every store backed up recently",
        "WooStoreBackupStale",
        replicas(
            'woo_store_last_backup_success_timestamp_seconds{store_id="s2",store_name="new"}',
            "1000x30",
        ),
        "20m",
    ),
    Case(
        "a stale backup, not yet for 15 minutes",
        "WooStoreBackupStale",
        replicas(
            'woo_store_last_backup_success_timestamp_seconds{store_id="s1",store_name="old"}',
            "-100000x30",
        ),
        "10m",
    ),
    Case(
        "a backup failed",
        "WooBackupFailed",
        one_replica('woo_backups_total{kind="scheduled",outcome="failed"}', "0 0 1x10"),
        "5m",
        fires=[{}],
    ),
    Case(
        "backups succeed",
        "WooBackupFailed",
        {
            **one_replica('woo_backups_total{kind="scheduled",outcome="failed"}', "0x10"),
            **one_replica('woo_backups_total{kind="scheduled",outcome="succeeded"}', "0+1x10"),
        },
        "5m",
    ),
    # --- the orchestrator itself ----------------------------------------------------------
    Case(
        "every replica down",
        "WooOrchestratorDown",
        replicas("up", "0x10"),
        "7m",
        fires=[{"job": FULLNAME, "namespace": NAMESPACE}],
    ),
    Case(
        "never scraped at all",
        "WooOrchestratorDown",
        {'up{job="other",namespace="woo-platform"}': "1x10", 'up{job="woo-platform"}': "1x10"},
        "7m",
        fires=[{"job": FULLNAME, "namespace": NAMESPACE}],
    ),
    Case(
        "one replica of two up",
        "WooOrchestratorDown",
        {**one_replica("up", "1x10"), **dict(list(replicas("up", "0x10").items())[1:])},
        "7m",
    ),
]


@pytest.fixture(scope="module")
def promtool() -> Path:
    found = shutil.which("promtool")
    if found is None:
        raise RuntimeError("promtool is missing: run scripts/setup.sh (Debian's prometheus)")
    return Path(found)


def run_promtool_tests(promtool: Path, rules: dict[str, Any], cases: list[Case], tmp: Path) -> str:
    """Write the rules and the cases as promtool files and run them; promtool's report."""
    (tmp / "rules.yaml").write_text(yaml.safe_dump(rules))
    alerts = alerts_of(rules)
    tests = []
    for case in cases:
        rule = alerts[case.alert]
        expected = [
            {
                "exp_labels": {**rule.get("labels", {}), **labels},
                "exp_annotations": rule.get("annotations", {}),
            }
            for labels in case.fires
        ]
        tests.append(
            {
                "name": case.name,
                "interval": "1m",
                "input_series": [{"series": s, "values": v} for s, v in case.series.items()],
                "alert_rule_test": [
                    {"eval_time": case.at, "alertname": case.alert, "exp_alerts": expected}
                ],
            }
        )
    (tmp / "tests.yaml").write_text(
        yaml.safe_dump({"rule_files": ["rules.yaml"], "evaluation_interval": "1m", "tests": tests})
    )
    result = subprocess.run(
        [str(promtool), "test", "rules", "tests.yaml"],
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return result.stdout + result.stderr if result.returncode else ""


def test_rules_pass_promtool_check(promtool: Path, helm_bin: Path, tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rendered_rules(helm_bin)))
    result = subprocess.run(
        [str(promtool), "check", "rules", str(tmp_path / "rules.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_fires_and_stays_quiet_when_it_should(
    promtool: Path, helm_bin: Path, tmp_path: Path
) -> None:
    failures = run_promtool_tests(promtool, rendered_rules(helm_bin), CASES, tmp_path)
    assert failures == ""


def test_every_alert_has_a_firing_and_a_quiet_case(helm_bin: Path) -> None:
    alerts = set(alerts_of(rendered_rules(helm_bin)))
    firing = {case.alert for case in CASES if case.fires}
    quiet = {case.alert for case in CASES if not case.fires}
    assert alerts == firing == quiet


def test_the_cases_can_fail(promtool: Path, helm_bin: Path, tmp_path: Path) -> None:
    # Expecting the opposite of every case must fail every one of them: the cases decide.
    flipped = [
        Case(case.name, case.alert, case.series, case.at, [] if case.fires else [{}])
        for case in CASES
    ]
    report = run_promtool_tests(promtool, rendered_rules(helm_bin), flipped, tmp_path)
    assert all(case.name in report for case in flipped), report


def test_thresholds_come_from_values(promtool: Path, helm_bin: Path, tmp_path: Path) -> None:
    rules = rendered_rules(
        helm_bin,
        "--set",
        "metrics.prometheusRule.degradedFor=5m",
        "--set",
        "metrics.prometheusRule.queueWaitSeconds=20",
    )
    cases = [
        Case(
            "degraded past a shorter limit",
            "WooStoreDegraded",
            replicas('woo_stores{status="Degraded"}', "1x15"),
            "7m",
            fires=[{}],
        ),
        Case(
            "a shorter wait is too long",
            "WooWorkQueueBackingUp",
            replicas("woo_reconcile_queue_wait_seconds", "30x20"),
            "12m",
            fires=[{}],
        ),
    ]
    assert run_promtool_tests(promtool, rules, cases, tmp_path) == ""


def test_rules_only_where_the_crd_exists_and_enabled(helm_bin: Path) -> None:
    enabled = ("--set", "metrics.prometheusRule.enabled=true")
    assert render_platform(helm_bin, "default", *enabled).of_kind("PrometheusRule") == []
    with_crd = ("--api-versions", PROMETHEUS_RULE_API)
    assert render_platform(helm_bin, "default", *with_crd).of_kind("PrometheusRule") == []


def test_every_alert_has_a_runbook_entry(helm_bin: Path) -> None:
    runbook = RUNBOOK.read_text()
    headings = set(re.findall(r"^### (Woo\w+)$", runbook, re.MULTILINE))
    alerts = alerts_of(rendered_rules(helm_bin))
    assert headings == set(alerts)
    for name, rule in alerts.items():
        assert rule["annotations"]["runbook"] == f"docs/observability.md#{name.lower()}"
