import asyncio
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, MetaData, String, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from harness.postgres import temporary_database
from orchestrator import db
from orchestrator.models import metadata
from tests.orchestrator.conftest import make_settings


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    return set(names) - {"alembic_version"}


async def test_migrations_go_up_down_and_up_again(engine: AsyncEngine) -> None:
    assert await _tables(engine) == set(metadata.tables)
    await db.downgrade(engine, "base")
    assert await _tables(engine) == set()
    await db.migrate(engine)
    assert await _tables(engine) == set(metadata.tables)


async def test_the_migrated_schema_is_the_models_schema(engine: AsyncEngine) -> None:
    """Tables, columns and their types, nullability, server defaults, indexes, unique and
    foreign keys: what Alembic's autogenerate would write is nothing."""
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences, metadata)
    assert differences == []


async def test_the_schema_comparison_sees_a_changed_type(engine: AsyncEngine) -> None:
    """The comparison above is live: a model that drifted from the migrations is reported."""
    drifted = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(drifted)
    drifted.tables["stores"].c.status.type = String(32)

    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences, drifted)

    assert [(d[0][0], d[0][3]) for d in differences] == [("modify_type", "status")]


def _differences(connection: Connection, target: MetaData) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, target))


def test_migrations_ship_inside_the_package() -> None:
    assert (db.MIGRATIONS_DIR / "env.py").is_file()
    assert any(Path(db.MIGRATIONS_DIR / "versions").glob("0001_*.py"))


async def test_replicas_starting_together_migrate_once(tmp_path: Path) -> None:
    with temporary_database("woo_test_race") as database:
        engines = [db.create_engine(make_settings(database.url, tmp_path)) for _ in range(4)]
        try:
            await asyncio.gather(*(db.migrate(engine) for engine in engines))
            assert await _tables(engines[0]) == set(metadata.tables)
        finally:
            for engine in engines:
                await engine.dispose()
