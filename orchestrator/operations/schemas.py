"""Bodies of the operations endpoints (part of the OpenAPI contract, like the store API's)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from orchestrator.models import Environment


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: dict[str, str] = Field(default_factory=dict)


class ReadyOut(HealthOut):
    auth: Literal["on", "off"] = Field(
        description="'off' means anyone who reaches the API may use it (WOO_AUTH=off)."
    )


class PlatformInfo(BaseModel):
    """What a client needs to build a valid create form."""

    base_domain: str = Field(description="Stores without a domain get '<store_name>.<this>'.")
    environments: list[Environment]
    store_name_max_length: int
    auth_required: bool = Field(
        description="Whether the API needs a bearer token (false only with WOO_AUTH=off)."
    )
