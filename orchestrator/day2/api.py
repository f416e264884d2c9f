"""HTTP routes of day-2 operations: suspend, resume, reconcile (repair), and diagnostics
(workloads, Warning events, logs). Routes translate HTTP to service calls and commit once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status

from orchestrator.day2.schemas import (
    DEFAULT_TAIL_LINES,
    MAX_TAIL_LINES,
    LogOut,
    ReconcileRequest,
    WarningList,
    WorkloadsOut,
)
from orchestrator.day2.service import Day2Service
from orchestrator.deps import (
    READ,
    WRITE,
    ClockDep,
    ReconcilerDep,
    SecretsDep,
    SessionDep,
    SettingsDep,
    StoreReaderDep,
    StoreServiceDep,
)
from orchestrator.edges.bodies import require_json_body
from orchestrator.kube.client import KubeClient
from orchestrator.provisioning.diagnostics import StoreDiagnostics
from orchestrator.stores.api import ERRORS
from orchestrator.stores.repository import StoreRepository
from orchestrator.stores.schemas import ErrorOut, StoreOut

router = APIRouter(
    prefix="/stores",
    tags=["day-2"],
    dependencies=[Depends(require_json_body)],
    responses=ERRORS,
)

UNAVAILABLE: dict[int | str, dict[str, object]] = {
    503: {"model": ErrorOut, "description": "The cluster did not answer"}
}


async def get_day2_service(
    session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Day2Service:
    return Day2Service(StoreRepository(session), settings, clock)


async def get_diagnostics(request: Request, secrets: SecretsDep) -> StoreDiagnostics:
    kube: KubeClient = request.app.state.kube
    return StoreDiagnostics(kube, secrets)


Day2Dep = Annotated[Day2Service, Depends(get_day2_service)]
DiagnosticsDep = Annotated[StoreDiagnostics, Depends(get_diagnostics)]

# Kubernetes names: a container is a DNS-1123 label, a pod a DNS-1123 subdomain.
CONTAINER_NAME = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
POD_NAME = r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"


@router.post(
    "/{store_id}/suspend",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="suspendStore",
    dependencies=[WRITE],
)
async def suspend_store(
    store_id: str,
    service: Day2Dep,
    stores: StoreServiceDep,
    session: SessionDep,
    reconciler: ReconcilerDep,
) -> StoreOut:
    """Scale WordPress and MariaDB to zero, keep the data, and answer the storefront with a
    maintenance page (503 with Retry-After). From Ready or Degraded; `Suspended` once done."""
    store = await service.suspend(store_id)
    await session.commit()
    reconciler.interrupt(store.id)
    return await stores.shown(store)


@router.post(
    "/{store_id}/resume",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="resumeStore",
    dependencies=[WRITE],
)
async def resume_store(
    store_id: str,
    service: Day2Dep,
    stores: StoreServiceDep,
    session: SessionDep,
    reconciler: ReconcilerDep,
) -> StoreOut:
    """Start a Suspended store again; it is `Ready` once its workloads are."""
    store = await service.resume(store_id)
    await session.commit()
    reconciler.interrupt(store.id)
    return await stores.shown(store)


@router.post(
    "/{store_id}/reconcile",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="reconcileStore",
    dependencies=[WRITE],
)
async def reconcile_store(
    store_id: str,
    service: Day2Dep,
    stores: StoreServiceDep,
    session: SessionDep,
    reconciler: ReconcilerDep,
    body: ReconcileRequest | None = None,
) -> StoreOut:
    """Repair the store now: apply its release again with the same values (existing Secrets
    and volume claims are kept), after checking its data is still there. A store whose data is
    lost is only provisioned again, empty, with `{"recreate_empty": true}`."""
    request = body or ReconcileRequest()
    store = await service.reconcile(store_id, recreate_empty=request.recreate_empty)
    await session.commit()
    reconciler.interrupt(store.id)
    return await stores.shown(store)


@router.get(
    "/{store_id}/workloads",
    operation_id="getStoreWorkloads",
    dependencies=[READ],
    responses=UNAVAILABLE,
)
async def get_store_workloads(
    store_id: str, stores: StoreReaderDep, diagnostics: DiagnosticsDep
) -> WorkloadsOut:
    """The store's pods (phase, readiness, restarts, last termination, images, containers) and
    its namespace's recent Warning events, read from the cluster now."""
    store = await stores.get(store_id)
    return WorkloadsOut(
        pods=await diagnostics.pods(store), warnings=await diagnostics.warnings(store)
    )


@router.get(
    "/{store_id}/warnings",
    operation_id="listStoreWarnings",
    dependencies=[READ],
    responses=UNAVAILABLE,
)
async def list_store_warnings(
    store_id: str, stores: StoreReaderDep, diagnostics: DiagnosticsDep
) -> WarningList:
    """The namespace's recent Warning events, newest first (at most 50)."""
    store = await stores.get(store_id)
    return WarningList(items=await diagnostics.warnings(store))


@router.get(
    "/{store_id}/logs",
    operation_id="getStoreLogs",
    dependencies=[WRITE],
    responses=UNAVAILABLE,
)
async def get_store_logs(
    store_id: str,
    stores: StoreReaderDep,
    diagnostics: DiagnosticsDep,
    container: Annotated[
        str, Query(max_length=63, pattern=CONTAINER_NAME, description="The container's name.")
    ],
    pod: Annotated[
        str | None,
        Query(
            max_length=253,
            pattern=POD_NAME,
            description="The pod; by default the first pod that runs `container`.",
        ),
    ] = None,
    tail: Annotated[
        int, Query(ge=1, le=MAX_TAIL_LINES, description="Lines from the end of the log.")
    ] = DEFAULT_TAIL_LINES,
    previous: Annotated[
        bool, Query(description="The instance before the last restart (why it crashed).")
    ] = False,
) -> LogOut:
    """The last lines of a container's log (at most 1000 lines and 256 KiB). Every value of
    the store's Secrets is replaced by `[redacted]`. Write scope: logs may show shoppers' data."""
    store = await stores.get(store_id)
    return await diagnostics.log(store, pod, container, tail, previous=previous)
