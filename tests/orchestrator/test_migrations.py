import asyncio
from pathlib import Path

from sqlalchemy import Connection, inspect
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


async def test_migrated_columns_match_the_models(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        for table in metadata.tables.values():
            columns = await connection.run_sync(_column_names, table.name)
            assert columns == {column.name for column in table.columns}, table.name


def _column_names(connection: Connection, table: str) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns(table)}


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
