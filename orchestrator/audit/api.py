"""GET /audit: the audit trail, for admins. Routes translate HTTP to queries' results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from orchestrator.audit.schemas import AuditPage, AuditRecordOut
from orchestrator.deps import ADMIN, AuditServiceDep
from orchestrator.stores.schemas import MAX_OFFSET, ErrorOut

ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "Missing or wrong bearer token"},
    403: {"model": ErrorOut, "description": "The token's scope does not allow this"},
    422: {"model": ErrorOut, "description": "Invalid filter or paging"},
}

router = APIRouter(tags=["audit"], responses=ERRORS)


@router.get("/audit", operation_id="listAuditRecords", dependencies=[ADMIN])
async def list_audit_records(
    service: AuditServiceDep,
    store_id: str | None = None,
    token: Annotated[str | None, Query(description="A token's name.")] = None,
    action: Annotated[str | None, Query(description="An operation id, e.g. deleteStore.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> AuditPage:
    """What was done, by which token, to which store, newest first."""
    records, total = await service.page(
        store_id=store_id, token_name=token, action=action, limit=limit, offset=offset
    )
    return AuditPage(
        items=[AuditRecordOut.model_validate(record, from_attributes=True) for record in records],
        total=total,
        limit=limit,
        offset=offset,
    )
