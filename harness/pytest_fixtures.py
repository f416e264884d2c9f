"""pytest fixtures of the harness, registered once for every test folder by `pytest_plugins` in
tests/conftest.py (pytest honours pytest_plugins only in the root conftest)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kube_standin import KubeStandin

__all__ = ["kube_standin"]


@pytest.fixture
def kube_standin() -> Iterator[KubeStandin]:
    """A fresh stand-in per test (starting one takes a few milliseconds), kubelet in "ready"
    mode. Fails the test if one of its controllers crashed, since the test then saw a cluster
    that stopped reconciling."""
    with KubeStandin() as standin:
        yield standin
    if standin.controller_errors:
        pytest.fail(f"the stand-in's controllers failed: {standin.controller_errors!r}")
