"""Stopping the reconciler ends its loops even when a wake-up arrives together with the stop
(a pass ending as it is cancelled wakes the dispatch loop): the loop must not swallow the
cancellation and outlive the application."""

from __future__ import annotations

import asyncio
from pathlib import Path

from harness.app import running_app
from tests.orchestrator.conftest import make_settings


async def test_stop_is_not_lost_to_a_simultaneous_wake_up(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\n"
        'clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]\n'
        "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
        "users: [{name: u, user: {}}]\ncurrent-context: c\n"
    )
    settings = make_settings(
        f"sqlite:///{tmp_path / 'woo.sqlite3'}",
        tmp_path,
        kubeconfig=kubeconfig,
        reconcile_interval_seconds=30,
    )
    async with running_app(settings) as api:
        reconciler = api.app.state.reconciler
        control = api.app.state.control
        # Let the dispatch loop reach its wait for a wake-up.
        await asyncio.sleep(0.5)

        async def wake_and_stop() -> None:
            # On the reconciler's own loop, so the wake-up is set as the stop begins.
            reconciler.wake()
            await reconciler.stop()

        async with asyncio.timeout(10):
            await control.run(wake_and_stop())
