import pytest

from orchestrator.config import Settings, SettingsError, load_settings


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
