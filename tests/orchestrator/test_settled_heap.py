"""A served orchestrator hides what start-up made from the garbage collector (a full collection
over it stalled both loops for a quarter of a second); an app embedded in another process, as
in these tests, leaves the collector alone."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.app import create_app
from tests.orchestrator.conftest import offline_settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


async def test_a_served_app_freezes_what_start_up_made(
    postgres_database: str, tmp_path: Path, unfrozen: None
) -> None:
    app = create_app(offline_settings(postgres_database, tmp_path), settle_heap=True)
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() > 10_000
        # What start-up made, the app's engine among it, is out of the collector's sight:
        # gc.get_objects() lists only the objects a collection walks.
        engine = app.state.sessions.kw["bind"]
        assert gc.is_tracked(engine)
        assert all(walked is not engine for walked in gc.get_objects())


async def test_an_embedded_app_leaves_the_collector_alone(
    postgres_database: str, tmp_path: Path, unfrozen: None
) -> None:
    app = create_app(offline_settings(postgres_database, tmp_path))
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() == 0
