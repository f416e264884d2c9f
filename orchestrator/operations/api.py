"""Routes for operators and clients of the platform: /healthz, /readyz, /metrics, /config."""

from __future__ import annotations

from typing import get_args

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from orchestrator.deps import ClockDep, ReconcilerDep, SessionDep, SettingsDep
from orchestrator.metrics import Fleet, Metrics
from orchestrator.models import DesiredState, Environment
from orchestrator.naming import STORE_NAME_MAX
from orchestrator.operations.schemas import (
    AdminSecret,
    HealthOut,
    PlatformInfo,
    ProvisioningStep,
)
from orchestrator.provisioning.chart_files import chart_file_problems
from orchestrator.provisioning.steps import Step
from orchestrator.provisioning.store_values import (
    ADMIN_PASSWORD_KEY,
    ADMIN_SECRET,
    ADMIN_USER,
    ADMIN_USER_KEY,
)
from orchestrator.stores.repository import StoreRepository

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
        auth_required=settings.api_token is not None,
        provisioning_steps=[
            ProvisioningStep(step=step, description=step.description)
            for step in Step
            if step.towards is DesiredState.PRESENT
        ],
        admin_user=ADMIN_USER,
        admin_secret=AdminSecret(
            name=ADMIN_SECRET, user_key=ADMIN_USER_KEY, password_key=ADMIN_PASSWORD_KEY
        ),
    )


@router.get("/readyz", operation_id="readyz", responses={503: {"model": HealthOut}})
async def readyz(request: Request, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """Ready to serve: the database answers, the cluster answers, the secret backend answers,
    helm, the chart and the values files are present."""
    checks: dict[str, str] = {}
    try:
        await session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    try:
        checks["kubernetes"] = f"ok ({await request.app.state.kube.server_version()})"
    except Exception as exc:
        checks["kubernetes"] = f"unreachable: {exc}"
    try:
        checks["secrets"] = await request.app.state.secrets.check()
    except Exception as exc:
        checks["secrets"] = f"unavailable: {exc}"
    helm = settings.resolve_helm()
    checks["helm"] = f"ok ({helm})" if helm else "missing: set WOO_HELM_BIN or put helm on PATH"
    chart_problems = chart_file_problems(settings)
    checks["chart"] = "; ".join(chart_problems) or f"ok ({settings.chart_path})"
    ready = all(value.startswith("ok") for value in checks.values())
    body = HealthOut(status="ok" if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", operation_id="metrics", response_class=Response)
async def metrics_endpoint(
    request: Request, session: SessionDep, reconciler: ReconcilerDep, clock: ClockDep
) -> Response:
    """Prometheus metrics."""
    metrics: Metrics = request.app.state.metrics
    metrics.in_flight.set(reconciler.in_flight)
    repository = StoreRepository(session)
    now = clock.now()
    depth, oldest_due = await repository.queue(now)
    fleet = Fleet(
        by_status=await repository.counts_by_status(),
        oldest_provisioning_since=await repository.oldest_provisioning_since(),
        queue_depth=depth,
        queue_oldest_due=oldest_due,
    )
    return Response(
        metrics.render(fleet, now), media_type="text/plain; version=0.0.4; charset=utf-8"
    )
