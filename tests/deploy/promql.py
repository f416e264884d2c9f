"""The metric names a PromQL expression reads, and the queries the shipped dashboard and alerts
make."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.deploy.platform_chart import PLATFORM_CHART, render_platform

DASHBOARD = PLATFORM_CHART / "files" / "dashboard.json"
PROMETHEUS_RULE_API = "monitoring.coreos.com/v1/PrometheusRule"
FULLNAME = "woo-platform"

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")
# Label lists: by (...), without (...), on (...), ignoring (...), group_left (...), ...
_LABEL_LISTS = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
# Not inside a number or a duration (5m, 1e3, 0.5).
_IDENTIFIER = re.compile(r"(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring"}


def metric_names(expr: str) -> set[str]:
    """Metric names read by ``expr``: identifiers that are not functions, keywords, label names
    or numbers, once strings, label matchers, ranges and label lists are taken out."""
    text = _STRINGS.sub(" ", expr)
    text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _LABEL_LISTS.sub(" ", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        word = match.group(0)
        following = text[match.end() :].lstrip()
        if following.startswith("(") or word in _KEYWORDS:
            continue
        if word.lower() in ("inf", "nan"):
            continue
        names.add(word)
    return names


def dashboard_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [
        target["expr"]
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
        if target.get("expr")
    ]


def rendered_rules(helm_bin: Path, *extra: str) -> dict[str, Any]:
    """The alerting rules as the chart renders them where the Prometheus Operator runs."""
    manifest = render_platform(
        helm_bin,
        "default",
        "--api-versions",
        PROMETHEUS_RULE_API,
        "--set",
        "metrics.prometheusRule.enabled=true",
        *extra,
    )
    spec: dict[str, Any] = manifest.one("PrometheusRule", FULLNAME)["spec"]
    return spec


def alerts_of(rules: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"]}


def alert_queries(rules: dict[str, Any]) -> list[str]:
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def exported_names(exposition: str) -> set[str]:
    """The series names a scrape of this exposition can answer, whether or not a labelled
    metric has seen its first value yet."""
    names = set()
    for family in text_string_to_metric_families(exposition):
        if family.type == "counter":
            names.add(f"{family.name}_total")
        elif family.type == "histogram":
            names.update(f"{family.name}{suffix}" for suffix in ("_bucket", "_count", "_sum"))
        else:
            names.add(family.name)
    return names
