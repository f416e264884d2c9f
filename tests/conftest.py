"""Fixtures shared by every test folder: where helm is, and a helm home of its own per run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.config import Settings

# The `kube_standin` fixture, for every test folder.
pytest_plugins = ["harness.pytest_fixtures"]

# The modules that take longest (minutes each under pytest-xdist), slowest first. scripts/test.sh
# runs `-n 4 --dist loadfile`: each module goes whole to one worker (its module fixtures made
# once), in collection order, so these are handed out first and no worker starts a long one
# while the others are about to finish. Only the order changes, and only under xdist; a module
# missing here just runs in its usual place.
SLOW_MODULES = (
    "tests/chart/test_setup_script.py",
    "tests/deploy/test_image.py",
    "tests/chart/test_seed.py",
    "tests/deploy/test_rbac.py",
    "tests/cli/test_stores_cli.py",
    "tests/chart/test_backup_scripts.py",
    "tests/orchestrator/test_auth.py",
    "tests/orchestrator/test_backups.py",
    "tests/orchestrator/test_rollouts.py",
    "tests/cli/test_backups_cli.py",
    "tests/chart/test_lint_and_validate.py",
    "tests/orchestrator/test_fuzz.py",
    "tests/orchestrator/test_lifecycle.py",
    "tests/orchestrator/test_api_edges.py",
    "tests/orchestrator/test_day2.py",
    "tests/test_run_platform.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    rank = {module: place for place, module in enumerate(SLOW_MODULES)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(SLOW_MODULES)))


@pytest.fixture(scope="session")
def helm_bin() -> Path:
    """The helm the tests run (WOO_HELM_BIN, the pinned copy, or PATH). Tests must run the real
    binary, so a missing helm is an error, not a skip."""
    helm = Settings().resolve_helm()
    if helm is None:
        raise RuntimeError("helm not found: run scripts/install_helm.py or set WOO_HELM_BIN")
    return helm


@pytest.fixture(scope="session", autouse=True)
def isolated_helm_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep helm's cache/config/data out of the developer's home, so tests never read a
    repository list or plugin the developer happens to have."""
    home = tmp_path_factory.mktemp("helm-home")
    names = ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME")
    saved = {name: os.environ.get(name) for name in names}
    os.environ["HELM_CACHE_HOME"] = str(home / "cache")
    os.environ["HELM_CONFIG_HOME"] = str(home / "config")
    os.environ["HELM_DATA_HOME"] = str(home / "data")
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
