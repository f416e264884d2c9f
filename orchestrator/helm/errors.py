"""Typed helm failures, recognised from helm's stderr."""

from __future__ import annotations

import re


class HelmError(Exception):
    """helm failed; ``transient`` says whether the same command may succeed later."""

    transient = False

    def __init__(self, message: str, *, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr


class HelmNotInstalled(HelmError):
    pass


class HelmTimeout(HelmError):
    transient = True


class ReleaseNotFound(HelmError):
    pass


class ChartRenderError(HelmError):
    """The chart cannot be rendered with these values: retrying will not help."""


class ClusterUnreachable(HelmError):
    transient = True


class OperationInProgress(HelmError):
    """Another helm operation holds the release (pending-install/upgrade/rollback)."""

    transient = True


class ApiConflict(HelmError):
    transient = True


class ApiRejected(HelmError):
    """The Kubernetes API refused an object (invalid, forbidden, quota): permanent."""


# Order matters: the first pattern that matches names the error.
_PATTERNS: list[tuple[re.Pattern[str], type[HelmError]]] = [
    (re.compile(r"release: not found|release not found", re.I), ReleaseNotFound),
    (
        re.compile(r"another operation \(install/upgrade/rollback\) is in progress"),
        OperationInProgress,
    ),
    # Two installs of one release raced (a replica that lost its lease had its helm still
    # running while the next owner started one): the other install holds or has made the
    # release, so this is a retry later, not a broken store.
    (
        re.compile(r"release: already exists|cannot re-use a name that is still in use"),
        OperationInProgress,
    ),
    (
        re.compile(
            r"kubernetes cluster unreachable|connection refused|no such host|"
            r"i/o timeout|tls handshake timeout|EOF$|server is currently unable",
            re.I | re.M,
        ),
        ClusterUnreachable,
    ),
    (re.compile(r"context deadline exceeded|timed out waiting", re.I), HelmTimeout),
    (
        re.compile(
            r"parse error|template: |execution error at|executing \".*\" at <|"
            r"nil pointer evaluating|values don't meet the "
            r"specifications of the schema|unable to build kubernetes objects|"
            r"error converting YAML|YAML parse error|chart requires kubeVersion|"
            r"path .* not found|Chart\.yaml file is missing",
            re.I,
        ),
        ChartRenderError,
    ),
    (
        re.compile(r"the object has been modified|Operation cannot be fulfilled|conflict", re.I),
        ApiConflict,
    ),
    (
        re.compile(r"is invalid|is forbidden|forbidden:|exceeded quota|admission webhook", re.I),
        ApiRejected,
    ),
    (
        re.compile(
            r"Internal error occurred|the server has received too many requests|"
            r"\(InternalError\)|status code 5\d\d|ServiceUnavailable|TooManyRequests",
            re.I,
        ),
        ClusterUnreachable,
    ),
]


def classify(stderr: str, command: str) -> HelmError:
    """The typed error for a helm run that exited non-zero with this stderr."""
    text = stderr.strip()
    summary = _error_summary(text) or f"helm {command} failed"
    for pattern, error_type in _PATTERNS:
        if pattern.search(text):
            return error_type(summary, stderr=text)
    return HelmError(summary, stderr=text)


def _error_summary(text: str) -> str:
    """helm's own error message: from its first ``Error:`` line up to its debug hint, on one
    line (helm 4 spreads template errors over several lines)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Error:")), None)
    if start is None:
        kept = [line.strip() for line in lines if line.strip()][-3:]
    else:
        kept = []
        for line in lines[start:]:
            if line.startswith("Use --debug"):
                break
            if line.strip():
                kept.append(line.strip())
        kept[0] = kept[0].removeprefix("Error:").strip()
    summary = " ".join(kept)
    return summary if len(summary) <= 500 else summary[:499] + "…"
