"""What runs in a store's namespace, read for people: pods and their containers, recent Warning
events, and a container's log, bounded and with every value of the store's Secrets redacted.

Nothing here is cached or kept: each call reads the API server (diagnostics are asked for by a
person, rarely), and a log never leaves this module before its secrets are blanked out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orchestrator.day2.schemas import (
    MAX_LOG_BYTES,
    MAX_WARNINGS,
    ContainerOut,
    LogOut,
    PodOut,
    WarningOut,
)
from orchestrator.errors import InvalidTransition, NotFound, Unavailable, WooError
from orchestrator.kube.client import Json, KubeClient
from orchestrator.kube.errors import KubeError, KubeNotFound, KubeUnavailable
from orchestrator.models import Store, StoreStatus
from orchestrator.provisioning.readiness import COMPONENT
from orchestrator.provisioning.secret_backends import SecretBackend
from orchestrator.vault.errors import VaultError

REDACTED = "[redacted]"
# Shorter values (the admin user's name, "admin") are words that logs use for other things.
MIN_REDACTED_LENGTH = 8


class StoreDiagnostics:
    def __init__(self, kube: KubeClient, secrets: SecretBackend) -> None:
        self.kube = kube
        self.secrets = secrets

    async def pods(self, store: Store) -> list[PodOut]:
        _require_namespace(store)
        pods = await _reading(self.kube.pods(store.namespace, ""))
        return sorted((_pod_out(pod) for pod in pods), key=lambda pod: pod.name)

    async def warnings(self, store: Store) -> list[WarningOut]:
        _require_namespace(store)
        events = await _reading(self.kube.warning_events(store.namespace, 500))
        newest = sorted(events, key=_last_seen_key, reverse=True)[:MAX_WARNINGS]
        return [_warning_out(event) for event in newest]

    async def log(
        self, store: Store, pod: str | None, container: str, tail: int, *, previous: bool = False
    ) -> LogOut:
        """The last ``tail`` lines of ``container`` in ``pod`` (by default the first pod that
        runs such a container); ``previous``: of its instance before the last restart (why a
        crashing container crashed)."""
        _require_namespace(store)
        pods = await self.pods(store)
        candidates = [p for p in pods if (pod is None or p.name == pod) and container in _names(p)]
        if not candidates:
            where = f"pod {pod}" if pod else "any pod of this store"
            raise NotFound(f"no container {container!r} in {where}")
        chosen = candidates[0].name
        try:
            text = await self.kube.pod_log(
                store.namespace,
                chosen,
                container,
                tail_lines=tail,
                limit_bytes=MAX_LOG_BYTES,
                previous=previous,
            )
        except KubeNotFound:
            raise NotFound(f"pod {chosen} is gone") from None
        except KubeUnavailable as exc:
            raise Unavailable(f"the cluster did not answer: {exc}") from None
        except KubeError:
            # The API server refuses logs of a container that has not started (or has no
            # previous instance): say so without repeating its message.
            which = "no previous instance" if previous else "no log yet"
            raise InvalidTransition(f"container {container} of pod {chosen} has {which}") from None
        redacted = await self._redact(store, text)
        truncated = len(text.encode()) >= MAX_LOG_BYTES
        lines = redacted.splitlines()
        return LogOut(
            pod=chosen,
            container=container,
            tail=tail,
            previous=previous,
            lines=lines[-tail:],
            truncated=truncated,
        )

    async def _redact(self, store: Store, text: str) -> str:
        try:
            values = await self.secrets.values(store)
        except (KubeError, VaultError):
            # Without the values there is no telling what to hide: show nothing.
            raise Unavailable("the store's Secrets could not be read to redact the log") from None
        for value in sorted(set(values), key=len, reverse=True):
            if len(value) >= MIN_REDACTED_LENGTH:
                text = text.replace(value, REDACTED)
        return text


def _require_namespace(store: Store) -> None:
    if store.status == StoreStatus.DELETED:
        raise NotFound(f"store {store.id} is deleted")


async def _reading(call: Any) -> list[Json]:
    try:
        result: list[Json] = await call
    except KubeUnavailable as exc:
        raise Unavailable(f"the cluster did not answer: {exc}") from None
    except KubeError as exc:
        raise WooError(f"reading the store's namespace failed: {exc}") from None
    return result


def _names(pod: PodOut) -> list[str]:
    return [container.name for container in pod.containers]


def _pod_out(pod: Json) -> PodOut:
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    statuses = {c.get("name"): c for c in status.get("containerStatuses") or []}
    containers = [
        _container_out(c, statuses.get(c.get("name")) or {}) for c in spec.get("containers") or []
    ]
    reasons = [c.last_termination_reason for c in containers if c.last_termination_reason]
    return PodOut(
        name=str(meta.get("name")),
        component=(meta.get("labels") or {}).get(COMPONENT),
        phase=str(status.get("phase") or "Unknown"),
        ready=any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in status.get("conditions") or []
        ),
        restarts=sum(c.restarts for c in containers),
        last_termination_reason=reasons[0] if reasons else None,
        image=containers[0].image if containers else "",
        containers=containers,
        created_at=_time(meta.get("creationTimestamp")),
    )


def _container_out(spec: Json, status: Json) -> ContainerOut:
    state = status.get("state") or {}
    current = next((key for key in ("running", "waiting", "terminated") if key in state), "waiting")
    last = ((status.get("lastState") or {}).get("terminated") or {}).get("reason")
    return ContainerOut(
        name=str(spec.get("name")),
        image=str(status.get("image") or spec.get("image") or ""),
        ready=bool(status.get("ready")),
        restarts=int(status.get("restartCount") or 0),
        state=current,
        reason=(state.get(current) or {}).get("reason"),
        last_termination_reason=last or (state.get("terminated") or {}).get("reason"),
    )


def _warning_out(event: Json) -> WarningOut:
    involved = event.get("involvedObject") or {}
    return WarningOut(
        reason=str(event.get("reason") or ""),
        message=str(event.get("message") or ""),
        object=f"{involved.get('kind', '')}/{involved.get('name', '')}",
        count=int(event.get("count") or 1),
        last_seen=_time(_last_seen_key(event) or None),
    )


def _last_seen_key(event: Json) -> str:
    return str(event.get("lastTimestamp") or event.get("eventTime") or "")


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
