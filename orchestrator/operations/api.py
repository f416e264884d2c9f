"""Routes for operators and clients of the platform: /healthz, /readyz, /metrics, /config."""

from __future__ import annotations

import logging
from typing import get_args

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from orchestrator.backups.repository import BackupRepository
from orchestrator.deps import ClockDep, ReadSessionDep, ReconcilerDep, SettingsDep
from orchestrator.metrics import Fleet, Metrics
from orchestrator.models import DesiredState, Environment
from orchestrator.naming import STORE_NAME_MAX
from orchestrator.operations.schemas import (
    AdminSecret,
    HealthOut,
    PlatformInfo,
    ProvisioningStep,
    ReadyOut,
)
from orchestrator.provisioning.chart_files import chart_file_problems
from orchestrator.provisioning.steps import INSTALL_ONLY, RESTORE_ONLY, Step
from orchestrator.provisioning.store_values import (
    ADMIN_PASSWORD_KEY,
    ADMIN_SECRET,
    ADMIN_USER,
    ADMIN_USER_KEY,
)
from orchestrator.rollouts.repository import RolloutRepository
from orchestrator.stores.repository import StoreRepository

log = logging.getLogger(__name__)

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="healthz")
async def healthz() -> HealthOut:
    """The process is up."""
    return HealthOut(status="ok")


@router.get("/config", operation_id="getPlatformInfo")
async def platform_info(settings: SettingsDep) -> PlatformInfo:
    """Settings a client needs (base domain, environments, name rules, auth, the steps of
    provisioning and where a store's admin credentials are kept)."""
    return PlatformInfo(
        base_domain=settings.base_domain,
        environments=list(get_args(Environment)),
        store_name_max_length=STORE_NAME_MAX,
        auth_required=settings.auth == "on",
        provisioning_steps=[
            ProvisioningStep(step=step, description=step.description)
            for step in Step
            # The data check runs only before an installed store's release is applied again.
            if step.towards is DesiredState.PRESENT
            and step not in RESTORE_ONLY
            and step is not Step.DATA
        ],
        restore_steps=[
            ProvisioningStep(step=step, description=step.description)
            for step in Step
            if step.towards is DesiredState.PRESENT
            and step not in INSTALL_ONLY
            and step is not Step.DATA
        ],
        backups_enabled=settings.backups_enabled,
        admin_user=ADMIN_USER,
        admin_secret=AdminSecret(
            name=ADMIN_SECRET, user_key=ADMIN_USER_KEY, password_key=ADMIN_PASSWORD_KEY
        ),
    )


@router.get("/readyz", operation_id="readyz", responses={503: {"model": ReadyOut}})
async def readyz(request: Request, session: ReadSessionDep, settings: SettingsDep) -> JSONResponse:
    """Ready to serve: the database answers, the cluster answers, the secret backend answers,
    helm, the chart and the values files are present. Anyone may ask, so the answer names each
    check's state only; the reasons go to the log."""
    problems: dict[str, str] = {}
    try:
        await session.execute(text("SELECT 1"))
    except Exception as exc:
        problems["database"] = f"unreachable: {type(exc).__name__}"
    try:
        await request.app.state.kube.server_version()
    except Exception as exc:
        problems["kubernetes"] = f"unreachable: {exc}"
    try:
        secrets = await request.app.state.secrets.check()
    except Exception as exc:
        secrets = f"unavailable: {exc}"
    if not secrets.startswith("ok"):
        problems["secrets"] = secrets
    if settings.resolve_helm() is None:
        problems["helm"] = "missing: set WOO_HELM_BIN or put helm on PATH"
    chart_problems = chart_file_problems(settings)
    if chart_problems:
        problems["chart"] = "; ".join(chart_problems)
    for check, problem in problems.items():
        log.warning("not ready: %s %s", check, problem)
    checks = {
        check: "unavailable" if check in problems else "ok"
        for check in ("database", "kubernetes", "secrets", "helm", "chart")
    }
    body = ReadyOut(status="unavailable" if problems else "ok", checks=checks, auth=settings.auth)
    return JSONResponse(body.model_dump(), status_code=503 if problems else 200)


@router.get("/metrics", operation_id="metrics", response_class=Response)
async def metrics_endpoint(
    request: Request, session: ReadSessionDep, reconciler: ReconcilerDep, clock: ClockDep
) -> Response:
    """Prometheus metrics."""
    metrics: Metrics = request.app.state.metrics
    metrics.in_flight.set(reconciler.in_flight)
    repository = StoreRepository(session)
    now = clock.now()
    depth, oldest_due = await repository.queue(now)
    backed_up: dict[str, str] = {}
    last_success = {}
    if request.app.state.settings.backups_enabled:
        backed_up = await repository.live_names()
        last_success = await BackupRepository(session).last_success_by_store()
    fleet = Fleet(
        by_status=await repository.counts_by_status(),
        oldest_provisioning_since=await repository.oldest_provisioning_since(),
        queue_depth=depth,
        queue_oldest_due=oldest_due,
        backed_up_stores=backed_up,
        last_backup_success=last_success,
        rollouts_in_progress=await RolloutRepository(session).count_in_progress(),
    )
    return Response(
        metrics.render(fleet, now), media_type="text/plain; version=0.0.4; charset=utf-8"
    )
