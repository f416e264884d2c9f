"""Cron schedules as CronJobs read them, and the backup settings built on them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orchestrator.config import SettingsError, load_settings
from orchestrator.schedules import cron_problem, longest_gap


@pytest.mark.parametrize(
    ("schedule", "gap"),
    [
        ("30 2 * * *", timedelta(days=1)),
        ("@daily", timedelta(days=1)),
        ("@hourly", timedelta(hours=1)),
        ("0 */6 * * *", timedelta(hours=6)),
        ("0 3 * * mon", timedelta(days=7)),
        ("0 1,13 * * *", timedelta(hours=12)),
        ("0 0 1 * *", timedelta(days=31)),
        ("0 9 * * 1-5", timedelta(days=3)),
    ],
)
def test_the_longest_gap_between_two_runs(schedule: str, gap: timedelta) -> None:
    assert cron_problem(schedule) is None
    assert longest_gap(schedule) == gap


@pytest.mark.parametrize(
    ("schedule", "problem"),
    [
        ("", "cron schedule"),
        ("* * * *", "five fields"),
        ("61 * * * *", "0-59"),
        ("0 0 30 2 *", "never runs"),
        ("@sometimes", "unknown macro"),
        ("0 0 * * funday", "not a number"),
        ("*/0 * * * *", "step"),
    ],
)
def test_schedules_kubernetes_would_refuse_are_refused(schedule: str, problem: str) -> None:
    found = cron_problem(schedule)
    assert found is not None and problem in found


def test_backup_settings_are_checked_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WOO_BACKUP_ENDPOINT", "https://s3.example.com")
    with pytest.raises(SettingsError, match="WOO_BACKUP_BUCKET"):
        load_settings()
    monkeypatch.setenv("WOO_BACKUP_BUCKET", "woo-backups")
    settings = load_settings()
    assert settings.backups_enabled
    assert (
        settings.backup_repository("abc")
        == "s3:https://s3.example.com/woo-backups/woo-platform/abc"
    )
    for name, value in [
        ("WOO_BACKUP_ENDPOINT", "s3.example.com"),
        ("WOO_BACKUP_ENDPOINT", "https://s3.example.com/path"),
        ("WOO_BACKUP_SCHEDULE", "every day"),
        ("WOO_BACKUP_TARGET_CIDRS", "10.0.0.0/8,not-a-range"),
        ("WOO_BACKUP_PREFIX", "../escape"),
    ]:
        with monkeypatch.context() as patched:
            patched.setenv(name, value)
            with pytest.raises(SettingsError, match=name):
                load_settings()
    with monkeypatch.context() as patched:
        for keep in ("DAILY", "WEEKLY", "MONTHLY"):
            patched.setenv(f"WOO_BACKUP_KEEP_{keep}", "0")
        with pytest.raises(SettingsError, match="keeps nothing"):
            load_settings()
