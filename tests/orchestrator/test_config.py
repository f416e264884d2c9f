import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.app import running_app
from harness.ports import free_port
from orchestrator.config import REPO_ROOT, Settings, SettingsError, load_settings
from orchestrator.provisioning.chart_files import chart_file_problems
from tests.orchestrator.conftest import make_settings


def test_bad_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WOO_MAX_CONCURRENCY", "many")
    with pytest.raises(SettingsError, match="WOO_MAX_CONCURRENCY"):
        load_settings()


def test_bad_base_domain_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WOO_BASE_DOMAIN", "Not A Domain")
    with pytest.raises(SettingsError, match="WOO_BASE_DOMAIN"):
        load_settings()


def test_unsupported_database_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WOO_DATABASE_URL", "mysql://root@localhost/x")
    with pytest.raises(SettingsError, match="WOO_DATABASE_URL"):
        load_settings()


def test_no_database_url_means_embedded_sqlite(tmp_path: object) -> None:
    settings = Settings(database_url=None)
    assert settings.async_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.uses_sqlite


@pytest.mark.parametrize(
    "url", ["postgresql://u@h/db", "postgresql+psycopg2://u@h/db", "postgresql+asyncpg://u@h/db"]
)
def test_postgres_urls_use_the_async_psycopg_driver(url: str) -> None:
    assert Settings(database_url=url).async_database_url == "postgresql+psycopg://u@h/db"


def _start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m orchestrator` with `env`; it must refuse before it listens or migrates."""
    return subprocess.run(
        [sys.executable, "-m", "orchestrator"],
        env={
            "PATH": os.environ["PATH"],
            "WOO_PORT": str(free_port()),
            "WOO_DATA_DIR": str(tmp_path / "var"),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
    )


def test_a_missing_chart_stops_the_service_with_one_line(tmp_path: Path) -> None:
    result = _start(tmp_path, WOO_CHART_PATH=str(tmp_path / "nonexistent"))
    assert result.returncode == 2
    assert result.stderr == (
        f"woo-platform: invalid configuration: WOO_CHART_PATH: {tmp_path / 'nonexistent'} "
        "is not a chart (no Chart.yaml)\n"
    )
    assert not (tmp_path / "var").exists()


def test_missing_or_broken_values_files_stop_the_service(tmp_path: Path) -> None:
    values = tmp_path / "values"
    values.mkdir()
    (values / "values-local.yaml").write_text("ingress: [unclosed\n")
    result = _start(tmp_path, WOO_VALUES_DIR=str(values))
    assert result.returncode == 2
    assert f"WOO_VALUES_DIR: {values / 'values-local.yaml'} is not valid YAML" in result.stderr
    assert f"WOO_VALUES_DIR: {values / 'values-prod.yaml'} is missing" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_the_repository_chart_and_values_have_no_problems() -> None:
    assert chart_file_problems(Settings()) == []


async def test_readyz_reports_a_chart_that_went_away(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    chart = tmp_path / "chart"
    shutil.copytree(REPO_ROOT / "helm" / "woocommerce", chart)
    settings = make_settings(f"sqlite:///{tmp_path / 'woo.sqlite3'}", tmp_path, chart_path=chart)
    async with running_app(settings) as api:
        before = (await api.client.get("/readyz")).json()["checks"]["chart"]
        assert before == "ok"
        (chart / "Chart.yaml").unlink()
        after = await api.client.get("/readyz")
        assert after.status_code == 503
        # Anyone may ask /readyz: it names the failed check, the reason goes to the log.
        assert after.json()["checks"]["chart"] == "unavailable"
        assert str(chart) not in after.text
        assert f"WOO_CHART_PATH: {chart} is not a chart (no Chart.yaml)" in caplog.text


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"WOO_SECRETS_BACKEND": "vault"}, "needs WOO_VAULT_ADDR"),
        (
            {"WOO_SECRETS_BACKEND": "vault", "WOO_VAULT_ADDR": "http://bao:8200"},
            "WOO_VAULT_AUTH=token needs WOO_VAULT_TOKEN",
        ),
        (
            {
                "WOO_SECRETS_BACKEND": "vault",
                "WOO_VAULT_ADDR": "http://bao:8200",
                "WOO_VAULT_AUTH": "kubernetes",
            },
            "WOO_VAULT_AUTH=kubernetes needs WOO_VAULT_KUBERNETES_ROLE",
        ),
        (
            {"WOO_SECRETS_BACKEND": "vault", "WOO_VAULT_ADDR": "bao:8200", "WOO_VAULT_TOKEN": "t"},
            "WOO_VAULT_ADDR must be an http:// or https:// URL",
        ),
        ({"WOO_VAULT_PATH_PREFIX": "stores/../../sys"}, "WOO_VAULT_PATH_PREFIX"),
        ({"WOO_SECRETS_BACKEND": "aws"}, "WOO_SECRETS_BACKEND"),
    ],
)
def test_incomplete_vault_settings_are_refused(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], message: str
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        load_settings()


def test_vault_token_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WOO_SECRETS_BACKEND", "vault")
    monkeypatch.setenv("WOO_VAULT_ADDR", "https://bao:8200/")
    monkeypatch.setenv("WOO_VAULT_TOKEN", "s.very-secret")
    settings = load_settings()
    assert "s.very-secret" not in repr(settings)
    assert settings.vault_path_prefix == "woo-platform/stores"
