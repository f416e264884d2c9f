"""The domain error tree. Every error the API returns is one of these, rendered as
``{"error": code, "detail": message}`` (plus ``fields`` for validation errors)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class WooError(Exception):
    """Base of every error we raise on purpose. ``detail`` is shown to API users, so it must
    never carry a secret or a stack trace."""

    status_code = 500
    code = "internal_error"

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
    status_code = 401
    code = "unauthorized"


class InvalidTransition(Conflict):
    """The store is in a status where the requested action makes no sense."""

    code = "invalid_state"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
