"""The non-apply PATCH formats: JSON merge patch (RFC 7386), strategic merge patch (as a merge
patch that understands the `$patch`/`$setElementOrder` directives kubectl sends, lists
replaced whole), and JSON patch (RFC 6902).
"""

from __future__ import annotations

from typing import Any

from kube_standin import errors
from kube_standin.meta import clone

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE, STRATEGIC, APPLY)


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return clone(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return clone(patch)
    directive = patch.get("$patch")
    if directive == "delete":
        return None
    base = {} if directive == "replace" or not isinstance(target, dict) else dict(target)
    for key, value in patch.items():
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            base[field] = [v for v in base.get(field) or [] if v not in value]
            continue
        if key.startswith("$"):  # $patch, $retainKeys, $setElementOrder/...: ordering hints
            continue
        if value is None:
            base.pop(key, None)
            continue
        merged = strategic_merge_patch(base.get(key), value)
        if merged is None:
            base.pop(key, None)
        else:
            base[key] = merged
    return base


def json_patch(target: Any, operations: Any) -> Any:
    if not isinstance(operations, list):
        raise errors.bad_request("json patch must be a list of operations")
    document = clone(target)
    for operation in operations:
        document = _apply_operation(document, operation)
    return document


def _apply_operation(document: Any, operation: dict[str, Any]) -> Any:
    op = operation.get("op")
    path = _pointer(operation.get("path", ""))
    if op == "add":
        return _add(document, path, clone(operation.get("value")))
    if op == "remove":
        return _remove(document, path)[0]
    if op == "replace":
        document, _ = _remove(document, path)
        return _add(document, path, clone(operation.get("value")))
    if op in ("move", "copy"):
        source = _pointer(operation.get("from", ""))
        value = clone(_get(document, source))
        if op == "move":
            document, _ = _remove(document, source)
        return _add(document, path, value)
    if op == "test":
        if _get(document, path) != operation.get("value"):
            raise errors.ApiError(
                422,
                "Invalid",
                f"the server rejected our request due to an "
                f"error in our request: testing value at {operation['path']} "
                "failed",
            )
        return document
    raise errors.bad_request(f"Unexpected kind: {op}")


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise errors.bad_request(f"json patch path must start with '/': {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _get(document: Any, path: list[str]) -> Any:
    for part in path:
        if isinstance(document, list):
            document = document[_index(document, part, inserting=False)]
        elif isinstance(document, dict) and part in document:
            document = document[part]
        else:
            raise _missing(path)
    return document


def _add(document: Any, path: list[str], value: Any) -> Any:
    if not path:
        return value
    parent = _get(document, path[:-1])
    key = path[-1]
    if isinstance(parent, list):
        if key == "-":
            parent.append(value)
        else:
            parent.insert(_index(parent, key, inserting=True), value)
    elif isinstance(parent, dict):
        parent[key] = value
    else:
        raise _missing(path)
    return document


def _remove(document: Any, path: list[str]) -> tuple[Any, Any]:
    if not path:
        return None, document
    parent = _get(document, path[:-1])
    key = path[-1]
    if isinstance(parent, list):
        return document, parent.pop(_index(parent, key, inserting=False))
    if isinstance(parent, dict) and key in parent:
        return document, parent.pop(key)
    raise _missing(path)


def _index(items: list[Any], part: str, *, inserting: bool) -> int:
    limit = len(items) if inserting else len(items) - 1
    if not part.isdigit() or int(part) > limit:
        raise errors.ApiError(
            422,
            "Invalid",
            f"the server rejected our request due to an error "
            f"in our request: index {part} out of range",
        )
    return int(part)


def _missing(path: list[str]) -> errors.ApiError:
    return errors.ApiError(
        422,
        "Invalid",
        "the server rejected our request due to an error in "
        f"our request: doc is missing path: /{'/'.join(path)}",
    )
