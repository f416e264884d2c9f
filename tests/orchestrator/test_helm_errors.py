"""helm's stderr, as helm v4 prints it, mapped to our error types."""

import pytest

from orchestrator.helm.errors import (
    ApiRejected,
    ChartRenderError,
    ClusterUnreachable,
    HelmError,
    OperationInProgress,
    ReleaseNotFound,
    classify,
)

CASES = [
    ("Error: release: not found\n", ReleaseNotFound, "release: not found"),
    ("Error: uninstall: Release not loaded: store: release: not found\n", ReleaseNotFound, ""),
    (
        'Error: kubernetes cluster unreachable: Get "http://127.0.0.1:1/version": dial tcp '
        "127.0.0.1:1: connect: connection refused\n",
        ClusterUnreachable,
        "unreachable",
    ),
    (
        'Error: bad/templates/a.yaml:1:10\n  executing "bad/templates/a.yaml" at <.Values.x.y>:\n'
        "    nil pointer evaluating interface {}.y\n\n"
        "Use --debug flag to render out invalid YAML\n",
        ChartRenderError,
        "nil pointer evaluating",
    ),
    (
        "Error: execution error at (bad/templates/a.yaml:1:3): ingress.host is required\n\n"
        "Use --debug flag to render out invalid YAML\n",
        ChartRenderError,
        "ingress.host is required",
    ),
    (
        "Error: values don't meet the specifications of the schema(s) in the following chart(s):\n"
        "bad:\n- at '': additional properties 'y' not allowed\n",
        ChartRenderError,
        "additional properties 'y' not allowed",
    ),
    (
        "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress\n",
        OperationInProgress,
        "in progress",
    ),
    # What the second of two racing installs of one release is told (helm's storage driver and
    # its install action): the first install holds the release, so it is worth a retry.
    ("Error: INSTALLATION FAILED: release: already exists\n", OperationInProgress, "exists"),
    (
        "Error: INSTALLATION FAILED: cannot re-use a name that is still in use\n",
        OperationInProgress,
        "still in use",
    ),
    (
        'Error: INSTALLATION FAILED: Service "x" is invalid: metadata.name: Invalid value\n',
        ApiRejected,
        "is invalid",
    ),
    ("Error: something nobody has seen before\n", HelmError, "nobody has seen"),
]


@pytest.mark.parametrize(("stderr", "kind", "fragment"), CASES)
def test_stderr_is_classified(stderr: str, kind: type[HelmError], fragment: str) -> None:
    error = classify(stderr, "upgrade")
    assert type(error) is kind
    assert fragment in str(error)
    assert "Use --debug" not in str(error)


def test_only_waiting_kinds_are_transient() -> None:
    assert classify("Error: kubernetes cluster unreachable: x", "status").transient
    assert classify(
        "Error: another operation (install/upgrade/rollback) is in progress", "upgrade"
    ).transient
    assert not classify("Error: execution error at (a): boom", "upgrade").transient
    assert not classify("Error: release: not found", "status").transient


def test_empty_stderr_still_names_the_command() -> None:
    assert str(classify("", "uninstall")) == "helm uninstall failed"
