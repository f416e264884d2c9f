"""Bodies of the audit API (public: part of the OpenAPI contract)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class AuditRecordOut(BaseModel):
    id: int
    at: datetime
    token_name: str = Field(description="The token's name ('bootstrap': WOO_API_TOKEN).")
    action: str = Field(description="The operation, e.g. createStore, deleteStore, revokeToken.")
    store_id: str | None
    status_code: int = Field(description="How the call ended (HTTP status).")
    request_id: str = Field(description="Also sent to the caller as X-Request-ID.")
    client: str | None = Field(description="The caller's address.")


class AuditPage(BaseModel):
    items: list[AuditRecordOut]
    total: int
    limit: int
    offset: int
