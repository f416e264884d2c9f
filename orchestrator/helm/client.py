"""The helm operations the reconciler means: ensure a release, uninstall it, read its status."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from orchestrator.helm.errors import HelmError, OperationInProgress, ReleaseNotFound
from orchestrator.helm.runner import HelmRunner

log = logging.getLogger(__name__)

PENDING = {"pending-install", "pending-upgrade", "pending-rollback"}
# Our runner kills helm at its timeout plus a few seconds; past this margin no helm that any
# replica started can still be working on a pending release.
PENDING_GRACE_SECONDS = 15.0
_QUERY_TIMEOUT = 30.0


@dataclass(frozen=True)
class ReleaseStatus:
    name: str
    namespace: str
    revision: int
    status: str  # deployed, failed, pending-install, ...
    last_deployed: datetime | None
    description: str

    @property
    def pending(self) -> bool:
        return self.status in PENDING


class HelmClient:
    def __init__(self, runner: HelmRunner, *, timeout: float) -> None:
        self.runner = runner
        self.timeout = timeout

    async def status(self, release: str, namespace: str) -> ReleaseStatus | None:
        """The release's current status, or None when there is no such release."""
        try:
            result = await self.runner.status(release, namespace=namespace, timeout=_QUERY_TIMEOUT)
        except ReleaseNotFound:
            return None
        return _parse_status(result.json())

    async def ensure_release(
        self,
        release: str,
        namespace: str,
        *,
        chart: Path,
        values_files: list[Path],
        values: dict[str, Any],
    ) -> ReleaseStatus:
        """Install or upgrade ``release`` so it runs ``chart`` with these values.

        helm refuses to touch a release left ``pending-*`` by a helm that died (a known Helm
        failure mode: the lock is the release record itself). Once such a record is older than
        our own helm timeout no live helm can still own it, so we clear it and go on; a
        younger one is reported as in progress and retried later. The common path is a single
        helm call; the release's status is read only when helm reports the lock.
        """
        try:
            return await self._upgrade(release, namespace, chart, values_files, values)
        except OperationInProgress:
            current = await self.status(release, namespace)
            if current is None or not current.pending:
                raise
            await self._recover_pending(current)
        return await self._upgrade(release, namespace, chart, values_files, values)

    async def _upgrade(
        self,
        release: str,
        namespace: str,
        chart: Path,
        values_files: list[Path],
        values: dict[str, Any],
    ) -> ReleaseStatus:
        result = await self.runner.upgrade_install(
            release,
            chart,
            namespace=namespace,
            values_files=values_files,
            values_stdin=json.dumps(values),
            timeout=self.timeout,
        )
        return _parse_status(result.json())

    async def rollback(self, release: str, namespace: str, revision: int) -> ReleaseStatus:
        """Return the release to ``revision`` (helm records it as a new revision); the status
        after it."""
        await self.runner.rollback(release, revision, namespace=namespace, timeout=self.timeout)
        current = await self.status(release, namespace)
        if current is None:
            raise HelmError(f"release {release} vanished during its rollback")
        return current

    async def uninstall(self, release: str, namespace: str) -> bool:
        """Remove the release; False when there was none (which is fine)."""
        try:
            await self.runner.uninstall(release, namespace=namespace, timeout=self.timeout)
        except ReleaseNotFound:
            return False
        return True

    async def _recover_pending(self, current: ReleaseStatus) -> None:
        age = _age(current.last_deployed)
        if age is not None and age < timedelta(seconds=self.timeout + PENDING_GRACE_SECONDS):
            raise OperationInProgress(
                f"release {current.name} is {current.status} (revision {current.revision}, "
                f"{age.total_seconds():.0f}s old); waiting for the operation to finish"
            )
        log.warning(
            "recovering release %s/%s stuck in %s", current.namespace, current.name, current.status
        )
        if current.status == "pending-install" or current.revision <= 1:
            await self.uninstall(current.name, current.namespace)
            return
        previous = current.revision - 1
        try:
            await self.runner.rollback(
                current.name, previous, namespace=current.namespace, timeout=self.timeout
            )
        except HelmError as exc:
            # The rollback can be refused for what the stuck upgrade already did (a volume it
            # grew cannot shrink back). What matters is that the release is no longer pending:
            # the upgrade that follows then goes over it.
            after = await self.status(current.name, current.namespace)
            if after is None or after.pending:
                raise
            log.warning(
                "rollback of stuck release %s/%s failed (%s); upgrading over it",
                current.namespace,
                current.name,
                exc,
            )


def _parse_status(payload: Any) -> ReleaseStatus:
    if not isinstance(payload, dict):
        raise HelmError("helm returned no release document")
    info = payload.get("info") or {}
    return ReleaseStatus(
        name=str(payload.get("name", "")),
        namespace=str(payload.get("namespace", "")),
        revision=int(payload.get("version", 0)),
        status=str(info.get("status", "unknown")),
        last_deployed=_parse_time(info.get("last_deployed")),
        description=str(info.get("description", "")),
    )


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    # helm prints RFC 3339 with nanoseconds; Python takes at most microseconds.
    head, _, rest = value.partition(".")
    if rest:
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        value = f"{head}.{digits[:6]}{zone}"
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _age(moment: datetime | None) -> timedelta | None:
    return None if moment is None else datetime.now(UTC) - moment
