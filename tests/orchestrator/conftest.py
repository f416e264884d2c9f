"""Databases for the orchestrator tests: a real PostgreSQL database created for this run (and
dropped after it), and an SQLite file per test; both migrated by our own migrations. And the two
kinds of settings the tests run the platform with: on the stand-in with the real helm and chart
(`settings_for`), or with a cluster that never answers, for the API alone (`offline_settings`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from harness.postgres import temporary_database
from harness.tokens import ADMIN_TOKEN
from kube_standin import KubeStandin
from orchestrator import db
from orchestrator.config import REPO_ROOT, Settings


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of our own on the real server, for the whole run."""
    with temporary_database() as database:
        yield database.url


@pytest.fixture(scope="session")
def _postgres_migrated(postgres_url: str) -> str:
    async def migrate() -> None:
        engine = db.create_engine(Settings(database_url=postgres_url))
        await db.migrate(engine)
        await engine.dispose()

    asyncio.run(migrate())
    return postgres_url


@pytest.fixture(params=["postgresql", "sqlite"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes this runs once on PostgreSQL and once on SQLite, on empty tables."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'woo.sqlite3'}"
    url: str = request.getfixturevalue("postgres_database")
    return url


@pytest.fixture
def postgres_database(_postgres_migrated: str) -> str:
    """The run's PostgreSQL database with empty tables (for tests that run on Postgres only)."""
    with psycopg.connect(_postgres_migrated, autocommit=True) as connection:
        connection.execute(
            "TRUNCATE rollout_stores, rollouts, store_events, stores, api_tokens, audit_records, "
            "backups"
        )
    return _postgres_migrated


def make_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings with timings shrunk so lifecycles finish in seconds, and the bootstrap admin
    token that `harness.app.running_app`'s client sends."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "api_token": ADMIN_TOKEN,
        "data_dir": tmp_path / "var",
        "reconcile_interval_seconds": 0.2,
        "readiness_poll_seconds": 0.3,
        # Renewed every third of it: a short lease is lost whenever the event loop stalls for a
        # second or two (as it does while other test processes share the CPUs), and the pass is
        # abandoned mid-step. Nothing here waits for a lease to run out, so it need not be short.
        "lease_seconds": 15,
        "backoff_initial_seconds": 0.2,
        "backoff_max_seconds": 1.0,
        # helm's deadline (and the step's, which must outlast it by 20 s) only ends a test that
        # hangs: generous, since helm runs slower while other test processes share the CPUs.
        "step_deadline_seconds": 80,
        "ready_deadline_seconds": 20,
        "delete_deadline_seconds": 20,
        "helm_timeout_seconds": 60,
        "kube_request_timeout_seconds": 5,
    }
    values.update(overrides)
    return Settings(**values)


# A cluster that never answers: nothing gets provisioned, so a test sees the API alone.
UNREACHABLE_KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
users: [{name: u, user: {}}]
current-context: c
"""


def offline_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    """Settings whose cluster never answers (see UNREACHABLE_KUBECONFIG)."""
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(UNREACHABLE_KUBECONFIG)
    return make_settings(database_url, tmp_path, **{"kubeconfig": kubeconfig, **overrides})


def standin_settings(
    database_url: str, tmp_path: Path, kube_standin: KubeStandin, helm: Path, **overrides: Any
) -> Settings:
    """Settings for a platform on the stand-in, with the real helm, the repository's store chart
    and its values files; keywords win (``helm_bin=`` a wrapper, say)."""
    values: dict[str, Any] = {
        "kubeconfig": kube_standin.kubeconfig,
        "helm_bin": helm,
        "chart_path": REPO_ROOT / "helm" / "woocommerce",
        "values_dir": REPO_ROOT,
    }
    return make_settings(database_url, tmp_path, **{**values, **overrides})


SettingsFor = Callable[..., Settings]


@pytest.fixture
def settings_for(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> SettingsFor:
    """``settings_for(**overrides)``: `standin_settings` on the run's PostgreSQL database."""

    def build(**overrides: Any) -> Settings:
        return standin_settings(postgres_database, tmp_path, kube_standin, helm_bin, **overrides)

    return build


@pytest.fixture
async def engine(database_url: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = db.create_engine(make_settings(database_url, tmp_path))
    await db.migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return db.session_factory(engine)


async def count_rows(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """How many stores and events there are."""
    async with sessions() as session:
        stores = (await session.execute(text("SELECT count(*) FROM stores"))).scalar_one()
        events = (await session.execute(text("SELECT count(*) FROM store_events"))).scalar_one()
    return int(stores), int(events)
