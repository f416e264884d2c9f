"""One committed transaction that a cancellation cannot cut in half."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.stores.repository import StoreRepository

T = TypeVar("T")


async def in_transaction(
    sessions: async_sessionmaker[AsyncSession], work: Callable[[StoreRepository], Awaitable[T]]
) -> T:
    """Run ``work`` in one committed transaction.

    Background work is cancelled on purpose (a DELETE, shutdown, a lost lease). Cancelling in the
    middle of a transaction would leave its connection holding locks (on SQLite, the one write
    lock) until it is collected; so the transaction always runs to its end and the cancellation
    takes effect right after it.
    """

    async def run() -> T:
        async with sessions() as session:
            result = await work(StoreRepository(session))
            await session.commit()
            return result

    task = asyncio.ensure_future(run())
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await task
        raise
