"""A chart documents every value: `## @param` lines in values.yaml, and the README's parameters
table listing exactly those, in order. Used for the store chart and the platform chart."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

PARAM = re.compile(r"^\s*## @param (\S+) ")
ROW = re.compile(r"^\| `([^`]+)` \|")


def annotated(chart: Path) -> list[str]:
    """The parameters named by `## @param` lines, in file order."""
    lines = (chart / "values.yaml").read_text().splitlines()
    return [m.group(1) for line in lines if (m := PARAM.match(line))]


def leaves(node: Any, prefix: str = "") -> list[str]:
    if isinstance(node, dict) and node:
        return [leaf for key, value in node.items() for leaf in leaves(value, f"{prefix}{key}.")]
    return [prefix.rstrip(".")]


def undocumented_values(chart: Path) -> list[str]:
    """Values with no `## @param` line covering them; duplicated annotations count too."""
    params = annotated(chart)
    problems = [f"{p} is annotated twice" for p in sorted(set(params)) if params.count(p) > 1]
    for leaf in leaves(yaml.safe_load((chart / "values.yaml").read_text())):
        if not any(leaf == p or leaf.startswith(p + ".") for p in params):
            problems.append(f"{leaf} has no ## @param line in values.yaml")
    return problems


def readme_parameters(chart: Path) -> list[str]:
    """The parameter names in the README's table under `## Parameters`, in order."""
    readme = (chart / "README.md").read_text()
    section = readme.split("## Parameters", 1)[1]
    return [m.group(1) for line in section.splitlines() if (m := ROW.match(line))]
