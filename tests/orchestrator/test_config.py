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
