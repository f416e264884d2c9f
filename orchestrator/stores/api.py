"""HTTP routes of the store API. Routes translate HTTP to service calls and commit once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from orchestrator.deps import (
    ADMIN,
    READ,
    WRITE,
    ReconcilerDep,
    SecretsDep,
    SessionDep,
    StoreReaderDep,
    StoreServiceDep,
    WriteAccess,
)
from orchestrator.edges.bodies import require_json_body
from orchestrator.models import StoreEvent, StoreOrder, StoreStatus
from orchestrator.provisioning.credentials import admin_credentials
from orchestrator.stores.schemas import (
    MAX_EVENT_ID,
    MAX_OFFSET,
    ErrorOut,
    StoreCreate,
    StoreCredentials,
    StoreEventList,
    StoreEventOut,
    StoreOut,
    StorePage,
    to_store_out,
)

ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "Missing or wrong bearer token"},
    403: {"model": ErrorOut, "description": "The token's scope does not allow this"},
    404: {"model": ErrorOut, "description": "No such store"},
    409: {
        "model": ErrorOut,
        "description": "Conflicts with a live store or the store's status, or a store cap",
    },
    415: {"model": ErrorOut, "description": "The body is not JSON"},
    422: {"model": ErrorOut, "description": "Invalid input; nothing was created"},
}

router = APIRouter(
    prefix="/stores",
    tags=["stores"],
    dependencies=[Depends(require_json_body)],
    responses=ERRORS,
)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[!-~]+$",
        description=(
            "Repeat a POST safely: the same key and body answer 200 with the store the first "
            "request created, as it is now (even Deleted); nothing new is created. Visible "
            "ASCII; remembered for WOO_IDEMPOTENCY_KEY_HOURS."
        ),
    ),
]


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="createStore",
    responses={200: {"model": StoreOut, "description": "Replay of an Idempotency-Key"}},
)
async def create_store(
    body: StoreCreate,
    response: Response,
    principal: WriteAccess,
    service: StoreServiceDep,
    session: SessionDep,
    reconciler: ReconcilerDep,
    idempotency_key: IdempotencyKey = None,
) -> StoreOut:
    """Ask for a store. Answers 202 at once; provisioning goes on in the background.
    `environment` defaults to `local`."""
    store, created = await service.create(body, idempotency_key, principal.name)
    await session.commit()
    if created:
        reconciler.wake()
    else:
        # Nothing was accepted this time: the store is the one the key asked for before.
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/stores/{store.id}"
    return await service.shown(store)


@router.get("", operation_id="listStores", dependencies=[READ])
async def list_stores(
    service: StoreReaderDep,
    status_filter: Annotated[StoreStatus | None, Query(alias="status")] = None,
    include_deleted: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    search: Annotated[
        str | None,
        Query(
            max_length=253,
            # No control characters: names and domains have none, and PostgreSQL refuses NUL.
            pattern=r"^[^\x00-\x1f\x7f]*$",
            description="Only stores whose name or domain contains this.",
        ),
    ] = None,
    sort: StoreOrder = StoreOrder.NEWEST,
    cursor: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="`next_cursor` of the previous page"),
    ] = None,
) -> StorePage:
    """Stores, newest first unless `sort` says otherwise. Deleted stores are hidden unless
    asked for. Page with `cursor` (keyset: every page as fast as the first; in the newest and
    oldest orders) or with `offset`."""
    stores, total, next_cursor = await service.page(
        status=status_filter,
        include_deleted=include_deleted,
        limit=limit,
        offset=offset,
        search=search or None,
        order=sort,
        cursor=cursor,
    )
    summaries = await service.backup_summaries(stores)
    return StorePage(
        items=[to_store_out(store, summaries.get(store.id)) for store in stores],
        total=total,
        limit=limit,
        offset=offset,
        next_cursor=next_cursor,
    )


@router.get("/{store_id}", operation_id="getStore", dependencies=[READ])
async def get_store(store_id: str, service: StoreReaderDep) -> StoreOut:
    return await service.shown(await service.get(store_id))


@router.get("/{store_id}/events", operation_id="listStoreEvents", dependencies=[READ])
async def list_store_events(
    store_id: str,
    service: StoreReaderDep,
    after: Annotated[int, Query(ge=0, le=MAX_EVENT_ID, description="Events after this id.")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> StoreEventList:
    """The store's timeline: every step the platform took, oldest first, a page at a time
    (``next_after`` continues it)."""
    events = await service.events(store_id, after=after, limit=limit)
    next_after = events[-1].id if len(events) == limit else None
    return StoreEventList(items=[to_event_out(event) for event in events], next_after=next_after)


@router.get(
    "/{store_id}/credentials",
    operation_id="getStoreCredentials",
    dependencies=[ADMIN],
    responses={
        503: {"model": ErrorOut, "description": "The cluster or the secret backend did not answer"}
    },
)
async def get_store_credentials(
    store_id: str, response: Response, service: StoreReaderDep, secrets: SecretsDep
) -> StoreCredentials:
    """The WordPress admin user and password, read from the secret backend in use (the store's
    Secret, or the KV engine in vault mode). Admin scope; every call is in the audit trail; the
    answer must not be cached."""
    store = await service.get(store_id)
    credentials = await admin_credentials(secrets, store)
    response.headers["Cache-Control"] = "no-store"
    return StoreCredentials(
        username=credentials.username, password=credentials.password, admin_url=store.admin_url
    )


@router.delete(
    "/{store_id}",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="deleteStore",
    dependencies=[WRITE],
    responses={200: {"model": StoreOut, "description": "The store was already Deleted"}},
)
async def delete_store(
    store_id: str,
    response: Response,
    service: StoreServiceDep,
    session: SessionDep,
    reconciler: ReconcilerDep,
) -> StoreOut:
    """Remove the store and everything it has in the cluster. Works from any status: 202 while
    the deletion goes on (asking again is harmless), 200 once the store is Deleted."""
    store = await service.request_deletion(store_id)
    await session.commit()
    if store.status == StoreStatus.DELETED:
        response.status_code = status.HTTP_200_OK
    else:
        reconciler.interrupt(store.id)
    return await service.shown(store)


@router.post(
    "/{store_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="retryStore",
    dependencies=[WRITE],
)
async def retry_store(
    store_id: str, service: StoreServiceDep, session: SessionDep, reconciler: ReconcilerDep
) -> StoreOut:
    """Resume a Failed store from where it stopped."""
    store = await service.request_retry(store_id)
    await session.commit()
    reconciler.wake()
    return await service.shown(store)


def to_event_out(event: StoreEvent) -> StoreEventOut:
    return StoreEventOut(
        id=event.id,
        created_at=event.created_at,
        step=event.step,
        outcome=event.outcome,
        message=event.message,
    )
