"""The two kinds of step failure the reconciler knows (after kopf): retry later, or stop."""

from __future__ import annotations

from orchestrator.helm.errors import HelmError
from orchestrator.kube.errors import KubeError
from orchestrator.vault.errors import VaultError


class StepError(Exception):
    transient = False


class TemporaryStepError(StepError):
    """Retry after a backoff, as long as the step's deadline allows."""

    transient = True


class PermanentStepError(StepError):
    """Retrying will not help: the store becomes Failed with this reason."""


def as_step_error(exc: Exception) -> StepError:
    """Our verdict on any exception a step raised; unexpected ones are retried."""
    if isinstance(exc, StepError):
        return exc
    if isinstance(exc, HelmError | KubeError | VaultError):
        kind = TemporaryStepError if exc.transient else PermanentStepError
        error = kind(str(exc))
    else:
        error = TemporaryStepError(f"unexpected {type(exc).__name__}: {exc}")
    error.__cause__ = exc
    return error
