"""The failures a test arms on the fake kubelet: which workloads, which reason, which message."""

from __future__ import annotations

import threading
from dataclasses import dataclass

KINDS = ("Deployment", "StatefulSet", "Job")
POD_REASONS = ("ImagePullBackOff", "ErrImagePull", "CrashLoopBackOff", "Unschedulable")
REASONS = (*POD_REASONS, "QuotaExceeded", "BackoffLimitExceeded", "PVCPending")


@dataclass(frozen=True)
class Failure:
    kind: str
    reason: str
    message: str | None = None
    name_contains: str | None = None
    namespace_prefix: str | None = None
    # Only workloads whose pod template runs an image containing this (a new version that
    # never becomes ready, while the previous one, rolled back to, does).
    image_contains: str | None = None

    def applies_to(
        self, kind: str, name: str, namespace: str, images: tuple[str, ...] | None = None
    ) -> bool:
        return (
            kind == self.kind
            and (self.name_contains is None or self.name_contains in name)
            and (self.namespace_prefix is None or namespace.startswith(self.namespace_prefix))
            and (
                self.image_contains is None
                or any(self.image_contains in image for image in images or ())
            )
        )


@dataclass(frozen=True)
class JobResult:
    """How the pods of matching Jobs end: the exit code of their container (``container``, or
    the first one) and the termination message it leaves in its status, as a program writing
    /dev/termination-log would."""

    exit_code: int
    message: str
    container: str | None = None
    name_contains: str | None = None
    namespace_prefix: str | None = None

    def applies_to(self, name: str, namespace: str) -> bool:
        return (self.name_contains is None or self.name_contains in name) and (
            self.namespace_prefix is None or namespace.startswith(self.namespace_prefix)
        )


class Failures:
    """Thread-safe: tests arm and clear from their thread, the kubelet reads in the loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[Failure] = []
        self._results: list[JobResult] = []
        self.version = 0

    def add(
        self,
        kind: str,
        reason: str,
        message: str | None,
        name_contains: str | None,
        namespace_prefix: str | None = None,
        image_contains: str | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        if reason not in REASONS:
            raise ValueError(f"reason must be one of {REASONS}, not {reason!r}")
        if reason == "BackoffLimitExceeded" and kind != "Job":
            raise ValueError("BackoffLimitExceeded only applies to Jobs")
        with self._lock:
            self._armed.append(
                Failure(kind, reason, message, name_contains, namespace_prefix, image_contains)
            )
            self.version += 1

    def add_result(self, result: JobResult) -> None:
        if not 0 <= result.exit_code <= 255:
            raise ValueError("exit_code must be 0-255")
        with self._lock:
            self._results.append(result)
            self.version += 1

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
            self._results.clear()
            self.version += 1

    def result_for(self, name: str, namespace: str) -> JobResult | None:
        """The first Job result armed for this Job (the latest armed wins over older ones)."""
        with self._lock:
            return next((r for r in reversed(self._results) if r.applies_to(name, namespace)), None)

    def armed(self) -> list[Failure]:
        with self._lock:
            return list(self._armed)

    def for_workload(
        self, kind: str, name: str, namespace: str, images: tuple[str, ...] = ()
    ) -> Failure | None:
        """The first armed failure that applies to this workload (``images``: those of its pod
        template)."""
        return next((f for f in self.armed() if f.applies_to(kind, name, namespace, images)), None)
