"""Request and response bodies of plan and version changes, and of the catalogues."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class StoreUpdate(BaseModel):
    """A change to a store: its plan, its version, or whether rollouts skip it."""

    model_config = ConfigDict(extra="forbid")

    plan: str | None = Field(default=None, max_length=32, examples=["medium"])
    version: str | None = Field(default=None, max_length=32)
    pinned: bool | None = Field(default=None, description="Pinned stores are skipped by rollouts.")

    @model_validator(mode="after")
    def _something(self) -> StoreUpdate:
        if self.plan is None and self.version is None and self.pinned is None:
            raise ValueError("give at least one of plan, version, pinned")
        return self


class PlanOut(BaseModel):
    name: str
    description: str
    php_workers: int
    wordpress_storage: str
    database_storage: str
    wordpress_memory_limit: str
    mariadb_memory_limit: str
    quota_cpu_limit: str
    quota_memory_limit: str
    default: bool


class VersionOut(BaseModel):
    name: str
    wordpress: str
    woocommerce: str
    chart: str
    default: bool


class CatalogueOut(BaseModel):
    plans: list[PlanOut]
    versions: list[VersionOut]
