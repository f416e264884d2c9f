"""Object storage with one global resourceVersion counter, a change history for watch resumption,
and change fan-out to watchers. Thread-safe: the server loop writes, tests read from their own
thread. Stored objects are private copies; everything handed out is a deep copy.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kube_standin import errors
from kube_standin.meta import clone
from kube_standin.resources import RESOURCES, ResourceType

Obj = dict[str, Any]

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"


@dataclass(frozen=True)
class Change:
    type: str
    resource: ResourceType
    obj: Obj
    old: Obj | None
    resource_version: int


Listener = Callable[[Change], None]


@dataclass(frozen=True)
class Subscription:
    """What a new watch starts from: the current objects (list+watch semantics) or the changes
    after the requested resourceVersion, then live changes through the listener."""

    initial: list[Obj]
    backlog: list[Change]
    resource_version: int
    cancel: Callable[[], None]


class Store:
    def __init__(self, history: int = 10_000) -> None:
        self._lock = threading.RLock()
        self._objects: dict[ResourceType, dict[tuple[str, str], Obj]] = {r: {} for r in RESOURCES}
        self._revision = 1000
        self._history: deque[Change] = deque(maxlen=history)
        self._listeners: list[tuple[ResourceType, str | None, Listener]] = []

    @property
    def lock(self) -> threading.RLock:
        """Held by the registry across read-check-write sequences."""
        return self._lock

    @property
    def resource_version(self) -> int:
        with self._lock:
            return self._revision

    def get(self, resource: ResourceType, namespace: str, name: str) -> Obj | None:
        with self._lock:
            obj = self._objects[resource].get((namespace, name))
            return clone(obj) if obj is not None else None

    def items(
        self,
        resource: ResourceType,
        namespace: str | None = None,
        where: Callable[[Obj], bool] | None = None,
    ) -> list[Obj]:
        """Copies of the stored objects, sorted by namespace and name; `where` filters before
        copying (it must not modify what it is given)."""
        with self._lock:
            return [
                clone(obj)
                for _, obj in self._sorted(resource, namespace)
                if where is None or where(obj)
            ]

    def in_namespace(self, namespace: str) -> Iterator[tuple[ResourceType, Obj]]:
        with self._lock:
            found = [
                (r, clone(obj))
                for r in RESOURCES
                if r.namespaced
                for _, obj in self._sorted(r, namespace)
            ]
        yield from found

    def dependents(self, owner_uid: str) -> list[tuple[ResourceType, Obj]]:
        with self._lock:
            return [
                (r, clone(obj))
                for r, objects in self._objects.items()
                for obj in objects.values()
                if any(
                    ref.get("uid") == owner_uid
                    for ref in obj["metadata"].get("ownerReferences") or []
                )
            ]

    def write(self, resource: ResourceType, obj: Obj) -> Obj:
        """Store obj (ADDED or MODIFIED), stamping the next resourceVersion; returns a copy."""
        with self._lock:
            meta = obj["metadata"]
            key = (meta.get("namespace", ""), meta["name"])
            old = self._objects[resource].get(key)
            self._revision += 1
            stored = clone(obj)
            stored["metadata"]["resourceVersion"] = str(self._revision)
            self._objects[resource][key] = stored
            self._publish(Change(MODIFIED if old else ADDED, resource, stored, old, self._revision))
            return clone(stored)

    def remove(self, resource: ResourceType, namespace: str, name: str) -> Obj | None:
        with self._lock:
            old = self._objects[resource].pop((namespace, name), None)
            if old is None:
                return None
            self._revision += 1
            gone = clone(old)
            gone["metadata"]["resourceVersion"] = str(self._revision)
            self._publish(Change(DELETED, resource, gone, old, self._revision))
            return clone(gone)

    def dump(self) -> dict[str, Any]:
        """Every object and the resourceVersion counter as JSON-ready data (see snapshot.py)."""
        with self._lock:
            return {
                "resourceVersion": self._revision,
                "objects": {
                    f"{r.api_version}/{r.plural}": [clone(obj) for _, obj in self._sorted(r, None)]
                    for r in RESOURCES
                    if self._objects[r]
                },
            }

    def restore(self, data: dict[str, Any]) -> None:
        """Replace every object with a dump's and continue its resourceVersion counter. The
        change history starts empty: a watch from an older version sees only what comes next
        (clients of a restarted cluster list again anyway)."""
        by_key = {f"{r.api_version}/{r.plural}": r for r in RESOURCES}
        with self._lock:
            self._objects = {r: {} for r in RESOURCES}
            for key, objects in data["objects"].items():
                resource = by_key[key]
                for obj in objects:
                    meta = obj["metadata"]
                    self._objects[resource][(meta.get("namespace", ""), meta["name"])] = obj
            self._revision = int(data["resourceVersion"])
            self._history.clear()

    def subscribe(
        self, resource: ResourceType, namespace: str | None, listener: Listener, since: int | None
    ) -> Subscription:
        """since=None: start with the current objects; else replay the changes after `since`
        (410 Expired if the history no longer reaches back that far)."""
        with self._lock:
            entry = (resource, namespace, listener)
            self._listeners.append(entry)

            def cancel() -> None:
                with self._lock:
                    if entry in self._listeners:
                        self._listeners.remove(entry)

            if since is None:
                initial = [clone(o) for _, o in self._sorted(resource, namespace)]
                return Subscription(initial, [], self._revision, cancel)
            oldest = self._history[0].resource_version if self._history else self._revision + 1
            if since < oldest - 1 and len(self._history) == self._history.maxlen:
                cancel()
                raise errors.gone(f"too old resource version: {since} ({oldest - 1})")
            backlog = [
                c
                for c in self._history
                if c.resource_version > since and c.resource == resource and _in(c.obj, namespace)
            ]
            return Subscription([], backlog, self._revision, cancel)

    def _publish(self, change: Change) -> None:
        self._history.append(change)
        for resource, namespace, listener in list(self._listeners):
            if resource == change.resource and _in(change.obj, namespace):
                listener(change)

    def _sorted(self, resource: ResourceType, namespace: str | None) -> list[tuple[Any, Obj]]:
        return sorted(
            (
                (key, obj)
                for key, obj in self._objects[resource].items()
                if namespace is None or key[0] == namespace
            ),
            key=lambda kv: kv[0],
        )


def _in(obj: Obj, namespace: str | None) -> bool:
    return namespace is None or obj["metadata"].get("namespace") == namespace
