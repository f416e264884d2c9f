"""Watch-fed caches of Kubernetes objects, kept the way client-go's informers keep them.

One ``ObjectCache`` per collection: it lists the collection (in pages), then watches it from the
list's resourceVersion, cluster-wide, with bookmarks so that a quiet stream still advances its
resourceVersion. A stream that ends or is cut is resumed from the last version seen; a version
the API server no longer has (410 Gone, as an HTTP status or as an ``ERROR`` event) means a full
relist. Each object is reduced to what its reader needs before it is stored (``WatchedKind.keep``),
and stored as compact JSON text, decoded again when read: a few hundred bytes per object instead
of a tree of dicts, which is what bounds the memory (tens of thousands of objects fit in a few
megabytes), while reads happen only when something changed.

The stream is read by a thread of its own (the official client is synchronous); parsing and
reduction happen there, and every change to the cache is applied on the event loop, so readers on
the loop never see a half-applied change and need no lock. A change that alters what is kept
calls ``on_change(namespace)``; one that alters nothing the reader needs (a heartbeat timestamp,
a managedFields entry) is dropped silently. A cluster-scoped object's change is reported under
its own name, so a Namespace's change concerns the namespace it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import urllib3
from kubernetes import client as k8s

log = logging.getLogger(__name__)

Json = dict[str, Any]
Key = tuple[str, str]

# One full list at a time in the process. Decoding and reducing a page holds the GIL, so lists
# side by side finish no sooner; they only multiply the pages held decoded at once (seven kinds
# at start-up, hundreds of megabytes at ten thousand stores), and the memory the process grows
# to at that peak is memory it keeps.
_LISTING = threading.Lock()


@dataclass(frozen=True)
class WatchedKind:
    """A cluster-wide collection to keep: its path (``/api/v1/pods``), the selectors the API
    server filters it with, and ``keep``: the part of an object worth keeping (None: do not keep
    it at all)."""

    path: str
    keep: Callable[[Json], Json | None]
    label_selector: str = ""
    field_selector: str = ""


class Expired(Exception):
    """The API server no longer has the resourceVersion we asked for: relist."""


class SharedTexts:
    """Equal texts kept once. Most stores' objects reduce to the same text (a Ready StatefulSet
    is a Ready StatefulSet), so a cache that shares them holds one string per distinct text, not
    one per object. Each copy counts its users and is forgotten with the last one."""

    def __init__(self) -> None:
        self._copies: dict[str, list[Any]] = {}  # text -> [the one copy, users]

    def share(self, text: str) -> str:
        entry = self._copies.get(text)
        if entry is None:
            entry = self._copies[text] = [text, 0]
        entry[1] += 1
        return str(entry[0])

    def release(self, text: str) -> None:
        entry = self._copies[text]
        entry[1] -= 1
        if not entry[1]:
            del self._copies[text]

    def __len__(self) -> int:
        return len(self._copies)


class ObjectCache:
    def __init__(
        self,
        kind: WatchedKind,
        api: k8s.ApiClient,
        on_change: Callable[[str], None],
        *,
        watch_seconds: int = 300,
        page_size: int = 500,
        retry_seconds: float = 1.0,
    ) -> None:
        self.kind = kind
        self._api = api
        self._on_change = on_change
        self._watch_seconds = watch_seconds
        self._page_size = page_size
        self._retry_seconds = retry_seconds
        self._objects: dict[str, dict[str, str]] = {}
        self.texts = SharedTexts()
        self._synced = asyncio.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._response: Any = None
        # What the cache has done, for tests and metrics: full lists, watch requests.
        self.lists = 0
        self.watches = 0

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(
            target=self._run, name=f"watch {self.kind.path}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop watching; the open stream is closed so the thread ends at once."""
        self._stopping.set()
        response = self._response
        if response is not None:
            with contextlib.suppress(Exception):
                response.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._api.close()  # type: ignore[no-untyped-call]

    # --- reading (on the event loop) ------------------------------------------------------
    @property
    def synced(self) -> bool:
        """Whether the first full list has been stored."""
        return self._synced.is_set()

    async def wait_synced(self, timeout: float | None) -> bool:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._synced.wait()
        return self.synced

    def in_namespace(self, namespace: str) -> list[Json]:
        return [json.loads(kept) for kept in self._objects.get(namespace, {}).values()]

    def get(self, namespace: str, name: str) -> Json | None:
        kept = self._objects.get(namespace, {}).get(name)
        return json.loads(kept) if kept is not None else None

    def has(self, namespace: str, name: str) -> bool:
        return name in self._objects.get(namespace, {})

    def namespaces(self) -> list[str]:
        return list(self._objects)

    def __len__(self) -> int:
        return sum(len(objects) for objects in self._objects.values())

    # --- applying changes (on the event loop) ---------------------------------------------
    def _put(self, key: Key, kept: str | None) -> None:
        namespace, name = key
        objects = self._objects.get(namespace)
        old = objects.get(name) if objects is not None else None
        if old == kept:
            return
        if old is not None:
            self.texts.release(old)
        if kept is None:
            assert objects is not None
            del objects[name]
            if not objects:
                del self._objects[namespace]
        else:
            self._objects.setdefault(namespace, {})[name] = self.texts.share(kept)
        self._on_change(namespace or name)

    def _replace(self, listed: dict[Key, str]) -> None:
        """A relist: store what was listed; whatever it no longer holds was deleted meanwhile."""
        changed = {
            ns or name
            for ns, objects in self._objects.items()
            for name in objects
            if (ns, name) not in listed
        }
        fresh: dict[str, dict[str, str]] = {}
        texts = SharedTexts()
        for (namespace, name), kept in listed.items():
            fresh.setdefault(namespace, {})[name] = texts.share(kept)
            if self._objects.get(namespace, {}).get(name) != kept:
                changed.add(namespace or name)
        self._objects, self.texts = fresh, texts
        self._synced.set()
        for namespace in changed:
            self._on_change(namespace)

    def _post(self, callback: Callable[..., None], *args: Any) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # the loop is closing
            self._loop.call_soon_threadsafe(callback, *args)

    # --- the watching thread --------------------------------------------------------------
    def _run(self) -> None:
        version: str | None = None
        failures = 0
        while not self._stopping.is_set():
            try:
                if version is None:
                    version = self._list()
                version = self._watch(version)
                failures = 0
            except Expired:
                log.info("watch of %s expired; listing again", self.kind.path)
                version = None
            except Exception as exc:
                if self._stopping.is_set():
                    return
                failures += 1
                delay = min(self._retry_seconds * 2 ** min(failures - 1, 5), 30.0)
                log.warning(
                    "watch of %s interrupted (%s); again in %.1fs",
                    self.kind.path,
                    _describe(exc),
                    delay,
                )
                self._stopping.wait(delay * random.uniform(0.8, 1.2))

    def _list(self) -> str:
        """List the whole collection in pages; returns the list's resourceVersion."""
        with _LISTING:
            return self._list_pages()

    def _list_pages(self) -> str:
        self.lists += 1
        listed: dict[Key, str] = {}
        # Equal texts held once while the list grows, too (see SharedTexts).
        texts: dict[str, str] = {}
        token = ""
        version = ""
        while True:
            if self._stopping.is_set():
                raise RuntimeError("stopped while listing")
            params = [*self._selectors(), ("limit", str(self._page_size))]
            if token:
                params.append(("continue", token))
            page = json.loads(self._request(params, read_timeout=60).read())
            for obj in page.get("items") or []:
                kept = self._keep(obj)
                if kept is not None:
                    listed[_key(obj)] = texts.setdefault(kept, kept)
            metadata = page.get("metadata") or {}
            version = version or str(metadata.get("resourceVersion") or "")
            token = metadata.get("continue") or ""
            if not token:
                break
        self._post(self._replace, listed)
        return version

    def _watch(self, version: str) -> str:
        """Follow the stream from ``version`` until it ends; returns the last version seen."""
        params = [
            *self._selectors(),
            ("watch", "true"),
            ("resourceVersion", version),
            ("allowWatchBookmarks", "true"),
            # Spread the reconnects of many caches, as client-go does.
            ("timeoutSeconds", str(int(self._watch_seconds * random.uniform(1.0, 1.5)))),
        ]
        self.watches += 1
        # A stream that stays silent past its own timeout plus a margin is dead.
        response = self._request(params, read_timeout=self._watch_seconds * 1.5 + 30)
        self._response = response
        try:
            for line in _lines(response.stream(amt=None, decode_content=False)):
                if self._stopping.is_set():
                    break
                version = self._apply_event(json.loads(line), version)
        finally:
            self._response = None
            response.release_conn()
        return version

    def _apply_event(self, event: Json, version: str) -> str:
        kind, obj = event.get("type"), event.get("object") or {}
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise Expired(obj.get("message") or "resource version expired")
            raise RuntimeError(f"watch error: {obj.get('message') or obj}")
        new_version = str((obj.get("metadata") or {}).get("resourceVersion") or version)
        if kind in ("ADDED", "MODIFIED"):
            self._post(self._put, _key(obj), self._keep(obj))
        elif kind == "DELETED":
            self._post(self._put, _key(obj), None)
        return new_version

    def _keep(self, obj: Json) -> str | None:
        kept = self.kind.keep(obj)
        # Sorted keys: the same content is the same text, so an unchanged object is seen as such.
        return json.dumps(kept, separators=(",", ":"), sort_keys=True) if kept is not None else None

    def _request(self, params: list[tuple[str, str]], *, read_timeout: float) -> Any:
        method, url, headers, body, post = self._api.param_serialize(
            "GET",
            self.kind.path,
            query_params=params,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )
        answer = self._api.call_api(
            method, url, headers, body, post, _request_timeout=(10, read_timeout)
        )
        response = answer.response
        if response.status == 410:
            response.release_conn()
            raise Expired("resource version expired")
        if not 200 <= response.status < 300:
            detail = response.data[:300].decode(errors="replace")
            raise RuntimeError(f"HTTP {response.status}: {detail}")
        return response

    def _selectors(self) -> list[tuple[str, str]]:
        params = []
        if self.kind.label_selector:
            params.append(("labelSelector", self.kind.label_selector))
        if self.kind.field_selector:
            params.append(("fieldSelector", self.kind.field_selector))
        return params


def _key(obj: Json) -> Key:
    metadata = obj.get("metadata") or {}
    return str(metadata.get("namespace") or ""), str(metadata.get("name") or "")


def _lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Whole lines of a chunked stream; a line cut off by a dropped connection is not one."""
    buffer = b""
    for chunk in chunks:
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        yield from (line for line in lines if line.strip())


def _describe(exc: Exception) -> str:
    if isinstance(exc, urllib3.exceptions.HTTPError | OSError):
        return f"{type(exc).__name__}: Kubernetes API unreachable or stream cut"
    return f"{type(exc).__name__}: {exc}"
