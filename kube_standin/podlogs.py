"""What containers "wrote": lines a test (or the demo) hands to the stand-in for a pod's
container, served after the kubelet's own synthetic lines by `pods/<name>/log`, with the
apiserver's `tailLines` and `limitBytes` applied."""

from __future__ import annotations

import threading

from kube_standin import errors


class PodLogs:
    def __init__(self) -> None:
        self._lines: dict[tuple[str, str, str], list[str]] = {}
        self._lock = threading.Lock()

    def write(self, namespace: str, pod: str, container: str, text: str) -> None:
        """Append ``text`` (one or more lines) to the container's log."""
        with self._lock:
            self._lines.setdefault((namespace, pod, container), []).extend(text.splitlines())

    def written(self, namespace: str, pod: str, container: str) -> list[str]:
        with self._lock:
            return list(self._lines.get((namespace, pod, container), []))


def bounded(text: str, tail_lines: str | None, limit_bytes: str | None) -> str:
    """The log as the apiserver sends it: the last ``tailLines`` lines, then at most
    ``limitBytes`` bytes of those (cut from the end, as the kubelet stops reading)."""
    tail = _non_negative("tailLines", tail_lines, minimum=0)
    limit = _non_negative("limitBytes", limit_bytes, minimum=1)
    if tail is not None:
        lines = text.splitlines(keepends=True)
        text = "".join(lines[-tail:]) if tail else ""
    if limit is not None:
        text = text.encode()[:limit].decode(errors="ignore")
    return text


def _non_negative(name: str, value: str | None, *, minimum: int) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise errors.bad_request(
            f'strconv.ParseInt: parsing "{value}": invalid syntax for {name}'
        ) from None
    if number < minimum:
        raise errors.bad_request(f"{name}: Invalid value: {number}: must be >= {minimum}")
    return number
