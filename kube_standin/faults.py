"""Request faults a test arms: the next N matching requests answer with an error status."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kube_standin import errors
from kube_standin.errors import ApiError


@dataclass
class _Rule:
    remaining: int
    status: int
    method: str | None
    path_contains: str | None
    retry_after: int | None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method.upper() == method.upper()) and (
            self.path_contains is None or self.path_contains in path
        )


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self.injected = 0

    def fail_requests(
        self,
        count: int,
        status: int = 500,
        method: str | None = None,
        path_contains: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next `count` requests matching method and path substring (path and query
        string) with `status` and a Status body. Rules are consulted in the order they were
        armed. With `retry_after`, the answer carries a Retry-After header; note that urllib3
        (under the Python client) then retries 429/503 GETs by itself, up to 3 times."""
        if count < 1 or not 400 <= status <= 599:
            raise ValueError("count must be >= 1 and status an HTTP error code")
        with self._lock:
            self._rules.append(_Rule(count, status, method, path_contains, retry_after))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def take(self, method: str, path: str) -> ApiError | None:
        """The error to answer this request with, consuming one use of the rule."""
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    self.injected += 1
                    return errors.injected(rule.status, rule.retry_after)
        return None
