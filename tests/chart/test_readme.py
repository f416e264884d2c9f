"""The chart README documents every value: each parameter in values.yaml is annotated with
`## @param` and listed in the README's parameters table."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.chart.conftest import CHART

VALUES_FILE = CHART / "values.yaml"
PARAM = re.compile(r"^\s*## @param (\S+) ")
ROW = re.compile(r"^\| `([^`]+)` \|")


def annotated() -> list[str]:
    return [m.group(1) for line in VALUES_FILE.read_text().splitlines() if (m := PARAM.match(line))]


def leaves(node: Any, prefix: str = "") -> list[str]:
    if isinstance(node, dict) and node:
        return [leaf for key, value in node.items() for leaf in leaves(value, f"{prefix}{key}.")]
    return [prefix.rstrip(".")]


def test_every_value_is_annotated() -> None:
    params = annotated()
    assert len(params) == len(set(params))
    for leaf in leaves(yaml.safe_load(VALUES_FILE.read_text())):
        covered = any(leaf == p or leaf.startswith(p + ".") for p in params)
        assert covered, f"{leaf} has no ## @param line in values.yaml"


def test_readme_lists_exactly_the_annotated_values() -> None:
    readme = (CHART / "README.md").read_text()
    rows = [
        m.group(1)
        for line in readme.split("## Parameters", 1)[1].splitlines()
        if (m := ROW.match(line))
    ]
    assert rows == annotated()


def test_readme_records_the_setup_job_decision() -> None:
    readme = (CHART / "README.md").read_text()
    assert "not a Helm hook" in readme
    assert "<fullname>-setup-r{{ .Release.Revision }}" in readme
    assert "woo-platform/release-revision" in readme
