"""PostgreSQL databases of their own for tests and benchmarks, created on the real server
(WOO_TEST_POSTGRES_URL, default postgres@127.0.0.1:5432) and dropped afterwards."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

POSTGRES_ADMIN_URL = os.environ.get(
    "WOO_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@dataclass(frozen=True)
class Database:
    name: str

    @property
    def url(self) -> str:
        return f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{self.name}"

    def drop(self) -> None:
        """Drop it now, connections and all (dropping twice is fine)."""
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@contextmanager
def temporary_database(prefix: str = "woo_test") -> Iterator[Database]:
    """An empty database named `<prefix>_<pid>_<random>`, dropped on exit."""
    database = Database(f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}")
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database.name}"')
    try:
        yield database
    finally:
        database.drop()
