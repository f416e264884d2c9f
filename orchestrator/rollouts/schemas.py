"""Request and response bodies of the rollout API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from orchestrator.models import Environment, RolloutStatus, RolloutStoreState

# A store's id as the API hands it out (a UUID); anything else cannot name a store.
StoreId = Annotated[str, Field(pattern=r"^[0-9a-f-]{1,36}$")]


class RolloutSelector(BaseModel):
    """Which stores: every given criterion must hold (at least one is needed)."""

    model_config = ConfigDict(extra="forbid")

    environment: Environment | None = None
    plan: str | None = Field(default=None, max_length=32)
    store_ids: list[StoreId] | None = Field(default=None, min_length=1, max_length=5000)

    @model_validator(mode="after")
    def _something(self) -> RolloutSelector:
        if self.environment is None and self.plan is None and self.store_ids is None:
            raise ValueError("give at least one of environment, plan, store_ids")
        return self


class RolloutCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_version: str = Field(max_length=32, description="A version of GET /catalogue.")
    selector: RolloutSelector
    waves: list[int] = Field(
        default=[1, 5, 25],
        min_length=1,
        max_length=20,
        description="Wave sizes: the canary first, then growing batches; stores beyond their "
        "sum go in further waves of the last size.",
    )
    max_failure_ratio: float = Field(
        default=0.0,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="A wave whose share of failed upgrades exceeds this halts the rollout.",
    )

    @model_validator(mode="after")
    def _positive_waves(self) -> RolloutCreate:
        if any(size < 1 or size > 10_000 for size in self.waves):
            raise ValueError("every wave size must be between 1 and 10000")
        return self


class RolloutStoreOut(BaseModel):
    store_id: str
    store_name: str
    wave: int = Field(description="1 is the canary; 0: pinned when the rollout started.")
    state: RolloutStoreState
    message: str | None
    from_version: str | None
    version: str | None = Field(description="The version the store runs now.")
    updated_at: datetime


class RolloutCounts(BaseModel):
    pending: int = 0
    upgrading: int = 0
    succeeded: int = 0
    failed: int = 0
    skipped_pinned: int = 0


class RolloutOut(BaseModel):
    id: str
    target_version: str
    selector: RolloutSelector
    waves: list[int]
    wave_count: int = Field(description="Waves this rollout has (its stores in `waves` sizes).")
    max_failure_ratio: float
    status: RolloutStatus
    status_reason: str | None
    current_wave: int
    counts: RolloutCounts
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    stores: list[RolloutStoreOut] | None = Field(
        default=None, description="Each store's progress (GET /rollouts/{id} only)."
    )


class RolloutPage(BaseModel):
    items: list[RolloutOut]
    total: int
    limit: int
    offset: int
