"""The idempotent steps of a store's life. Each one looks at the world first and changes only
what is missing, so running it twice, or after a crash half-way, is always safe."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from orchestrator.backups.credentials import BackupCredentialsMissing, ensure_store_copy
from orchestrator.backups.jobs import (
    BACKUP,
    BACKUP_ID_LABEL,
    BACKUP_KIND_LABEL,
    RESTORE,
    JobOutcome,
    JobTemplateMissing,
    Phase,
    StoreJobs,
    job_name,
)
from orchestrator.config import Settings
from orchestrator.helm.client import HelmClient, ReleaseStatus
from orchestrator.kube.client import Json, KubeClient, Snapshot
from orchestrator.models import BackupKind, DesiredState, Store
from orchestrator.provisioning.errors import PermanentStepError, TemporaryStepError
from orchestrator.provisioning.readiness import (
    Assessment,
    PauseState,
    Verdict,
    assess,
    assess_suspended,
    pause_progress,
)
from orchestrator.provisioning.secret_backends import SecretBackend
from orchestrator.provisioning.sizing import (
    database_template_size,
    grow_database_claim,
    merged,
    plan_of,
    sized_values,
    version_of,
    wordpress_content_size,
)
from orchestrator.provisioning.store_objects import StoreObjects
from orchestrator.provisioning.store_values import (
    STORE_ID_LABEL,
    data_claims,
    namespace_labels,
    release_values,
    secret_labels,
)


class Step(StrEnum):
    """The steps of a store's life, towards present and towards absent, in the order they run.

    Each carries what the user sees in ``status_reason`` while it runs and how long it may take
    from when it starts. A pass re-checks the earlier steps of its direction (they are
    idempotent, and the world may have changed), but only a step *later* than the one recorded
    starts a new deadline and attempt count; otherwise a step that keeps failing would reset its
    own deadline on every pass and be retried for ever.
    """

    towards: DesiredState
    description: str
    _deadline: Callable[[Settings], float]

    def __new__(
        cls,
        value: str,
        towards: DesiredState,
        description: str,
        deadline: Callable[[Settings], float],
    ) -> Step:
        step = str.__new__(cls, value)
        step._value_ = value
        step.towards = towards
        step.description = description
        step._deadline = deadline
        return step

    DATA = (
        "data",
        DesiredState.PRESENT,
        "checking that the store's data is intact",
        lambda settings: settings.step_deadline_seconds,
    )
    NAMESPACE = (
        "namespace",
        DesiredState.PRESENT,
        "creating namespace",
        lambda settings: settings.step_deadline_seconds,
    )
    SECRETS = (
        "secrets",
        DesiredState.PRESENT,
        "creating credentials",
        lambda settings: settings.step_deadline_seconds,
    )
    # A restore: a safety backup of the running store, the storefront paused, the data
    # replaced; then the release again (unpaused) and readiness. A clone is seeded the same way
    # right after its credentials exist.
    SAFETY_BACKUP = (
        "safety-backup",
        DesiredState.PRESENT,
        "taking a safety backup before the restore",
        lambda settings: settings.backup_deadline_seconds,
    )
    PAUSE = (
        "pause",
        DesiredState.PRESENT,
        "pausing the storefront for the restore",
        lambda settings: settings.step_deadline_seconds,
    )
    RESTORE = (
        "restore",
        DesiredState.PRESENT,
        "restoring the backup",
        lambda settings: settings.backup_deadline_seconds,
    )
    RELEASE = (
        "release",
        DesiredState.PRESENT,
        "installing the helm release",
        lambda settings: settings.step_deadline_seconds,
    )
    READINESS = (
        "readiness",
        DesiredState.PRESENT,
        "waiting for the store to become ready",
        lambda settings: settings.ready_deadline_seconds,
    )
    UNINSTALL = (
        "uninstall",
        DesiredState.ABSENT,
        "uninstalling the helm release",
        lambda settings: settings.step_deadline_seconds,
    )
    NAMESPACE_DELETE = (
        "namespace-delete",
        DesiredState.ABSENT,
        "deleting the namespace",
        lambda settings: settings.delete_deadline_seconds,
    )

    def deadline(self, settings: Settings) -> timedelta:
        return timedelta(seconds=self._deadline(settings))

    def is_later_than(self, current: Step | None) -> bool:
        """Whether a store at ``current`` enters this step anew (see the class docstring)."""
        if current is None or current.towards != self.towards:
            return True
        order = list(Step)
        return order.index(self) > order.index(current)


# Steps only a restore (or a clone's seeding) takes, and those only an installation takes.
RESTORE_ONLY = frozenset({Step.SAFETY_BACKUP, Step.PAUSE, Step.RESTORE})
INSTALL_ONLY = frozenset({Step.NAMESPACE, Step.SECRETS})


@dataclass(frozen=True)
class StoreSteps:
    settings: Settings
    kube: KubeClient
    helm: HelmClient
    secrets: SecretBackend
    objects: StoreObjects
    jobs: StoreJobs

    # --- towards present ------------------------------------------------------------------
    async def ensure_namespace(self, store: Store) -> str:
        existing = await self.kube.get_namespace(store.namespace)
        if existing is None:
            await self.kube.create_namespace(store.namespace, namespace_labels(store))
            return f"namespace {store.namespace} created"
        self._check_owned(store, existing)
        if existing.get("status", {}).get("phase") == "Terminating":
            raise TemporaryStepError(f"namespace {store.namespace} is still terminating")
        return f"namespace {store.namespace} exists"

    async def lost_data(self, store: Store) -> str | None:
        """Before the release of an installed store is applied again: what of its data is gone
        (None: nothing). Applying it over a missing namespace, claim or Secret would hand the
        shop an empty database or new credentials, so that is for an operator to decide."""
        namespace = await self.kube.get_namespace(store.namespace)
        if namespace is None:
            return f"namespace {store.namespace} is gone"
        self._check_owned(store, namespace)
        if (namespace.get("metadata") or {}).get("deletionTimestamp"):
            return f"namespace {store.namespace} is being deleted"
        present = await self.data_claims(store)
        known = _parse_claims(store.data_claims)
        for name in data_claims(self.settings.release_name):
            if name not in present:
                return f"volume claim {name} is gone"
            if name in known and known[name] != present[name]:
                return f"volume claim {name} was deleted and replaced by a new, empty one"
        missing = await self.secrets.missing(store)
        if missing:
            return "Secret " + ", ".join(missing) + " is gone (the data was written with it)"
        return None

    async def data_claims(self, store: Store) -> dict[str, str]:
        """The store's data claims that exist (not being deleted), by name, with their uids."""
        wanted = data_claims(self.settings.release_name)
        found = {}
        for claim in await self.kube.claims(store.namespace):
            meta = claim.get("metadata") or {}
            if meta.get("name") in wanted and not meta.get("deletionTimestamp"):
                found[str(meta["name"])] = str(meta.get("uid"))
        return found

    async def ensure_secrets(self, store: Store) -> str:
        message = await self.secrets.ensure(store)
        try:
            copied = await ensure_store_copy(
                self.kube, self.settings, store.namespace, secret_labels(store)
            )
        except BackupCredentialsMissing as exc:
            # The operator may still add it: retried until the step's deadline.
            raise TemporaryStepError(str(exc)) from exc
        return f"{message}; {copied}" if copied else message

    async def ensure_release(self, store: Store) -> ReleaseStatus:
        """Install or upgrade the release with the plan and version the store is changing to
        (else its own)."""
        return await self._apply(store, changing=True)

    async def restore_release(self, store: Store) -> ReleaseStatus:
        """Serve the store's own plan and version again after a change to them that did not
        become ready. An upgrade back rather than `helm rollback`: the revision before the
        change asks for the volumes' old sizes, which the API server refuses for a volume the
        change grew; here every volume keeps its size."""
        return await self._apply(store, changing=False)

    async def _apply(self, store: Store, *, changing: bool) -> ReleaseStatus:
        values_file = self.settings.values_file(store.environment)
        if not values_file.is_file():
            raise PermanentStepError(f"values file {values_file} does not exist")
        plan = plan_of(store, self.settings, changing=changing)
        version = version_of(store, self.settings, changing=changing)
        # A larger plan expands the database claim first; the claim template keeps its size.
        await grow_database_claim(self.kube, store, self.settings, plan)
        template_size = await database_template_size(self.kube, store, self.settings, plan)
        content_size = await wordpress_content_size(self.kube, store, self.settings, plan)
        release = await self.helm.ensure_release(
            self.settings.release_name,
            store.namespace,
            chart=version.chart_path or self.settings.chart_path,
            values_files=[values_file],
            values=merged(
                release_values(store, self.settings),
                sized_values(
                    plan,
                    version,
                    store.environment,
                    database_template_size=template_size,
                    wordpress_content_size=content_size,
                ),
            ),
        )
        if release.status != "deployed":
            raise TemporaryStepError(
                f"release is {release.status} after upgrade: {release.description}"
            )
        return release

    async def observe(self, store: Store, revision: int, *, require_setup: bool) -> Assessment:
        """Readiness from the watch cache. Until every kind is listed, or when the workloads
        are not in the cache (a release installed a moment ago may not have reached it yet, or
        it really is gone), the API server is asked."""
        if require_setup:
            # Workloads cannot start before their Secrets exist (the vault backend's operator
            # writes them): say so rather than report the pods' CreateContainerConfigError.
            waiting = await self.secrets.waiting_for(store)
            if waiting is not None:
                return Assessment(Verdict.WAITING, waiting)

        def rule(snapshot: Snapshot) -> Assessment:
            # A suspended store is judged by its own rule: at zero, the maintenance page up.
            if store.suspended:
                return assess_suspended(snapshot)
            return assess(snapshot, revision, require_setup=require_setup)

        if self.objects.synced:
            assessment = rule(self.objects.snapshot(store.namespace))
            if not assessment.missing:
                return assessment
        selector = f"app.kubernetes.io/instance={self.settings.release_name}"
        snapshot = await self.kube.workloads(store.namespace, selector)
        assessment = rule(snapshot)
        if assessment.verdict != Verdict.WAITING:
            return assessment
        await self.kube.add_diagnostics(snapshot, store.namespace, selector)
        return rule(snapshot)

    # --- restore --------------------------------------------------------------------------
    async def safety_backup(self, store: Store) -> JobOutcome:
        """Start the safety backup unless it is running; its outcome so far."""
        assert store.safety_backup_id is not None
        name = job_name(BACKUP, store.safety_backup_id)
        labels = {BACKUP_ID_LABEL: store.safety_backup_id, BACKUP_KIND_LABEL: BackupKind.SAFETY}
        return await self._run_job(store, BACKUP, name, labels, {"BACKUP_KIND": "manual"})

    async def pause(self, store: Store) -> tuple[ReleaseStatus | None, str | None]:
        """Upgrade the release with the storefront paused unless the cluster shows it paused
        already (read from the API server, which has helm's change at once); returns the release
        if it was upgraded, and what is still awaited (None: WordPress has stopped and MariaDB
        is ready, so the data can be replaced)."""
        selector = f"app.kubernetes.io/instance={self.settings.release_name}"
        snapshot = await self.kube.workloads(store.namespace, selector)
        state, waiting = pause_progress(snapshot)
        if state == PauseState.RUNNING or (
            state == PauseState.MISSING and store.applied_generation < store.generation
        ):
            return await self.ensure_release(store), "waiting for WordPress to stop"
        return None, waiting

    async def restore(self, store: Store) -> tuple[str, JobOutcome]:
        """Start the restore Job of this attempt unless it exists; its name and outcome."""
        assert store.restore_backup_id and store.restore_snapshot_id
        source = store.restore_source_store_id or store.id
        attempt = uuid.uuid5(uuid.NAMESPACE_URL, f"{store.id}/{store.restore_backup_id}")
        name = job_name(RESTORE, f"{attempt.hex[:6]}{store.generation % 256:02x}")
        env = {"SNAPSHOT_ID": store.restore_snapshot_id}
        if source != store.id:
            # A clone reads the source store's repository; its snapshots carry that store's id.
            env["SOURCE_REPOSITORY"] = self.settings.backup_repository(source)
            env["SOURCE_STORE_ID"] = source
        labels = {BACKUP_ID_LABEL: store.restore_backup_id}
        return name, await self._run_job(store, RESTORE, name, labels, env)

    async def _run_job(
        self, store: Store, task: str, name: str, labels: dict[str, str], env: dict[str, str]
    ) -> JobOutcome:
        outcome = await self.jobs.outcome(store.namespace, name, task)
        if outcome is not None:
            return outcome
        try:
            await self.jobs.start(store.namespace, task, name, labels, env)
        except JobTemplateMissing as exc:
            raise PermanentStepError(str(exc)) from exc
        return JobOutcome(Phase.RUNNING)

    async def release_exists(self, store: Store) -> bool:
        return await self.helm.status(self.settings.release_name, store.namespace) is not None

    # --- towards absent -------------------------------------------------------------------
    async def uninstall(self, store: Store) -> str:
        namespace = await self.kube.get_namespace(store.namespace)
        if namespace is None:
            return "namespace already gone, nothing to uninstall"
        self._check_still_owned(store, namespace)
        if await self.helm.uninstall(self.settings.release_name, store.namespace):
            return f"release {self.settings.release_name} uninstalled"
        return "no release to uninstall"

    async def delete_namespace(self, store: Store) -> bool:
        """Ask for the namespace to go; True once it is gone (and with it, whatever the secret
        backend keeps for the store outside the namespace)."""
        namespace = await self.kube.get_namespace(store.namespace)
        if namespace is not None:
            self._check_still_owned(store, namespace)
            if not namespace.get("metadata", {}).get("deletionTimestamp"):
                await self.kube.delete_namespace(store.namespace)
            if await self.kube.get_namespace(store.namespace) is not None:
                return False
        await self.secrets.forget(store)
        return True

    @staticmethod
    def _check_owned(store: Store, namespace: Json) -> None:
        # Never adopt a namespace some other owner created.
        if not _owned(store, namespace):
            raise PermanentStepError(
                f"namespace {store.namespace} exists but does not belong to this store"
            )

    @staticmethod
    def _check_still_owned(store: Store, namespace: Json) -> None:
        # The namespace lost this store's id (relabelled, or replaced by someone else's): it is
        # not ours to delete, and the store is not gone, so the deletion fails where people see
        # it instead of ending Deleted with the namespace still there.
        if not _owned(store, namespace):
            raise PermanentStepError(
                f"namespace {store.namespace} does not belong to this store; left untouched"
            )


def claims_record(claims: dict[str, str]) -> str:
    """Store.data_claims: the claims a store holds its data in, with their uids."""
    return ",".join(f"{name}={uid}" for name, uid in sorted(claims.items()))


def _parse_claims(record: str | None) -> dict[str, str]:
    pairs = (item.partition("=") for item in (record or "").split(",") if item)
    return {name: uid for name, _, uid in pairs}


def _owned(store: Store, namespace: Json) -> bool:
    """Whether the namespace carries this store's id; we never change or delete another's."""
    labels = (namespace.get("metadata") or {}).get("labels") or {}
    return bool(labels.get(STORE_ID_LABEL) == store.id)
