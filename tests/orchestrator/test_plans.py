"""Plans and versions in configuration: the built-in plans are sound, a file overrides them, and a
catalogue that cannot work stops the start with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.config import REPO_ROOT, SettingsError, load_settings
from orchestrator.plans import APACHE_AND_OPCACHE, load_plans, memory, php_bytes

CHART = REPO_ROOT / "helm" / "woocommerce"


def test_built_in_plans_keep_php_workers_within_the_container() -> None:
    """The same rule tests/chart/test_sizing.py applies to the values files."""
    plans = load_plans(None)
    assert list(plans) == ["small", "medium", "large"]
    for plan in plans.values():
        needed = plan.php_workers * php_bytes(plan.php_memory_limit) + APACHE_AND_OPCACHE
        assert needed <= memory(plan.wordpress.limits.memory), plan.name
        assert plan.problems() == []
    small, medium, large = plans.values()
    assert small.shrinks(medium) == [] and medium.shrinks(large) == []
    assert medium.shrinks(small) == [
        "wp-content volume 5Gi -> 2Gi",
        "database volume 10Gi -> 2Gi",
    ]


def test_a_plans_file_overrides_and_adds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    plans_file = tmp_path / "plans.yaml"
    plans_file.write_text(
        """
tiny:
  wordpress: {requests: {cpu: 50m, memory: 128Mi}, limits: {cpu: 500m, memory: 512Mi}}
  mariadb: {requests: {cpu: 50m, memory: 128Mi}, limits: {cpu: 500m, memory: 512Mi}}
  php_workers: 2
  php_memory_limit: 128M
  wordpress_storage: 1Gi
  database_storage: 1Gi
  quota:
    requests: {cpu: 1500m, memory: 2Gi}
    limits: {cpu: "7", memory: 7Gi}
    storage: 2Gi
"""
    )
    monkeypatch.setenv("WOO_PLANS_FILE", str(plans_file))
    monkeypatch.setenv("WOO_DEFAULT_PLAN", "tiny")
    settings = load_settings()
    assert list(settings.plans) == ["small", "medium", "large", "tiny"]
    assert settings.plans["tiny"].php_workers == 2


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            "medium:\n"
            "  wordpress: {requests: {cpu: 250m, memory: 512Mi}, limits: {cpu: '2', memory: 1Gi}}\n"
            "  mariadb: {requests: {cpu: 250m, memory: 512Mi}, limits: {cpu: '1', memory: 1Gi}}\n"
            "  php_workers: 8\n  php_memory_limit: 256M\n"
            "  wordpress_storage: 5Gi\n  database_storage: 10Gi\n"
            "  quota: {requests: {cpu: '3', memory: 4Gi}, limits: {cpu: '12', memory: 12Gi},"
            " storage: 16Gi}\n",
            "plan 'medium': 8 PHP workers x 256M + 160Mi = 2208Mi do not fit WordPress's memory "
            "limit 1Gi",
        ),
        (
            "small: {php_workers: 3}\n",
            "plan 'small': wordpress: Field required",
        ),
        ("- not a mapping\n", "must map names to plans"),
    ],
)
def test_a_broken_plans_file_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, document: str, message: str
) -> None:
    plans_file = tmp_path / "plans.yaml"
    plans_file.write_text(document)
    monkeypatch.setenv("WOO_PLANS_FILE", str(plans_file))
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert message in str(refused.value)


def test_an_unknown_default_plan_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WOO_DEFAULT_PLAN", "huge")
    with pytest.raises(SettingsError, match="WOO_DEFAULT_PLAN 'huge' is not a plan"):
        load_settings()


def test_a_version_must_name_the_chart_it_installs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions_file = tmp_path / "versions.yaml"
    versions_file.write_text(
        '"2027.1": {wordpress: "7.3.0", woocommerce: "12.0.0", chart: "9.9.9"}\n'
    )
    monkeypatch.setenv("WOO_VERSIONS_FILE", str(versions_file))
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert f"version '2027.1' names chart 9.9.9, but {CHART} is chart 0.1.0" in str(refused.value)

    versions_file.write_text(
        '"2027.1": {wordpress: "7.3.0", woocommerce: "12.0.0", chart: "0.1.0",'
        ' image: "Not An Image"}\n'
    )
    with pytest.raises(SettingsError, match="image 'Not An Image' is not repository:tag"):
        load_settings()


def test_the_built_in_catalogue_has_the_values_files_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = load_settings()
    [version] = settings.versions.values()
    assert (version.wordpress, version.woocommerce, version.chart) == ("7.1.2", "11.2.0", "0.1.0")
    assert version.chart_values("local") == {"woocommerce": {"version": "11.2.0"}}
    assert settings.version_for_new_stores == version.name
