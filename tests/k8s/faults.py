"""Request faults a test arms: the next N matching requests answer with an error status."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class _Rule:
    remaining: int
    status: int
    method: str | None
    path_contains: str | None

    def matches(self, method: str, path: str) -> bool:
        return ((self.method is None or self.method.upper() == method.upper())
                and (self.path_contains is None or self.path_contains in path))


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self.injected = 0

    def fail_requests(self, count: int, status: int = 500, method: str | None = None,
                      path_contains: str | None = None) -> None:
        """Answer the next `count` requests matching method and path substring with `status`
        and a Status body. Rules are consulted in the order they were armed."""
        if count < 1 or not 400 <= status <= 599:
            raise ValueError("count must be >= 1 and status an HTTP error code")
        with self._lock:
            self._rules.append(_Rule(count, status, method, path_contains))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def take(self, method: str, path: str) -> int | None:
        """The status to answer this request with, consuming one use of the rule."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    self.injected += 1
                    return rule.status
        return None
