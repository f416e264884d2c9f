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
    provisioning_steps: list[ProvisioningStep] = Field(
        description="The steps of provisioning, in order (the `step` of a store's events)."
    )
    restore_steps: list[ProvisioningStep] = Field(
        description="The steps of a restore, in order (the safety backup only when asked for)."
    )
    backups_enabled: bool = Field(
        description="Whether the platform takes backups (WOO_BACKUP_ENDPOINT is set)."
    )
    admin_user: str = Field(description="The WordPress administrator every store is set up with.")
    admin_secret: AdminSecret


class ProvisioningStep(BaseModel):
    step: str
    description: str


class AdminSecret(BaseModel):
    """Where, in each store's namespace, its WordPress admin credentials are kept."""

    name: str
    user_key: str
    password_key: str
