"""Label and field selectors in their query-string form (`app=web,tier in (a,b),!legacy`).

Field selectors accept only the fields the apiserver supports for the resource, so a selector a
real cluster would refuse with 400 is refused here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kube_standin import errors
from kube_standin.resources import ResourceType

Predicate = Callable[[dict[str, Any]], bool]

_SET_REQUIREMENT = re.compile(r"^\s*(\S+?)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQUALITY = re.compile(r"^\s*([^!=\s]+)\s*(==|!=|=)\s*(\S*)\s*$")
_EXISTS = re.compile(r"^\s*(!?)\s*([^!=\s()]+)\s*$")


@dataclass(frozen=True)
class _Requirement:
    key: str
    operator: str
    values: frozenset[str]

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        match self.operator:
            case "exists":
                return present
            case "!":
                return not present
            case "in" | "=":
                return present and value in self.values
            case _:  # notin, !=
                return not present or value not in self.values


def label_selector(selector: str) -> Predicate:
    """Parse a label selector; the predicate takes a whole object."""
    requirements = [_parse_requirement(part) for part in _split_top_level(selector)]

    def matches(obj: dict[str, Any]) -> bool:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return all(r.matches(labels) for r in requirements)

    return matches


def field_selector(resource: ResourceType, selector: str) -> Predicate:
    supported = ("metadata.name", "metadata.namespace", *resource.field_labels)
    terms: list[tuple[str, bool, str]] = []
    for part in _split_top_level(selector):
        match = _EQUALITY.match(part)
        if not match:
            raise errors.bad_request(f"invalid selector: '{selector}'; can't understand '{part}'")
        path, operator, value = match.groups()
        if path not in supported:
            raise errors.bad_request(
                f'"{path}" is not a known field selector: only "{", ".join(supported)}"'
            )
        terms.append((path, operator != "!=", value))

    def matches(obj: dict[str, Any]) -> bool:
        return all((_field_value(obj, path) == value) == wanted for path, wanted, value in terms)

    return matches


def match_label_selector(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A structured `LabelSelector` (matchLabels + matchExpressions), as in workload specs."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    operators = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expression in selector.get("matchExpressions") or []:
        requirement = _Requirement(
            expression["key"],
            operators[expression["operator"]],
            frozenset(expression.get("values") or ()),
        )
        if not requirement.matches(labels):
            return False
    return True


def _split_top_level(selector: str) -> list[str]:
    """Split on commas that are not inside `in (...)` value lists."""
    parts, depth, current = [], 0, ""
    for char in selector:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return [p for p in parts if p.strip()]


def _parse_requirement(part: str) -> _Requirement:
    if match := _SET_REQUIREMENT.match(part):
        key, operator, values = match.groups()
        return _Requirement(key, operator, frozenset(v.strip() for v in values.split(",")))
    if match := _EQUALITY.match(part):
        key, operator, value = match.groups()
        return _Requirement(key, "!=" if operator == "!=" else "=", frozenset({value}))
    if match := _EXISTS.match(part):
        negated, key = match.groups()
        return _Requirement(key, "!" if negated else "exists", frozenset())
    raise errors.bad_request(
        f"unable to parse requirement: found '{part.strip()}', "
        "expected: in, notin, =, ==, !=, gt, lt"
    )


def _field_value(obj: dict[str, Any], path: str) -> str:
    current: Any = obj
    for part in path.split("."):
        current = current.get(part) if isinstance(current, dict) else None
    if path == "source" and isinstance(current, dict):
        current = current.get("component")
    if isinstance(current, bool):
        return str(current).lower()
    return "" if current is None else str(current)
