"""The files every store is installed from: the chart (WOO_CHART_PATH) and one values file per
environment (WOO_VALUES_DIR/values-<environment>.yaml). Checked when the service starts and by
/readyz, so a wrong path stops the service instead of failing every store at install time."""

from __future__ import annotations

from typing import get_args

import yaml

from orchestrator.config import Settings
from orchestrator.models import Environment


def chart_file_problems(settings: Settings) -> list[str]:
    """What is wrong with the chart and values files, each naming its variable; [] when none."""
    problems = []
    chart = settings.chart_path / "Chart.yaml"
    if not chart.is_file():
        problems.append(f"WOO_CHART_PATH: {settings.chart_path} is not a chart (no Chart.yaml)")
    for environment in get_args(Environment):
        values = settings.values_file(environment)
        problem = _values_problem(values.read_text()) if values.is_file() else "is missing"
        if problem:
            problems.append(f"WOO_VALUES_DIR: {values} {problem}")
    return problems


def _values_problem(text: str) -> str | None:
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return f"is not valid YAML ({str(exc).splitlines()[0]})"
    if parsed is not None and not isinstance(parsed, dict):
        return "must be a YAML mapping of chart values"
    return None
