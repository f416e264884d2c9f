"""Request bodies are JSON. A body sent with another declared type is refused with 415 naming
the type we expect, instead of failing validation with a message about dictionaries."""

from __future__ import annotations

from fastapi import Request

from orchestrator.errors import UnsupportedMediaType

EXPECTED = "application/json"


def require_json_body(request: Request) -> None:
    """A dependency for routes that read JSON; a request without a body passes (the route
    then says which fields it needs)."""
    if not _has_body(request):
        return
    declared = request.headers.get("content-type", "")
    media_type = declared.partition(";")[0].strip().lower()
    if media_type == EXPECTED or media_type.endswith("+json"):
        return
    raise UnsupportedMediaType(
        f"the body must be JSON (Content-Type: {EXPECTED}), "
        f"not {media_type or 'a body without a Content-Type'}"
    )


def _has_body(request: Request) -> bool:
    length = request.headers.get("content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return "transfer-encoding" in request.headers
