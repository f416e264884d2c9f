"""Our errors for Kubernetes API failures, each chaining the client's exception as its cause."""

from __future__ import annotations

import json


class KubeError(Exception):
    """A Kubernetes API call failed; ``transient`` says whether retrying may help."""

    transient = False
    # The ``result`` label of the request in the orchestrator's metrics.
    result = "error"


class KubeUnavailable(KubeError):
    """No answer (connection refused, timeout, TLS) or 5xx/429: the API may come back."""

    transient = True
    result = "unavailable"


class KubeConflict(KubeError):
    transient = True
    result = "conflict"


class KubeNotFound(KubeError):
    result = "not_found"


class KubeRejected(KubeError):
    """The API refused the request (invalid, forbidden): retrying the same request won't help."""

    result = "rejected"


def from_status(
    status: int, body: str | bytes | None, action: str, *, quote_message: bool = True
) -> KubeError:
    """Map an HTTP status from the API server to our error. ``quote_message`` is off for
    requests that carried secret material, so no part of the answer is repeated."""
    reason, message = _parse_status_body(body)
    text = f"{action}: {status} {reason}".rstrip()
    if quote_message and message:
        text = f"{text}: {message}"
    if status == 404:
        return KubeNotFound(text)
    if status == 409:
        return KubeConflict(text)
    if status == 429 or status >= 500:
        return KubeUnavailable(text)
    return KubeRejected(text)


def _parse_status_body(body: str | bytes | None) -> tuple[str, str]:
    if not body:
        return "", ""
    try:
        document = json.loads(body)
    except (ValueError, TypeError):
        return "", ""
    if not isinstance(document, dict):
        return "", ""
    return str(document.get("reason", "")), str(document.get("message", ""))[:500]
