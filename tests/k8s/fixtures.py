"""pytest fixtures for the Kubernetes API stand-in.

Use from any test folder with `pytest_plugins = ["tests.k8s.fixtures"]` in its conftest.py (or
`from tests.k8s.fixtures import kube_standin`).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.k8s.standin import KubeStandin


@pytest.fixture
def kube_standin() -> Iterator[KubeStandin]:
    """A fresh stand-in per test (starting one takes a few milliseconds), kubelet in "ready"
    mode. Fails the test if one of its controllers crashed, since the test then saw a cluster
    that stopped reconciling."""
    with KubeStandin() as standin:
        yield standin
    if standin.controller_errors:
        pytest.fail(f"the stand-in's controllers failed: {standin.controller_errors!r}")
