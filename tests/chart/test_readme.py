"""The chart README documents every value: each parameter in values.yaml is annotated with
`## @param` and listed in the README's parameters table."""

from __future__ import annotations

from tests.chart.chart_docs import annotated, readme_parameters, undocumented_values
from tests.chart.conftest import CHART


def test_every_value_is_annotated() -> None:
    assert undocumented_values(CHART) == []


def test_readme_lists_exactly_the_annotated_values() -> None:
    assert readme_parameters(CHART) == annotated(CHART)


def test_readme_records_the_setup_job_decision() -> None:
    readme = (CHART / "README.md").read_text()
    assert "not a Helm hook" in readme
    assert "<fullname>-setup-r{{ .Release.Revision }}" in readme
    assert "woo-platform/release-revision" in readme
