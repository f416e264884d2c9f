"""The README's configuration table is the settings class: every setting listed once, in the
class's order, under its environment variable, with its real default."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from orchestrator.config import REPO_ROOT, Settings

ROW = re.compile(r"^\| `(WOO_[A-Z_]+)` \| ([^|]+) \|")
README = REPO_ROOT / "README.md"


def documented_default(value: Any) -> str:
    """How the table shows a default: unset for None, none for an empty list, paths relative
    to the checkout, whole numbers without a decimal point."""
    if value is None:
        return "unset"
    if value == []:
        return "none"
    if isinstance(value, Path):
        relative = value.relative_to(REPO_ROOT).as_posix()
        return "`.`" if relative == "." else f"`{relative}`"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    return f"`{value}`"


def table_problems(readme: str) -> list[str]:
    section = readme.split("## Configuration", 1)[1]
    rows = [m.groups() for line in section.splitlines() if (m := ROW.match(line))]
    listed = [variable for variable, _ in rows]
    expected = [f"WOO_{name.upper()}" for name in Settings.model_fields]
    if listed != expected:
        return [f"the table lists {listed}, the settings are {expected}"]
    problems = []
    for (variable, shown), field in zip(rows, Settings.model_fields.values(), strict=True):
        default = documented_default(field.get_default(call_default_factory=True))
        if not shown.strip().startswith(default):
            problems.append(f"{variable}: the README says {shown.strip()!r}, the code {default}")
    return problems


def test_table_lists_every_setting_in_order_with_its_default() -> None:
    assert table_problems(README.read_text()) == []


def test_a_wrong_default_or_a_missing_setting_is_caught() -> None:
    readme = README.read_text()
    wrong = readme.replace(
        "| `WOO_HELM_TIMEOUT_SECONDS` | `180` |", "| `WOO_HELM_TIMEOUT_SECONDS` | `300` |"
    )
    assert wrong != readme
    assert table_problems(wrong) == [
        "WOO_HELM_TIMEOUT_SECONDS: the README says '`300`', the code `180`"
    ]
    missing = "\n".join(
        line for line in readme.splitlines() if "`WOO_BACKOFF_MAX_SECONDS`" not in line
    )
    assert len(table_problems(missing)) == 1
