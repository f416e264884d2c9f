"""Decoding of the Kubernetes protobuf request bodies that clients send us.

client-go's generated clientsets (which helm uses for its release Secrets and for deletes) send
`application/vnd.kubernetes.protobuf`: the magic `k8s\\0` followed by a runtime.Unknown envelope
(typeMeta, raw) whose raw bytes are the object's message. Responses are always JSON, which those
clients accept. Only the types such clients send are described here; anything else is refused
with 415 so the gap is visible.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kube_standin import errors

CONTENT_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"

Value = Any
Field = tuple[str, str | dict[int, Any], bool]  # (json name, type, repeated)


def _map(key: str, value: str) -> str:
    return f"map:{key}:{value}"


_TIME: dict[int, Field] = {1: ("seconds", "int64", False), 2: ("nanos", "int32", False)}
_OWNER_REFERENCE: dict[int, Field] = {
    1: ("kind", "string", False),
    3: ("name", "string", False),
    4: ("uid", "string", False),
    5: ("apiVersion", "string", False),
    6: ("controller", "bool", False),
    7: ("blockOwnerDeletion", "bool", False),
}
_MANAGED_FIELDS: dict[int, Field] = {
    1: ("manager", "string", False),
    2: ("operation", "string", False),
    3: ("apiVersion", "string", False),
    4: ("time", "time", False),
    6: ("fieldsType", "string", False),
    7: ("fieldsV1", "fieldsV1", False),
    8: ("subresource", "string", False),
}
_OBJECT_META: dict[int, Field] = {
    1: ("name", "string", False),
    2: ("generateName", "string", False),
    3: ("namespace", "string", False),
    4: ("selfLink", "string", False),
    5: ("uid", "string", False),
    6: ("resourceVersion", "string", False),
    7: ("generation", "count", False),
    8: ("creationTimestamp", "time", False),
    9: ("deletionTimestamp", "time", False),
    10: ("deletionGracePeriodSeconds", "int64", False),
    11: ("labels", _map("string", "string"), False),
    12: ("annotations", _map("string", "string"), False),
    13: ("ownerReferences", _OWNER_REFERENCE, True),
    14: ("finalizers", "string", True),
    17: ("managedFields", _MANAGED_FIELDS, True),
}
_NAMESPACE_CONDITION: dict[int, Field] = {
    1: ("type", "string", False),
    2: ("status", "string", False),
    4: ("lastTransitionTime", "time", False),
    5: ("reason", "string", False),
    6: ("message", "string", False),
}

MESSAGES: dict[str, dict[int, Field]] = {
    "Secret": {
        1: ("metadata", _OBJECT_META, False),
        2: ("data", _map("string", "bytes"), False),
        3: ("type", "string", False),
        4: ("stringData", _map("string", "string"), False),
        5: ("immutable", "bool", False),
    },
    "ConfigMap": {
        1: ("metadata", _OBJECT_META, False),
        2: ("data", _map("string", "string"), False),
        3: ("binaryData", _map("string", "bytes"), False),
        4: ("immutable", "bool", False),
    },
    "Namespace": {
        1: ("metadata", _OBJECT_META, False),
        2: ("spec", {1: ("finalizers", "string", True)}, False),
        3: (
            "status",
            {1: ("phase", "string", False), 2: ("conditions", _NAMESPACE_CONDITION, True)},
            False,
        ),
    },
    "DeleteOptions": {
        1: ("gracePeriodSeconds", "int64", False),
        2: (
            "preconditions",
            {1: ("uid", "string", False), 2: ("resourceVersion", "string", False)},
            False,
        ),
        3: ("orphanDependents", "bool", False),
        4: ("propagationPolicy", "string", False),
        5: ("dryRun", "string", True),
        6: ("ignoreStoreReadErrorWithClusterBreakingPotential", "bool", False),
    },
}

_TYPE_META: dict[int, Field] = {1: ("apiVersion", "string", False), 2: ("kind", "string", False)}
_UNKNOWN: dict[int, Field] = {
    1: ("typeMeta", _TYPE_META, False),
    2: ("raw", "raw", False),
    3: ("contentEncoding", "string", False),
    4: ("contentType", "string", False),
}


def decode(body: bytes) -> dict[str, Any]:
    """A protobuf request body as the JSON object the client meant."""
    if not body.startswith(MAGIC):
        raise errors.bad_request("protobuf body does not start with the k8s magic prefix")
    envelope = _message(body[len(MAGIC) :], _UNKNOWN)
    type_meta = envelope.get("typeMeta") or {}
    kind = type_meta.get("kind", "")
    schema = MESSAGES.get(kind)
    if schema is None:
        raise errors.unsupported_media_type(
            f"{CONTENT_TYPE} ({kind or 'no kind'})", ("application/json", "application/yaml")
        )
    obj = _message(envelope.get("raw", b""), schema)
    if type_meta.get("apiVersion"):
        obj["apiVersion"] = type_meta["apiVersion"]
    obj["kind"] = kind
    return obj


def _message(data: bytes, schema: dict[int, Field]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for number, value in _fields(data):
        if number not in schema:
            raise errors.bad_request(f"protobuf field {number} is not understood by the stand-in")
        name, kind, repeated = schema[number]
        if isinstance(kind, str) and kind.startswith("map:"):
            _, key_type, value_type = kind.split(":")
            entry = _message(value, {1: ("key", key_type, False), 2: ("value", value_type, False)})
            result.setdefault(name, {})[entry.get("key", "")] = entry.get("value", "")
            continue
        decoded = _scalar(kind, value)
        if decoded in ("", None) or (kind == "count" and decoded == 0):
            continue  # gogo-protobuf writes empty non-pointer fields; JSON omits them
        if repeated:
            result.setdefault(name, []).append(decoded)
        else:
            result[name] = decoded
    return result


def _scalar(kind: str | dict[int, Any], value: Any) -> Value:
    if isinstance(kind, dict):
        return _message(value, kind)
    converters: dict[str, Callable[[Any], Value]] = {
        "string": lambda v: v.decode(),
        "bytes": lambda v: base64.b64encode(v).decode(),
        "raw": lambda v: v,
        "int64": _signed,
        "count": _signed,
        "int32": _signed,
        "bool": bool,
        "time": _time,
        "fieldsV1": lambda v: json.loads(_message(v, {1: ("raw", "raw", False)}).get("raw", b"{}")),
    }
    return converters[kind](value)


def _fields(data: bytes) -> list[tuple[int, Any]]:
    fields, position = [], 0
    while position < len(data):
        key, position = _varint(data, position)
        number, wire_type = key >> 3, key & 7
        value: Any
        if wire_type == 0:
            value, position = _varint(data, position)
        elif wire_type == 2:
            length, position = _varint(data, position)
            value, position = data[position : position + length], position + length
        elif wire_type == 1:
            value, position = int.from_bytes(data[position : position + 8], "little"), position + 8
        elif wire_type == 5:
            value, position = int.from_bytes(data[position : position + 4], "little"), position + 4
        else:
            raise errors.bad_request(f"protobuf wire type {wire_type} is not supported")
        fields.append((number, value))
    if position != len(data):
        raise errors.bad_request("truncated protobuf body")
    return fields


def _varint(data: bytes, position: int) -> tuple[int, int]:
    result, shift = 0, 0
    while True:
        if position >= len(data):
            raise errors.bad_request("truncated protobuf varint")
        byte = data[position]
        position += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position
        shift += 7


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _time(value: bytes) -> str | None:
    parts = _message(value, _TIME)
    if not parts.get("seconds"):
        return None
    moment = datetime.fromtimestamp(parts.get("seconds", 0), UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
