"""The HTTP face of the stand-in: one aiohttp handler that parses Kubernetes API paths, decodes
bodies (JSON, YAML, protobuf), calls the registry, streams watches, and renders every error as a
Status. Armed faults are answered before anything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import yaml
from aiohttp import web

from kube_standin import discovery, errors, patches, podlogs, podstatus, protobuf
from kube_standin.faults import Faults
from kube_standin.podlogs import PodLogs
from kube_standin.registry import Registry
from kube_standin.resources import PODS, ResourceType, at_path
from kube_standin.selectors import field_selector, label_selector
from kube_standin.store import ADDED, DELETED, MODIFIED, Change, Obj
from kube_standin.watches import Item, Watches

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_JSON_TYPES = ("application/json", "", "text/plain")
_YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", patches.APPLY)
_OPENAPI_V2_PROTO = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"
WATCHES: web.AppKey[Watches] = web.AppKey("watches")
# Set on a watch request once its stream is open, so a stream cut short is still recorded.
_STREAMING: web.RequestKey[bool] = web.RequestKey("streaming", bool)


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: str
    content_type: str
    status: int


class RequestLog:
    """The last requests served (a bounded record) and how many were served in all."""

    def __init__(self, keep: int) -> None:
        self.recent: deque[RequestRecord] = deque(maxlen=keep)
        self.served = 0

    def append(self, record: RequestRecord) -> None:
        self.recent.append(record)
        self.served += 1


@dataclass(frozen=True)
class _Target:
    resource: ResourceType
    namespace: str
    name: str | None
    subresource: str | None


def build_app(
    registry: Registry,
    faults: Faults,
    requests: RequestLog,
    watches: Watches,
    *,
    kube_version: str,
    server_address: Callable[[], str],
    pod_logs: PodLogs | None = None,
) -> web.Application:
    api = _Api(registry, faults, kube_version, server_address, pod_logs or PodLogs())
    app = web.Application(middlewares=[_recorder(requests)], client_max_size=16 * 1024 * 1024)
    app[WATCHES] = watches
    app.router.add_route("*", "/{tail:.*}", api.handle)
    app.on_shutdown.append(_end_watches)
    return app


async def _end_watches(app: web.Application) -> None:
    app[WATCHES].end_all()


def _recorder(requests: RequestLog) -> Any:
    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        def note(status: int) -> None:
            requests.append(
                RequestRecord(
                    request.method, request.path, request.query_string, request.content_type, status
                )
            )

        try:
            response = await handler(request)
        except BaseException:
            # A watch stream cut short (connection dropped, server stopping) was still served.
            if _STREAMING in request:
                note(200)
            raise
        note(response.status)
        return response

    return record


class _Api:
    def __init__(
        self,
        registry: Registry,
        faults: Faults,
        kube_version: str,
        server_address: Callable[[], str],
        pod_logs: PodLogs,
    ) -> None:
        self.pod_logs = pod_logs
        self.registry = registry
        self.faults = faults
        self.kube_version = kube_version
        self.server_address = server_address

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            injected = self.faults.take(request.method, request.path_qs)
            if injected is not None:
                raise injected
            return await self._dispatch(request)
        except errors.ApiError as error:
            return _json(error.status(), error.code, error.headers)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        segments = [s for s in request.path.split("/") if s]
        if request.method == "GET":
            document = self._non_resource(segments, request)
            if document is not None:
                return document
        if segments[:2] == ["api", "v1"]:
            group, version, rest = "", "v1", segments[2:]
        elif segments[:1] == ["apis"] and len(segments) >= 3:
            group, version, rest = segments[1], segments[2], segments[3:]
        else:
            raise errors.path_not_found()
        if not rest:
            if request.method == "GET" and (not group or discovery.has_group(group, version)):
                return _json(discovery.resource_list(group, version))
            raise errors.path_not_found()
        return await self._resource(request, _route(group, version, rest))

    def _non_resource(self, segments: list[str], request: web.Request) -> web.Response | None:
        path = "/".join(segments)
        if path in ("healthz", "readyz", "livez"):
            return web.Response(text="ok")
        documents: dict[str, Callable[[], Any]] = {
            "version": lambda: discovery.version(self.kube_version),
            "api": lambda: discovery.api_versions(self.server_address()),
            "apis": discovery.api_group_list,
            "openapi/v3": discovery.openapi_v3_index,
        }
        if path in documents:
            return _json(documents[path]())
        if path == "openapi/v2":
            if "protobuf" in request.headers.get("Accept", ""):
                return web.Response(body=b"", content_type=_OPENAPI_V2_PROTO)
            return _json(
                {
                    "swagger": "2.0",
                    "info": {"title": "Kubernetes", "version": f"v{self.kube_version}"},
                    "paths": {},
                    "definitions": {},
                }
            )
        if len(segments) == 2 and segments[0] == "apis" and discovery.has_group(segments[1]):
            return _json(discovery.api_group(segments[1]))
        return None

    async def _resource(self, request: web.Request, target: _Target) -> web.StreamResponse:
        query = request.query
        dry_run = "All" in query.getall("dryRun", [])
        manager = query.get("fieldManager") or _manager_from(request)
        method = request.method
        r, namespace, name, sub = target.resource, target.namespace, target.name, target.subresource
        if method == "GET" and (name is None or _is_true(query.get("watch"))):
            if _is_true(query.get("watch")):
                return await _watch(request, self.registry, target)
            if not r.namespaced or namespace:
                scope: str | None = namespace if r.namespaced else ""
            else:
                scope = None
            return _json(
                self.registry.list(
                    r,
                    scope,
                    labels=query.get("labelSelector", ""),
                    fields=query.get("fieldSelector", ""),
                    limit=int(query.get("limit") or 0),
                    continue_token=query.get("continue", ""),
                )
            )
        if method == "GET" and sub == "log" and name is not None:
            pod = self.registry.get(r, namespace, name)
            previous = _is_true(query.get("previous"))
            log, container = podstatus.log_of(pod, query.get("container"), previous=previous)
            # What was written belongs to the running instance.
            written = [] if previous else self.pod_logs.written(namespace, name, container)
            text = log + "".join(line + "\n" for line in written)
            text = podlogs.bounded(text, query.get("tailLines"), query.get("limitBytes"))
            return web.Response(text=text, content_type="text/plain")
        if sub == "log":
            raise errors.method_not_allowed(method)
        if method == "GET" and name is not None:
            return _json(self.registry.get(r, namespace, name))
        if method == "POST" and name is None:
            if r.namespaced and not namespace:
                raise errors.method_not_allowed(method)
            body = await _read_body(request)
            return _json(
                self.registry.create(r, namespace, body, manager=manager, dry_run=dry_run), 201
            )
        if method == "PUT" and name is not None:
            body = await _read_body(request)
            return _json(
                self.registry.replace(
                    r, namespace, name, body, manager=manager, subresource=sub, dry_run=dry_run
                )
            )
        if method == "PATCH" and name is not None:
            if request.content_type not in patches.PATCH_TYPES:
                raise errors.unsupported_media_type(request.content_type, patches.PATCH_TYPES)
            body = await _read_body(request)
            obj, created = self.registry.patch(
                r,
                namespace,
                name,
                request.content_type,
                body,
                manager=query.get("fieldManager")
                or (None if request.content_type == patches.APPLY else manager),
                subresource=sub,
                dry_run=dry_run,
            )
            return _json(obj, 201 if created else 200)
        if method == "DELETE":
            options = _delete_options(await _read_body(request), query)
            dry_run = dry_run or "All" in (options.get("dryRun") or [])
            if name is None:
                if "deletecollection" not in r.verbs:
                    raise errors.method_not_allowed(method)
                scope = namespace if r.namespaced and namespace else None
                return _json(
                    self.registry.delete_collection(
                        r,
                        scope,
                        labels=query.get("labelSelector", ""),
                        fields=query.get("fieldSelector", ""),
                        options=options,
                        dry_run=dry_run,
                    )
                )
            result, warnings = self.registry.delete(r, namespace, name, options, dry_run=dry_run)
            return _json(result, 200, {"Warning": warnings[0]} if warnings else None)
        raise errors.method_not_allowed(method)


def _route(group: str, version: str, rest: list[str]) -> _Target:
    """Map the path after /api/v1 or /apis/<g>/<v> onto a resource."""
    if rest[0] == "namespaces" and len(rest) >= 3:
        resource = at_path(group, version, rest[2])
        if resource is not None and resource.namespaced and len(rest) <= 5:
            name = rest[3] if len(rest) >= 4 else None
            return _Target(resource, rest[1], name, _subresource(resource, rest[4:]))
    resource = at_path(group, version, rest[0])
    if resource is None or len(rest) > 3 or (resource.namespaced and len(rest) > 1):
        raise errors.path_not_found()
    name = rest[1] if len(rest) >= 2 else None
    return _Target(resource, "", name, _subresource(resource, rest[2:]))


def _subresource(resource: ResourceType, rest: list[str]) -> str | None:
    if not rest:
        return None
    if rest == ["status"] and resource.has_status:
        return "status"
    if rest == ["log"] and resource is PODS:
        return "log"
    raise errors.path_not_found()


async def _read_body(request: web.Request) -> Any:
    raw = await request.read()
    if not raw:
        return None
    # No Content-Type means JSON to the apiserver (aiohttp would report octet-stream).
    content_type = request.content_type if "Content-Type" in request.headers else ""
    try:
        if content_type == protobuf.CONTENT_TYPE:
            return protobuf.decode(raw)
        if content_type in _YAML_TYPES:
            return yaml.safe_load(raw)
        if content_type in _JSON_TYPES or content_type in patches.PATCH_TYPES:
            return json.loads(raw)
    except (ValueError, yaml.YAMLError) as error:
        raise errors.bad_request(f"the body of the request could not be decoded: {error}") from None
    raise errors.unsupported_media_type(
        content_type, ("application/json", "application/yaml", protobuf.CONTENT_TYPE)
    )


def _delete_options(body: Any, query: Any) -> Obj:
    options: Obj = dict(body) if isinstance(body, dict) else {}
    if "propagationPolicy" in query:
        options["propagationPolicy"] = query["propagationPolicy"]
    if "orphanDependents" in query:
        options["orphanDependents"] = _is_true(query["orphanDependents"])
    if "gracePeriodSeconds" in query:
        options["gracePeriodSeconds"] = int(query["gracePeriodSeconds"])
    return options


async def _watch(request: web.Request, registry: Registry, target: _Target) -> web.StreamResponse:
    query = request.query
    resource = target.resource
    fields = query.get("fieldSelector", "")
    if target.name is not None:
        fields = ",".join(filter(None, [fields, f"metadata.name={target.name}"]))
    matches_labels = label_selector(query.get("labelSelector", ""))
    matches_fields = field_selector(resource, fields)

    def matches(obj: Obj | None) -> bool:
        return obj is not None and matches_labels(obj) and matches_fields(obj)

    send_initial = _is_true(query.get("sendInitialEvents"))
    if send_initial and not _is_true(query.get("allowWatchBookmarks")):
        raise errors.ApiError(
            422,
            "Invalid",
            'ListOptions.meta.k8s.io "" is invalid: '
            "allowWatchBookmarks: Required value: allowWatchBookmarks "
            "required when sendInitialEvents is true",
        )
    since_text = query.get("resourceVersion", "")
    since = None if send_initial or since_text in ("", "0") else _int(since_text)
    namespace = target.namespace if resource.namespaced and target.namespace else None
    bookmarks = _is_true(query.get("allowWatchBookmarks"))
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Item] = asyncio.Queue()

    def deliver(change: Change) -> None:
        with contextlib.suppress(RuntimeError):  # the server loop is closing
            loop.call_soon_threadsafe(queue.put_nowait, change)

    subscription = registry.store.subscribe(resource, namespace, deliver, since)
    watches = request.app[WATCHES]
    watches.add(queue)
    # The newest resourceVersion this stream has passed on (or filtered out): a bookmark may
    # never claim more, or a client resuming from it would miss a change still queued.
    seen = subscription.resource_version
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    try:
        await response.prepare(request)
        request[_STREAMING] = True
        for obj in subscription.initial:
            if matches(obj):
                await _send(response, ADDED, obj)
        if send_initial:
            await _send(response, "BOOKMARK", _bookmark(resource, seen, initial_end=True))
        for change in subscription.backlog:
            await _send_change(response, change, matches)
        deadline = time.monotonic() + float(query.get("timeoutSeconds") or 1800)
        while (remaining := deadline - time.monotonic()) > 0:
            wait = min(remaining, watches.bookmark_seconds) if bookmarks else remaining
            try:
                live = await asyncio.wait_for(queue.get(), wait)
            except TimeoutError:
                if bookmarks and remaining > wait:
                    await _send(response, "BOOKMARK", _bookmark(resource, seen))
                continue
            if live == "end":
                break
            if live == "drop":
                await response.write(b'{"type":"MODIFIED","object":{"metadata":')
                if request.transport is not None:
                    request.transport.abort()
                break
            seen = max(seen, live.resource_version)
            await _send_change(response, live, matches)
    except ConnectionResetError:  # the client went away; a cancellation still propagates
        pass
    finally:
        subscription.cancel()
        watches.discard(queue)
    return response


def _bookmark(resource: ResourceType, version: int, *, initial_end: bool = False) -> Obj:
    metadata: Obj = {"resourceVersion": str(version)}
    if initial_end:
        metadata["annotations"] = {"k8s.io/initial-events-end": "true"}
    return {"kind": resource.kind, "apiVersion": resource.api_version, "metadata": metadata}


async def _send_change(
    response: web.StreamResponse, change: Change, matches: Callable[[Obj | None], bool]
) -> None:
    """Translate a store change for this watch's selectors: an object that starts or stops
    matching is ADDED or DELETED for the watcher, as the apiserver's watch cache does."""
    now, before = matches(change.obj), matches(change.old) if change.type == MODIFIED else False
    if change.type == MODIFIED and now and not before:
        await _send(response, ADDED, change.obj)
    elif change.type == MODIFIED and before and not now:
        await _send(response, DELETED, change.obj)
    elif now:
        await _send(response, change.type, change.obj)


async def _send(response: web.StreamResponse, event_type: str, obj: Obj) -> None:
    line = json.dumps({"type": event_type, "object": obj}, separators=(",", ":")) + "\n"
    await response.write(line.encode())


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        text=json.dumps(body, separators=(",", ":")),
        status=status,
        content_type="application/json",
        headers=headers,
    )


def _manager_from(request: web.Request) -> str:
    """The apiserver's default field manager: the User-Agent up to the first '/'."""
    agent = request.headers.get("User-Agent", "unknown")
    return agent.split("/", 1)[0][:128] or "unknown"


def _is_true(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true")


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise errors.bad_request(f"invalid resource version: {text}") from None
