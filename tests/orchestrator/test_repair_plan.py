"""When a Degraded store is repaired automatically: bounded, with doubling waits, forgotten
after an hour, never over lost data, a suspension or a repair already pending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from orchestrator.models import Store
from orchestrator.provisioning.repair import RepairPlan, plan_repair
from tests.orchestrator.conftest import make_settings

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def installed(**fields: object) -> Store:
    values: dict[str, object] = {
        "generation": 3,
        "applied_generation": 3,
        "repair_attempts": 0,
        "last_repair_at": None,
        "suspended": False,
        "data_lost_at": None,
    }
    values.update(fields)
    return Store(**values)


def test_attempts_wait_twice_as_long_each_time_up_to_the_limit(tmp_path: Path) -> None:
    settings = make_settings(
        "sqlite://", tmp_path, repair_max_attempts=3, repair_backoff_seconds=30
    )
    plans = [
        plan_repair(installed(repair_attempts=n, last_repair_at=NOW), settings, NOW)
        for n in range(4)
    ]
    assert plans[:3] == [
        RepairPlan(attempt=1, due=NOW + timedelta(seconds=30)),
        RepairPlan(attempt=2, due=NOW + timedelta(seconds=60)),
        RepairPlan(attempt=3, due=NOW + timedelta(seconds=120)),
    ]
    assert plans[3] == RepairPlan(attempt=3, due=None)


def test_an_hour_without_repairs_starts_the_count_again(tmp_path: Path) -> None:
    settings = make_settings("sqlite://", tmp_path, repair_max_attempts=2)
    spent = installed(repair_attempts=2, last_repair_at=NOW - timedelta(minutes=59))
    assert plan_repair(spent, settings, NOW) == RepairPlan(attempt=2, due=None)
    old = installed(repair_attempts=2, last_repair_at=NOW - timedelta(minutes=61))
    plan = plan_repair(old, settings, NOW)
    assert plan is not None and plan.attempt == 1 and plan.due is not None


def test_no_repair_over_lost_data_a_suspension_or_a_pending_repair(tmp_path: Path) -> None:
    settings = make_settings("sqlite://", tmp_path)
    assert plan_repair(installed(data_lost_at=NOW), settings, NOW) is None
    assert plan_repair(installed(suspended=True), settings, NOW) is None
    assert plan_repair(installed(generation=4), settings, NOW) is None
    off = make_settings("sqlite://", tmp_path, repair_max_attempts=0)
    assert plan_repair(installed(), off, NOW) is None


def test_a_scheduled_repair_is_a_new_generation_due_later(tmp_path: Path) -> None:
    settings = make_settings("sqlite://", tmp_path)
    store = installed()
    plan = plan_repair(store, settings, NOW)
    assert plan is not None
    changes = plan.store_changes(store, "missing from the cluster: WordPress Deployment", NOW)
    assert changes == {
        "generation": 4,
        "next_attempt_at": NOW + timedelta(seconds=30),
        "repair_attempts": 1,
        "last_repair_at": NOW,
        "repair_reason": "missing from the cluster: WordPress Deployment",
    }
