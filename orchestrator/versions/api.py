"""HTTP routes of plans and versions: the catalogues, and changing one store (PATCH)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response, status

from orchestrator.deps import READ, WRITE, ReconcilerDep, SessionDep, SettingsDep, StoreServiceDep
from orchestrator.edges.bodies import require_json_body
from orchestrator.kube.client import KubeClient
from orchestrator.models import Store
from orchestrator.plans import Plan
from orchestrator.provisioning.sizing import storage_refusal
from orchestrator.stores.api import ERRORS
from orchestrator.stores.schemas import StoreOut
from orchestrator.versions.deps import StoreChangeServiceDep
from orchestrator.versions.schemas import CatalogueOut, PlanOut, StoreUpdate, VersionOut

router = APIRouter(tags=["stores"], dependencies=[Depends(require_json_body)], responses=ERRORS)


@router.patch(
    "/stores/{store_id}",
    operation_id="updateStore",
    dependencies=[WRITE],
    responses={202: {"model": StoreOut, "description": "An upgrade was started"}},
)
async def update_store(
    store_id: str,
    body: StoreUpdate,
    request: Request,
    response: Response,
    service: StoreChangeServiceDep,
    stores: StoreServiceDep,
    session: SessionDep,
    reconciler: ReconcilerDep,
    settings: SettingsDep,
) -> StoreOut:
    """Change the store's plan or version (202: the store turns `Upgrading`; helm upgrades it
    with a rolling update; a change that does not become ready is rolled back and the store
    ends `Failed` with the reason), or pin it (200). Refused with nothing changed: an unknown
    plan or version (422); a store that is not Ready, a volume that would shrink, or one whose
    storage class does not allow expansion (409)."""
    kube: KubeClient = request.app.state.kube

    async def refusal(store: Store, plan: Plan) -> str | None:
        return await storage_refusal(kube, store, settings, plan)

    store, upgrading = await service.change(store_id, body, refusal)
    await session.commit()
    if upgrading:
        response.status_code = status.HTTP_202_ACCEPTED
        reconciler.wake()
    return await stores.shown(store)


@router.get("/catalogue", operation_id="getCatalogue", dependencies=[READ])
async def get_catalogue(settings: SettingsDep) -> CatalogueOut:
    """The plans and versions a store can have; `default` marks what a new store gets."""
    return CatalogueOut(
        plans=[
            PlanOut(
                name=plan.name,
                description=plan.description,
                php_workers=plan.php_workers,
                wordpress_storage=plan.wordpress_storage,
                database_storage=plan.database_storage,
                wordpress_memory_limit=plan.wordpress.limits.memory,
                mariadb_memory_limit=plan.mariadb.limits.memory,
                quota_cpu_limit=plan.quota.limits.cpu,
                quota_memory_limit=plan.quota.limits.memory,
                default=plan.name == settings.default_plan,
            )
            for plan in settings.plans.values()
        ],
        versions=[
            VersionOut(
                name=version.name,
                wordpress=version.wordpress,
                woocommerce=version.woocommerce,
                chart=version.chart,
                default=version.name == settings.version_for_new_stores,
            )
            for version in settings.versions.values()
        ],
    )
