"""HTTP routes of the store API. Routes translate HTTP to service calls and commit once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from orchestrator.deps import ReconcilerDep, SessionDep, StoreServiceDep, require_token
from orchestrator.edges.bodies import require_json_body
from orchestrator.models import Store, StoreEvent, StoreOrder, StoreStatus
from orchestrator.stores.schemas import (
    ErrorOut,
    StoreCreate,
    StoreEventList,
    StoreEventOut,
    StoreOut,
    StorePage,
    StoreUrls,
)

ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "Missing or wrong bearer token"},
    404: {"model": ErrorOut, "description": "No such store"},
    409: {"model": ErrorOut, "description": "Conflicts with a live store or the store's status"},
    415: {"model": ErrorOut, "description": "The body is not JSON"},
    422: {"model": ErrorOut, "description": "Invalid input; nothing was created"},
}

router = APIRouter(
    prefix="/stores",
    tags=["stores"],
    dependencies=[Depends(require_token), Depends(require_json_body)],
    responses=ERRORS,
)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=200,
        description=(
            "Repeat a POST safely: the same key and body answer 200 with the store the first "
            "request created, as it is now (even Deleted); nothing new is created."
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
    service: StoreServiceDep,
    session: SessionDep,
    reconciler: ReconcilerDep,
    idempotency_key: IdempotencyKey = None,
) -> StoreOut:
    """Ask for a store. Answers 202 at once; provisioning goes on in the background.
    `environment` defaults to `local`."""
    store, created = await service.create(body, idempotency_key)
    await session.commit()
    if created:
        reconciler.wake()
    else:
        # Nothing was accepted this time: the store is the one the key asked for before.
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/stores/{store.id}"
    return to_store_out(store)


@router.get("", operation_id="listStores")
async def list_stores(
    service: StoreServiceDep,
    status_filter: Annotated[StoreStatus | None, Query(alias="status")] = None,
    include_deleted: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    search: Annotated[
        str | None,
        Query(max_length=253, description="Only stores whose name or domain contains this."),
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
    return StorePage(
        items=[to_store_out(store) for store in stores],
        total=total,
        limit=limit,
        offset=offset,
        next_cursor=next_cursor,
    )


@router.get("/{store_id}", operation_id="getStore")
async def get_store(store_id: str, service: StoreServiceDep) -> StoreOut:
    return to_store_out(await service.get(store_id))


@router.get("/{store_id}/events", operation_id="listStoreEvents")
async def list_store_events(store_id: str, service: StoreServiceDep) -> StoreEventList:
    """The store's timeline: every step the platform took, oldest first."""
    return StoreEventList(items=[to_event_out(event) for event in await service.events(store_id)])


@router.delete(
    "/{store_id}",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="deleteStore",
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
    return to_store_out(store)


@router.post("/{store_id}/retry", status_code=status.HTTP_202_ACCEPTED, operation_id="retryStore")
async def retry_store(
    store_id: str, service: StoreServiceDep, session: SessionDep, reconciler: ReconcilerDep
) -> StoreOut:
    """Resume a Failed store from where it stopped."""
    store = await service.request_retry(store_id)
    await session.commit()
    reconciler.wake()
    return to_store_out(store)


def to_store_out(store: Store) -> StoreOut:
    urls = None
    if store.storefront_url and store.admin_url:
        urls = StoreUrls(storefront=store.storefront_url, admin=store.admin_url)
    return StoreOut(
        id=store.id,
        store_name=store.store_name,
        namespace=store.namespace,
        domain=store.domain,
        environment=store.environment,
        status=StoreStatus(store.status),
        status_reason=store.status_reason,
        urls=urls,
        created_at=store.created_at,
        updated_at=store.updated_at,
    )


def to_event_out(event: StoreEvent) -> StoreEventOut:
    return StoreEventOut(
        id=event.id,
        created_at=event.created_at,
        step=event.step,
        outcome=event.outcome,
        message=event.message,
    )
