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

from harness.tokens import bearer
from orchestrator.app import create_app
from orchestrator.clock import Clock
from orchestrator.config import Settings

BASE_URL = "http://orchestrator"


@dataclass
class RunningApp:
    app: FastAPI
    # Sends the settings' bootstrap token (WOO_API_TOKEN), if any, with every request.
    client: httpx.AsyncClient

    def client_with(self, headers: dict[str, str]) -> httpx.AsyncClient:
        """Another client of the same app, sending only ``headers`` (for example none)."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url=BASE_URL, headers=headers
        )


@asynccontextmanager
async def running_app(
    settings: Settings, clock: Clock | None = None, tracer_provider: TracerProvider | None = None
) -> AsyncIterator[RunningApp]:
    app = create_app(settings, clock, tracer_provider)
    before = asyncio.all_tasks()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {}
        if settings.api_token is not None:
            headers = bearer(settings.api_token.get_secret_value())
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as c:
            yield RunningApp(app, c)
    # The reconciler must not leave passes or loops behind (they would hold helm children).
    leftovers = [
        task
        for task in asyncio.all_tasks() - before
        if task.get_name().startswith(("store-", "reconciler-")) and not task.done()
    ]
    assert not leftovers, f"tasks left running after shutdown: {leftovers}"
    # Nor on the control loop the reconciler runs on (orchestrator.control_loop).
    left_behind = app.state.control.left_behind
    assert not left_behind, f"tasks left running on the control loop: {left_behind}"
