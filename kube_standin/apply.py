"""Server-side apply and managedFields, simplified: each manager's field set is recorded in
`metadata.managedFields` (FieldsV1 format, lists atomic). Applying again removes the fields
that manager set last time and no longer sets, then merges the new configuration in. No
conflict detection between managers (a real cluster answers 409 without force=true).
"""

from __future__ import annotations

from typing import Any

from kube_standin.meta import clone
from kube_standin.patches import merge_patch

Obj = dict[str, Any]

# Set by the server, never owned by a manager.
_SERVER_METADATA = (
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
    "generateName",
)


def apply_config(existing: Obj | None, config: Obj, manager: str) -> Obj:
    """The object after `manager` applies `config` (which must carry apiVersion/kind/name)."""
    owned = fields_of(config)
    if existing is None:
        return clone(config)
    result = clone(existing)
    previous = _entry(existing, manager, "Apply")
    if previous is not None:
        _release(result, previous.get("fieldsV1") or {}, owned)
    merged: Obj = merge_patch(result, _without_nulls(config))
    return merged


def record(
    obj: Obj,
    manager: str,
    operation: str,
    config: Obj,
    api_version: str,
    now: str,
    subresource: str | None = None,
) -> None:
    """Put (or refresh) the managedFields entry of `manager` for `operation`."""
    meta = obj.setdefault("metadata", {})
    entries = [
        e
        for e in meta.get("managedFields") or []
        if (e.get("manager"), e.get("operation"), e.get("subresource"))
        != (manager, operation, subresource)
    ]
    entry: Obj = {
        "manager": manager,
        "operation": operation,
        "apiVersion": api_version,
        "time": now,
        "fieldsType": "FieldsV1",
        "fieldsV1": fields_of(config),
    }
    if subresource:
        entry["subresource"] = subresource
    meta["managedFields"] = [*entries, entry]


def fields_of(config: Obj) -> Obj:
    """The FieldsV1 set a configuration claims: every map key, lists as leaves."""
    fields: Obj = {}
    for key, value in config.items():
        if key in ("apiVersion", "kind"):
            continue
        if key == "metadata" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in _SERVER_METADATA}
            if not value:
                continue
        fields[f"f:{key}"] = fields_of(value) if isinstance(value, dict) else {}
    return fields


def _entry(obj: Obj, manager: str, operation: str) -> Obj | None:
    for entry in obj.get("metadata", {}).get("managedFields") or []:
        if (
            entry.get("manager") == manager
            and entry.get("operation") == operation
            and not entry.get("subresource")
        ):
            found: Obj = entry
            return found
    return None


def _release(target: Obj, previous: Obj, current: Obj) -> None:
    """Drop fields present in the previous apply but not in this one."""
    for key, sub in previous.items():
        if not key.startswith("f:"):
            continue
        name = key[2:]
        if key not in current:
            target.pop(name, None)
        elif sub and isinstance(target.get(name), dict):
            _release(target[name], sub, current[key])


def _without_nulls(value: Any) -> Any:
    """In an applied configuration, null means "no opinion", not "delete"."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return value
