"""Invalid requests in one voice: every field error reads "<field>: must …", whether our own
rules or pydantic's found it, and malformed JSON is a body error that says where it broke."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.exceptions import RequestValidationError

from orchestrator.errors import FieldError, InvalidRequest

# Where FastAPI says a value came from; the field name alone is what a client sent.
_SOURCES = ("body", "query", "path", "header", "cookie")


def invalid_request(exc: RequestValidationError) -> InvalidRequest:
    fields = [_field_error(error) for error in exc.errors()]
    summary = "; ".join(f"{f.field}: {f.message}" for f in fields) or "invalid request"
    return InvalidRequest(summary, fields)


def _field_error(error: Mapping[str, Any]) -> FieldError:
    kind = str(error.get("type", ""))
    location: Sequence[int | str] = error.get("loc", ())
    context: Mapping[str, Any] = error.get("ctx") or {}
    if kind == "json_invalid":
        # FastAPI puts the character offset where a field name would be.
        position = location[-1] if len(location) > 1 else None
        where = f" at character {position}" if isinstance(position, int) else ""
        reason = str(context.get("error", "")).lower() or "malformed"
        return FieldError("body", f"is not valid JSON ({reason}{where})")
    return FieldError(_field_name(location), _message(kind, str(error.get("msg", "")), context))


def _field_name(location: Sequence[int | str]) -> str:
    parts = [str(part) for part in location]
    if len(parts) > 1 and parts[0] in _SOURCES:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _message(kind: str, message: str, context: Mapping[str, Any]) -> str:
    match kind:
        case "missing":
            return "is required"
        case "extra_forbidden":
            return "is not a field of this request"
        case "dict_type" | "model_attributes_type":
            return "must be a JSON object"
        case "string_type":
            return "must be a string"
        case "int_parsing" | "int_type" | "int_from_float":
            return "must be a whole number"
        case "bool_parsing" | "bool_type":
            return "must be true or false"
        case "string_too_short" if context.get("min_length") == 1:
            return "must not be empty"
        case "string_too_short":
            return f"must be at least {context.get('min_length')} characters"
        case "string_too_long":
            return f"must be at most {context.get('max_length')} characters"
        case "greater_than_equal":
            return f"must be at least {context.get('ge')}"
        case "less_than_equal":
            return f"must be at most {context.get('le')}"
        case "literal_error" | "enum":
            return f"must be {context.get('expected')}"
        case "value_error":
            # Our own validators already speak this voice ("must be …").
            return message.removeprefix("Value error, ")
    # Anything else pydantic reports: keep its meaning, in our form.
    if message.startswith("Input should"):
        return "must" + message.removeprefix("Input should")
    return message[:1].lower() + message[1:]
