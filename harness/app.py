"""Run the real application in-process: lifespan (migrations, reconciler) and an HTTP client
speaking to it through ASGI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from orchestrator.app import create_app
from orchestrator.clock import Clock
from orchestrator.config import Settings


@dataclass
class RunningApp:
    app: FastAPI
    client: httpx.AsyncClient


@asynccontextmanager
async def running_app(
    settings: Settings, clock: Clock | None = None, tracer_provider: TracerProvider | None = None
) -> AsyncIterator[RunningApp]:
    app = create_app(settings, clock, tracer_provider)
    before = asyncio.all_tasks()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://orchestrator") as c:
            yield RunningApp(app, c)
    # The reconciler must not leave passes or loops behind (they would hold helm children).
    leftovers = [
        task
        for task in asyncio.all_tasks() - before
        if task.get_name().startswith(("store-", "reconciler-")) and not task.done()
    ]
    assert not leftovers, f"tasks left running after shutdown: {leftovers}"
