"""The order, descriptions and deadlines the steps carry: which step starts a new deadline."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from orchestrator.models import DesiredState
from orchestrator.provisioning.steps import Step
from tests.orchestrator.conftest import make_settings


def test_each_direction_runs_its_steps_in_order() -> None:
    towards_present = [step for step in Step if step.towards == DesiredState.PRESENT]
    towards_absent = [step for step in Step if step.towards == DesiredState.ABSENT]
    assert towards_present == [
        Step.DATA,
        Step.NAMESPACE,
        Step.SECRETS,
        Step.SAFETY_BACKUP,
        Step.PAUSE,
        Step.RESTORE,
        Step.RELEASE,
        Step.READINESS,
    ]
    assert towards_absent == [Step.UNINSTALL, Step.NAMESPACE_DELETE]


def test_only_a_later_step_starts_anew() -> None:
    assert Step.NAMESPACE.is_later_than(None)
    assert Step.NAMESPACE.is_later_than(Step.DATA)
    assert Step.READINESS.is_later_than(Step.RELEASE)
    # Re-checking an earlier step keeps the deadline of the step the store is at.
    assert not Step.NAMESPACE.is_later_than(Step.READINESS)
    assert not Step.RELEASE.is_later_than(Step.RELEASE)
    # After a restore the release (unpaused) and readiness start anew; the safety backup, the
    # pause and the restore follow each other.
    assert Step.RELEASE.is_later_than(Step.RESTORE)
    assert Step.PAUSE.is_later_than(Step.SAFETY_BACKUP)
    assert Step.RESTORE.is_later_than(Step.PAUSE)
    # Turning round (a DELETE while provisioning) starts the other direction afresh.
    assert Step.UNINSTALL.is_later_than(Step.READINESS)
    assert Step.NAMESPACE.is_later_than(Step.NAMESPACE_DELETE)


def test_steps_are_stored_and_shown_by_their_names() -> None:
    assert [str(step) for step in Step] == [
        "data",
        "namespace",
        "secrets",
        "safety-backup",
        "pause",
        "restore",
        "release",
        "readiness",
        "uninstall",
        "namespace-delete",
    ]
    assert Step.RELEASE.description == "installing the helm release"


def test_deadlines_come_from_the_settings(tmp_path: Path) -> None:
    settings = make_settings(
        "sqlite://",
        tmp_path,
        helm_timeout_seconds=21,
        step_deadline_seconds=41,
        ready_deadline_seconds=42,
        delete_deadline_seconds=43,
    )
    assert Step.SECRETS.deadline(settings) == timedelta(seconds=41)
    assert Step.UNINSTALL.deadline(settings) == timedelta(seconds=41)
    assert Step.READINESS.deadline(settings) == timedelta(seconds=42)
    assert Step.NAMESPACE_DELETE.deadline(settings) == timedelta(seconds=43)
