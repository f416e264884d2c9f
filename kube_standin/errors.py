"""API errors as the apiserver renders them: a `kind: Status` body with reason, details and code.

Messages follow apimachinery's wording (`secrets "x" not found`, `... already exists`,
`Deployment.apps "x" is invalid: ...`) so that code matching on them behaves as on a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube_standin.resources import ResourceType


@dataclass(frozen=True)
class Cause:
    reason: str
    message: str
    field: str


@dataclass
class ApiError(Exception):
    code: int
    reason: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code} {self.reason}: {self.message}"

    def status(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


def _details(resource: ResourceType, name: str) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "kind": resource.plural}
    if resource.group:
        details["group"] = resource.group
    return details


def not_found(resource: ResourceType, name: str) -> ApiError:
    return ApiError(
        404, "NotFound", f'{resource.group_resource} "{name}" not found', _details(resource, name)
    )


def already_exists(resource: ResourceType, name: str) -> ApiError:
    return ApiError(
        409,
        "AlreadyExists",
        f'{resource.group_resource} "{name}" already exists',
        _details(resource, name),
    )


def conflict(resource: ResourceType, name: str, why: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {resource.group_resource} "{name}": {why}',
        _details(resource, name),
    )


def forbidden(
    resource: ResourceType, name: str, why: str, causes: list[Cause] | None = None
) -> ApiError:
    details = _details(resource, name)
    if causes:
        details["causes"] = [_cause_body(c) for c in causes]
    return ApiError(
        403, "Forbidden", f'{resource.group_resource} "{name}" is forbidden: {why}', details
    )


def invalid(resource: ResourceType, name: str, causes: list[Cause]) -> ApiError:
    rendered = [f"{c.field}: {c.message}" for c in causes]
    summary = rendered[0] if len(rendered) == 1 else "[" + ", ".join(rendered) + "]"
    return ApiError(
        422,
        "Invalid",
        f'{resource.qualified_kind} "{name}" is invalid: {summary}',
        {
            "name": name,
            "group": resource.group,
            "kind": resource.kind,
            "causes": [_cause_body(c) for c in causes],
        },
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def gone(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def method_not_allowed(method: str) -> ApiError:
    return ApiError(
        405,
        "MethodNotAllowed",
        f"the server does not allow this method on the requested resource ({method})",
    )


def unsupported_media_type(content_type: str, accepted: tuple[str, ...]) -> ApiError:
    return ApiError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format ({content_type}) - "
        f"accepted media types include: {', '.join(accepted)}",
    )


def path_not_found() -> ApiError:
    return ApiError(
        404,
        "NotFound",
        "the server could not find the requested resource",
        {"causes": [{"reason": "UnexpectedServerResponse", "message": "404 page not found"}]},
    )


_FAULT_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


def injected(code: int, retry_after: int | None = None) -> ApiError:
    """The error a test asked for, optionally with a Retry-After header."""
    reason = _FAULT_REASONS.get(code, "InternalError" if code >= 500 else "BadRequest")
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    message = (
        "Internal error occurred: injected by the test"
        if code == 500
        else f"injected by the test ({reason})"
    )
    return ApiError(code, reason, message, headers=headers)


def _cause_body(cause: Cause) -> dict[str, str]:
    return {"reason": cause.reason, "message": cause.message, "field": cause.field}
