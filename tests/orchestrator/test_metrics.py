"""The metrics dashboards and alerts are built on: what a store lifecycle records, the fleet's
gauges read from the database, and the Kubernetes and helm calls counted by result."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from harness.app import RunningApp, running_app
from kube_standin import KubeStandin
from orchestrator.helm.errors import ReleaseNotFound
from orchestrator.helm.runner import HelmRunner
from orchestrator.kube.client import KubeClient
from orchestrator.kube.errors import KubeUnavailable
from tests.orchestrator.conftest import UNREACHABLE_KUBECONFIG, SettingsFor
from tests.orchestrator.lifecycle_support import helm_wrapper, wait_for_status, wait_for_store
from tests.orchestrator.manual_clock import ManualClock

DEMO = {"store_name": "demo", "domain": "demo.localhost", "environment": "local"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scraped: Samples, name: str, **labels: str) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


async def scrape(api: RunningApp) -> Samples:
    response = await api.client.get("/metrics")
    assert response.status_code == 200
    return samples(response.text)


@pytest.fixture
async def api(settings_for: SettingsFor) -> AsyncIterator[RunningApp]:
    async with running_app(settings_for()) as running:
        yield running


async def test_a_lifecycle_records_time_to_ready_steps_and_tool_calls(api: RunningApp) -> None:
    created = (await api.client.post("/stores", json=DEMO)).json()
    await wait_for_status(api.client, created["id"], "Ready")
    ready = await scrape(api)

    assert value(ready, "woo_store_provision_seconds_count") == 1
    for step in ("namespace", "secrets", "release", "readiness"):
        assert value(ready, "woo_store_step_duration_seconds_count", step=step) == 1, step
        assert value(ready, "woo_reconcile_steps_total", step=step, outcome="ok") >= 1, step
    assert value(ready, "woo_helm_commands_total", command="upgrade", result="ok") == 1
    assert value(ready, "woo_helm_command_seconds_count", command="upgrade") == 1
    # The namespace did not exist before the store: a 404, then the create.
    assert value(ready, "woo_kube_requests_total", result="not_found") >= 1
    assert value(ready, "woo_kube_requests_total", result="ok") >= 3
    assert value(ready, "woo_stores", status="Ready") == 1
    assert value(ready, "woo_store_oldest_provisioning_seconds") == 0

    await api.client.delete(f"/stores/{created['id']}")
    await wait_for_status(api.client, created["id"], "Deleted")
    deleted = await scrape(api)
    assert value(deleted, "woo_helm_commands_total", command="uninstall", result="ok") == 1
    assert value(deleted, "woo_store_step_duration_seconds_count", step="namespace-delete") == 1
    assert value(deleted, "woo_stores", status="Deleted") == 1
    assert value(deleted, "woo_reconcile_pass_errors_total") == 0


async def test_failing_steps_are_counted_by_kind(settings_for: Any, tmp_path: Path) -> None:
    # A chart that does not exist: helm's render failure is permanent, the store fails.
    settings = settings_for(chart_path=tmp_path / "no-such-chart")
    async with running_app(settings) as api:
        created = (await api.client.post("/stores", json=DEMO)).json()
        await wait_for_status(api.client, created["id"], "Failed")
        scraped = await scrape(api)
    assert value(scraped, "woo_reconcile_steps_total", step="release", outcome="ok") == 0
    assert (
        value(scraped, "woo_reconcile_steps_total", step="release", outcome="permanent_error") == 1
    )
    assert value(scraped, "woo_store_failures_total", step="release") == 1
    assert value(scraped, "woo_stores", status="Failed") == 1
    upgrade_results = {
        dict(labels)["result"]
        for (name, labels), count in scraped.items()
        if name == "woo_helm_commands_total" and dict(labels)["command"] == "upgrade" and count
    }
    assert upgrade_results and "ok" not in upgrade_results


async def test_queue_and_provisioning_age_come_from_the_database(
    settings_for: Any, kube_standin: KubeStandin, tmp_path: Path
) -> None:
    # helm never finishes while the test looks: the store stays Provisioning, and with one
    # slot busy a second store waits in the queue.
    hanging = helm_wrapper(tmp_path, "hanging-helm", "sleep 30\n")
    clock = ManualClock()
    settings = settings_for(helm_bin=hanging, max_concurrency=1)
    async with running_app(settings, clock) as api:
        first = (await api.client.post("/stores", json=DEMO)).json()
        await wait_for_status_reason(api, first["id"], "installing the helm release")
        await api.client.post("/stores", json={**DEMO, "store_name": "other", "domain": None})
        clock.advance(2)
        scraped = await scrape(api)
    assert value(scraped, "woo_stores", status="Provisioning") == 2
    assert value(scraped, "woo_reconcile_in_flight") == 1
    assert value(scraped, "woo_reconcile_queue_depth") == 1
    assert 2 <= value(scraped, "woo_reconcile_queue_wait_seconds") < 30
    assert 2 <= value(scraped, "woo_store_oldest_provisioning_seconds") < 30


async def wait_for_status_reason(api: RunningApp, store_id: str, reason: str) -> None:
    await wait_for_store(
        api.client, store_id, lambda s: s["status_reason"] == reason, what=repr(reason)
    )


async def test_kube_requests_are_reported_with_their_result(
    kube_standin: KubeStandin, tmp_path: Path
) -> None:
    seen: list[tuple[float, str]] = []
    client = KubeClient(
        kubeconfig=kube_standin.kubeconfig,
        context=None,
        request_timeout=5,
        on_request=lambda seconds, result: seen.append((seconds, result)),
    )
    try:
        await client.create_namespace("metrics-demo", {})
        assert await client.get_namespace("missing") is None
    finally:
        client.close()
    assert [result for _, result in seen] == ["ok", "not_found"]
    assert all(seconds >= 0 for seconds, _ in seen)

    unreachable = tmp_path / "kubeconfig"
    unreachable.write_text(UNREACHABLE_KUBECONFIG)
    down: list[str] = []
    client = KubeClient(
        kubeconfig=unreachable,
        context=None,
        request_timeout=2,
        on_request=lambda seconds, result: down.append(result),
    )
    try:
        with pytest.raises(KubeUnavailable):
            await client.server_version()
    finally:
        client.close()
    assert down == ["unavailable"]


async def test_helm_commands_are_reported_with_verb_and_error_kind(
    helm_bin: Path, tmp_path: Path
) -> None:
    seen: list[tuple[str, str]] = []

    def note(command: str, seconds: float, result: str) -> None:
        seen.append((command, result))

    await HelmRunner(helm_bin, on_command=note).version()
    failing = helm_wrapper(
        tmp_path, "failing-helm", "echo 'Error: release: not found' >&2\nexit 1\n"
    )
    runner = HelmRunner(failing, on_command=note)
    assert await _status_or_none(runner) is None
    assert seen == [("version", "ok"), ("status", "release_not_found")]


async def _status_or_none(runner: HelmRunner) -> object:
    try:
        return await runner.status("store", namespace="ns", timeout=5)
    except ReleaseNotFound:
        return None
