"""The application: routes, one error shape, and a lifespan that migrates the database and runs
the reconciler next to the API."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.routing import APIRoute
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Tracer
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchestrator import db, tracing
from orchestrator.audit.api import router as audit_router
from orchestrator.audit.trail import AuditTrail
from orchestrator.auth.api import router as access_router
from orchestrator.auth.gate import ApiGate
from orchestrator.backups.api import router as backups_router
from orchestrator.backups.jobs import StoreJobs
from orchestrator.clock import Clock
from orchestrator.config import Settings
from orchestrator.control_loop import ControlLoop
from orchestrator.day2.api import router as day2_router
from orchestrator.edges.docs import install_docs
from orchestrator.edges.routing import HeadAsGet, TrailingSlashInsensitive
from orchestrator.edges.validation import invalid_request
from orchestrator.errors import NotFound, Unavailable, WooError, error_response
from orchestrator.helm.client import HelmClient
from orchestrator.helm.errors import HelmError
from orchestrator.helm.runner import HelmRunner
from orchestrator.housekeeping import Housekeeping
from orchestrator.http_headers import SecurityHeaders
from orchestrator.kube.client import KubeClient
from orchestrator.metrics import Metrics
from orchestrator.operations.api import router as operations_router
from orchestrator.provisioning.reconciler import Reconciler
from orchestrator.provisioning.secret_backends import KubernetesSecrets, SecretBackend, VaultSecrets
from orchestrator.provisioning.steps import StoreSteps
from orchestrator.provisioning.store_objects import StoreObjects
from orchestrator.rollouts.api import router as rollouts_router
from orchestrator.rollouts.driver import RolloutDriver
from orchestrator.stores.api import router as stores_router
from orchestrator.vault.client import KubernetesLogin, VaultClient
from orchestrator.versions.api import router as versions_router

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    clock: Clock | None = None,
    tracer_provider: TracerProvider | None = None,
    *,
    settle_heap: bool = False,
) -> FastAPI:
    """The application; ``clock`` is the system clock and ``tracer_provider`` the one
    ``WOO_OTLP_ENDPOINT`` asks for (none: tracing off), unless a test brings its own.
    ``settle_heap``: the process is this application's alone (``python -m orchestrator``), so
    what start-up made may be hidden from the garbage collector (``_settle_heap``)."""
    metrics = Metrics()
    clock = clock or Clock()
    owned_provider = None if tracer_provider else tracing.provider_from_settings(settings)
    provider = tracer_provider or owned_provider
    tracer = tracing.tracer_of(provider)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _warn_when_open(settings)
        # Database statements are traced only when tracing is on.
        statement_tracer = tracer if provider is not None else None
        engine = _database_engine(settings, metrics, statement_tracer)
        await _migrate_when_reachable(engine)
        kube = KubeClient(
            kubeconfig=settings.kubeconfig,
            context=settings.kube_context,
            request_timeout=settings.kube_request_timeout_seconds,
            on_request=metrics.observe_kube_request,
            tracer=tracer,
        )
        helm = HelmClient(
            HelmRunner(
                settings.resolve_helm(),
                kubeconfig=settings.kubeconfig,
                kube_context=settings.kube_context,
                on_command=metrics.observe_helm_command,
                tracer=tracer,
            ),
            timeout=settings.helm_timeout_seconds,
        )
        secrets = _secret_backend(settings, kube, tracer)
        await _log_helm_version(helm.runner)
        app.state.sessions = db.session_factory(engine)
        app.state.autocommit_sessions = db.autocommit_session_factory(engine)
        app.state.kube = kube
        app.state.helm = helm
        app.state.secrets = secrets
        app.state.store_jobs = StoreJobs(kube, settings.release_name)
        # The reconciler runs on a loop of its own, so its passes never hold up a request.
        control = ControlLoop()
        control.start()
        app.state.control = control
        try:
            reconciling = await control.run(
                _start_reconciling(settings, metrics, clock, tracer, statement_tracer, kube, helm)
            )
        except BaseException:
            control.stop()
            raise
        app.state.reconciler = reconciling.reconciler
        app.state.housekeeping = Housekeeping(settings, app.state.sessions, clock)
        app.state.rollouts = RolloutDriver(
            settings, app.state.sessions, clock, app.state.reconciler.wake
        )
        await app.state.housekeeping.start()
        await app.state.rollouts.start()
        if settle_heap:
            _settle_heap()
        try:
            yield
        finally:
            # One deadline for the whole stop: the process must end within the pod's grace
            # period even when some work will not, and the log must say which.
            deadline = asyncio.get_running_loop().time() + settings.shutdown_seconds
            await _stop_by(deadline, "fleet rollouts", app.state.rollouts.stop())
            await _stop_by(deadline, "housekeeping", app.state.housekeeping.stop())
            try:
                await _stop_by(deadline, "the reconciler", control.run(reconciling.stop()))
            finally:
                control.stop()
            await secrets.close()
            kube.close()
            await engine.dispose()
            if owned_provider is not None:
                owned_provider.shutdown()

    app = FastAPI(
        title="woo-platform",
        summary="WooCommerce stores on demand, on Kubernetes.",
        version="0.1.0",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        # Swagger UI is served from our own assets (edges.docs); ReDoc would need a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.clock = clock
    _install_error_handlers(app)
    # Outermost last: metrics see every request, including those the gate refuses; the audit
    # trail, inside the gate, knows the token of every request it records.
    app.add_middleware(AuditTrail)
    app.add_middleware(ApiGate, settings=settings)
    _install_cors(app, settings)
    app.add_middleware(SecurityHeaders)
    _install_request_metrics(app, metrics)
    # Outside the gate: it judges the request the routes will see (HEAD as GET, so HEAD on a
    # protected route needs the same token; a trailing slash dropped).
    app.add_middleware(TrailingSlashInsensitive)
    app.add_middleware(HeadAsGet)
    if provider is not None:
        # Added last, so it is the outermost middleware: the span covers the whole request.
        app.add_middleware(tracing.RequestTracing, tracer=tracer)
    app.include_router(stores_router)
    app.include_router(backups_router)
    app.include_router(versions_router)
    app.include_router(rollouts_router)
    app.include_router(day2_router)
    app.include_router(access_router)
    app.include_router(audit_router)
    app.include_router(operations_router)
    install_docs(app)
    _install_dashboard(app, settings.dashboard_dir)
    return app


async def _stop_by(deadline: float, what: str, stopping: Awaitable[None]) -> None:
    """Wait for ``stopping`` until ``deadline`` (loop time); past it, give up on it and say so."""
    try:
        async with asyncio.timeout_at(deadline):
            await stopping
    except TimeoutError:
        log.error("%s did not stop within WOO_SHUTDOWN_SECONDS; exiting without it", what)


def _settle_heap() -> None:
    """Take what start-up made (modules, mappers, the app: some 300,000 objects) out of the
    garbage collector's sight. A full collection walks every tracked object with the
    interpreter lock held: 260 ms on a 2-core machine, during which neither loop runs, so the
    first full collection after start-up stalled requests mid-burst. Frozen objects are only
    never freed, and they live as long as the process anyway."""
    gc.collect()
    gc.freeze()


def _warn_when_open(settings: Settings) -> None:
    """Say at every start that the API is open, so nobody runs it that way by accident."""
    if settings.auth == "off":
        log.warning(
            "WOO_AUTH=off: authentication is disabled; anyone who can reach this port can "
            "create and delete stores. Use this for a local demo only."
        )
    elif settings.api_token is None:
        log.info(
            "authentication is on; create a token with "
            "`python -m orchestrator tokens create NAME --scope admin`"
        )


def _secret_backend(settings: Settings, kube: KubeClient, tracer: Tracer) -> SecretBackend:
    if settings.secrets_backend == "kubernetes":
        return KubernetesSecrets(kube)
    # The settings refuse vault mode without an address and a way to authenticate.
    assert settings.vault_addr is not None
    credentials: str | KubernetesLogin
    if settings.vault_auth == "kubernetes":
        assert settings.vault_kubernetes_role is not None
        credentials = KubernetesLogin(
            settings.vault_kubernetes_role, mount=settings.vault_kubernetes_mount
        )
    else:
        assert settings.vault_token is not None
        credentials = settings.vault_token.get_secret_value()
    vault = VaultClient(
        settings.vault_addr,
        credentials,
        mount=settings.vault_kv_mount,
        timeout=settings.vault_request_timeout_seconds,
        tracer=tracer,
    )
    return VaultSecrets(settings, vault, kube)


def _database_engine(settings: Settings, metrics: Metrics, tracer: Tracer | None) -> AsyncEngine:
    """An engine whose statements are counted (and traced, when tracing is on). Each loop
    gets its own: connections belong to the loop that opened them."""
    engine = db.create_engine(settings)
    if tracer is not None:
        tracing.trace_database(engine, tracer)
    event.listen(engine.sync_engine, "before_cursor_execute", metrics.count_statement)
    return engine


@dataclass(frozen=True)
class _Reconciling:
    """The reconciler and what it alone uses, all made on the control loop."""

    reconciler: Reconciler
    engine: AsyncEngine
    secrets: SecretBackend

    async def stop(self) -> None:
        await self.reconciler.stop()
        await self.secrets.close()
        await self.engine.dispose()


async def _start_reconciling(
    settings: Settings,
    metrics: Metrics,
    clock: Clock,
    tracer: Tracer,
    statement_tracer: Tracer | None,
    kube: KubeClient,
    helm: HelmClient,
) -> _Reconciling:
    """Build and start the reconciler on the running (control) loop. The kube and helm clients
    are shared: neither holds state bound to a loop (kube requests run on its own threads,
    helm is a child process per command)."""
    engine = _database_engine(settings, metrics, statement_tracer)
    secrets = _secret_backend(settings, kube, tracer)
    jobs = StoreJobs(kube, settings.release_name)
    steps = StoreSteps(settings, kube, helm, secrets, StoreObjects(kube, settings), jobs)
    reconciler = Reconciler(settings, db.session_factory(engine), steps, metrics, clock, tracer)
    try:
        await reconciler.start()
    except BaseException:
        await secrets.close()
        await engine.dispose()
        raise
    return _Reconciling(reconciler, engine, secrets)


async def _log_helm_version(runner: HelmRunner) -> None:
    """Say which helm this replica drives; a missing helm is reported, not fatal (/readyz
    keeps saying so until it is fixed)."""
    try:
        version = (await runner.version()).stdout.strip()
        log.info("using helm %s (%s)", version, runner.binary)
    except HelmError as exc:
        log.warning("helm is not usable: %s", exc)


def _operation_id(route: APIRoute) -> str:
    # Stable ids keep the generated dashboard client's function names stable.
    return route.name


async def _migrate_when_reachable(engine: AsyncEngine, attempts: int = 30) -> None:
    """Wait for the database (it may start after us), then bring the schema to head."""
    for attempt in range(1, attempts + 1):
        try:
            await db.migrate(engine)
            return
        except (OSError, OperationalError) as exc:
            # SQLAlchemy reports a refused or dropped connection as OperationalError.
            if attempt == attempts:
                raise
            log.warning("database not reachable yet (%s); retrying", type(exc).__name__)
            await asyncio.sleep(1.0)


# --- errors -----------------------------------------------------------------------------
def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(WooError)
    async def woo_error(request: Request, exc: WooError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(invalid_request(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
            exc.status_code, "http_error"
        )
        # Starlette's own wording ("Not Found") said in ours, naming what was asked for.
        detail = {
            404: f"nothing at {request.url.path}",
            405: f"{request.method} is not allowed on {request.url.path}",
        }.get(exc.status_code, str(exc.detail))
        error = WooError(detail)
        error.status_code, error.code = exc.status_code, code
        return error_response(error, headers=getattr(exc, "headers", None))

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated or isinstance(exc, OperationalError):
            log.warning(
                "database unavailable on %s %s: %s",
                request.method,
                request.url.path,
                type(exc.orig).__name__,
            )
            return error_response(
                Unavailable("the platform's database is not reachable; try again shortly"),
                headers={"Retry-After": "5"},
            )
        log.exception("database error on %s %s", request.method, request.url.path)
        return error_response(WooError("internal error; see the orchestrator log"))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(WooError("internal error; see the orchestrator log"))


# --- operations ---------------------------------------------------------------------------
def _install_request_metrics(app: FastAPI, metrics: Metrics) -> None:
    app.add_middleware(RequestMetrics, metrics=metrics)


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestMetrics:
    """Count and time requests by route template. A plain ASGI middleware: Starlette's
    ``BaseHTTPMiddleware`` runs every request in an extra task and costs milliseconds."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            # The router records the matched route in the scope; unmatched paths share one
            # label so a scanner cannot blow up the metric's cardinality.
            path = getattr(scope.get("route"), "path", "unmatched")
            # Any token is a valid HTTP method; only the ones we know get their own label.
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "other"
            self.metrics.request_seconds.labels(method, path).observe(time.perf_counter() - started)
            self.metrics.requests.labels(method, path, str(status)).inc()


def _install_cors(app: FastAPI, settings: Settings) -> None:
    """Closed unless WOO_CORS_ORIGINS names the sites whose pages may call the API (the
    dashboard itself is same-origin and needs none). Outside the gate: a browser's preflight
    carries no token."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
            expose_headers=["Location", "Retry-After", "X-Request-ID"],
            max_age=600,
        )


def _install_dashboard(app: FastAPI, dist: Path) -> None:
    """Serve the built dashboard at /ui/ (client-side routes fall back to index.html)."""

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/")

    @app.get("/ui", include_in_schema=False)
    async def ui_slash() -> RedirectResponse:
        return RedirectResponse("/ui/")

    @app.get("/ui/{path:path}", include_in_schema=False)
    def ui(path: str) -> FileResponse:
        root = dist.resolve()
        index = root / "index.html"
        if not index.is_file():
            raise NotFound("the dashboard is not built: run `npm run build` in dashboard/")
        candidate = (root / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root):
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
