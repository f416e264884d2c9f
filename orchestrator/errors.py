"""The domain error tree. Every error the API returns is one of these, rendered as
``{"error": code, "detail": message}`` (plus ``fields`` for validation errors)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import JSONResponse


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class WooError(Exception):
    """Base of every error we raise on purpose. ``detail`` is shown to API users, so it must
    never carry a secret or a stack trace."""

    status_code = 500
    code = "internal_error"
    # Response headers that belong to the error (Retry-After).
    headers: dict[str, str] | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(WooError):
    status_code = 404
    code = "not_found"


class Conflict(WooError):
    status_code = 409
    code = "conflict"


class InvalidRequest(WooError):
    status_code = 422
    code = "validation_error"

    def __init__(self, detail: str, fields: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.fields = fields or []


class UnsupportedMediaType(WooError):
    """A body in a format the API does not read (it reads JSON)."""

    status_code = 415
    code = "unsupported_media_type"


class Unavailable(WooError):
    """Something the platform depends on (its database) does not answer; try again later."""

    status_code = 503
    code = "unavailable"


class Unauthorized(WooError):
    """No token, or one the platform does not know (answered with WWW-Authenticate: Bearer)."""

    status_code = 401
    code = "unauthorized"


class Forbidden(WooError):
    """A valid token whose scope does not allow the call."""

    status_code = 403
    code = "forbidden"


class RateLimited(WooError):
    status_code = 429
    code = "rate_limited"

    def __init__(self, detail: str, retry_after: str) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": retry_after}


class LimitReached(Conflict):
    """A configured cap (live stores) would be exceeded; the message names the setting."""

    code = "limit_reached"


class PayloadTooLarge(WooError):
    status_code = 413
    code = "payload_too_large"


class InvalidTransition(Conflict):
    """The store is in a status where the requested action makes no sense."""

    code = "invalid_state"


class BackupsDisabled(Conflict):
    """The platform has no backup target configured (WOO_BACKUP_ENDPOINT)."""

    code = "backups_disabled"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


def error_response(exc: WooError, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error shape, as an HTTP response."""
    headers = {**(exc.headers or {}), **(headers or {})}
    body: dict[str, object] = {"error": exc.code, "detail": exc.detail}
    if isinstance(exc, InvalidRequest):
        body["fields"] = [{"field": f.field, "message": f.message} for f in exc.fields]
    if exc.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=exc.status_code, headers=headers)
