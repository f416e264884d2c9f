"""Routes for operators and clients of the platform: /healthz, /readyz, /metrics, /config."""

from __future__ import annotations

import logging
from typing import get_args

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from orchestrator.deps import ReconcilerDep, SessionDep, SettingsDep
from orchestrator.metrics import Metrics
from orchestrator.models import Environment
from orchestrator.naming import STORE_NAME_MAX
from orchestrator.operations.schemas import HealthOut, PlatformInfo, ReadyOut
from orchestrator.stores.repository import StoreRepository

log = logging.getLogger(__name__)

router = APIRouter(tags=["operations"])


@router.get("/healthz", operation_id="healthz")
async def healthz() -> HealthOut:
    """The process is up."""
    return HealthOut(status="ok")


@router.get("/config", operation_id="getPlatformInfo")
async def platform_info(settings: SettingsDep) -> PlatformInfo:
    """Settings a client needs (base domain, environments, name rules, auth)."""
    return PlatformInfo(
        base_domain=settings.base_domain,
        environments=list(get_args(Environment)),
        store_name_max_length=STORE_NAME_MAX,
        auth_required=settings.auth == "on",
    )


@router.get("/readyz", operation_id="readyz", responses={503: {"model": ReadyOut}})
async def readyz(request: Request, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """Ready to serve: the database answers, the cluster answers, helm is present. Anyone may
    ask, so the answer names each check's state only; the reasons go to the log."""
    problems: dict[str, str] = {}
    try:
        await session.execute(text("SELECT 1"))
    except Exception as exc:
        problems["database"] = f"unreachable: {type(exc).__name__}"
    try:
        await request.app.state.kube.server_version()
    except Exception as exc:
        problems["kubernetes"] = f"unreachable: {exc}"
    if settings.resolve_helm() is None:
        problems["helm"] = "missing: set WOO_HELM_BIN or put helm on PATH"
    for check, problem in problems.items():
        log.warning("not ready: %s %s", check, problem)
    checks = {
        check: "unavailable" if check in problems else "ok"
        for check in ("database", "kubernetes", "helm")
    }
    body = ReadyOut(status="unavailable" if problems else "ok", checks=checks, auth=settings.auth)
    return JSONResponse(body.model_dump(), status_code=503 if problems else 200)


@router.get("/metrics", operation_id="metrics", response_class=Response)
async def metrics_endpoint(
    request: Request, session: SessionDep, reconciler: ReconcilerDep
) -> Response:
    """Prometheus metrics."""
    metrics: Metrics = request.app.state.metrics
    metrics.in_flight.set(reconciler.in_flight)
    body = await metrics.render(StoreRepository(session).counts_by_status)
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
