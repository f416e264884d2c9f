"""Small metadata helpers shared by the registry and the fake kubelet."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from kube_standin.resources import ResourceType

T = TypeVar("T")

# The alphabet apimachinery uses for generated name suffixes (no vowels, no look-alikes).
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def clone(value: T) -> T:
    """A deep copy of JSON-shaped data (dicts, lists, scalars); several times faster than
    copy.deepcopy, which matters because every read hands out a private copy."""
    if isinstance(value, dict):
        return cast(T, {key: clone(item) for key, item in value.items()})
    if isinstance(value, list):
        return cast(T, [clone(item) for item in value])
    return value


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def random_suffix(length: int = 5) -> str:
    return "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(length))


def stable_suffix(seed: str, length: int = 10) -> str:
    """A deterministic suffix (pod-template-hash, controller-revision-hash)."""
    value = int.from_bytes(hashlib.sha256(seed.encode()).digest(), "big")
    chars = []
    for _ in range(length):
        value, index = divmod(value, len(_SUFFIX_ALPHABET))
        chars.append(_SUFFIX_ALPHABET[index])
    return "".join(chars)


def owner_reference(resource: ResourceType, owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": resource.api_version,
        "kind": resource.kind,
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def namespace_of(obj: dict[str, Any]) -> str:
    namespace: str = obj["metadata"].get("namespace", "")
    return namespace


def name_of(obj: dict[str, Any]) -> str:
    name: str = obj["metadata"]["name"]
    return name
