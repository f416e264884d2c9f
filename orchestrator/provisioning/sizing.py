"""A store's plan and version as chart values, and growing its volumes when its plan grows.

The MariaDB StatefulSet's volumeClaimTemplates cannot change once it exists (the API server
refuses the update, and the chart refuses such values before sending anything). So the template
keeps the size the store was created with, and a larger plan expands the claim itself; the
wp-content claim is an ordinary PVC, which helm's upgrade expands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orchestrator.config import Settings
from orchestrator.kube.client import Json, KubeClient
from orchestrator.models import Store
from orchestrator.plans import Plan, memory
from orchestrator.provisioning.errors import PermanentStepError

if TYPE_CHECKING:
    from orchestrator.provisioning.outcome import Changes
from orchestrator.versions.catalogue import Version

# The chart's names for the MariaDB StatefulSet and its claim (template "data", ordinal 0).
CLAIM_TEMPLATE = "data"


def plan_of(store: Store, settings: Settings, *, changing: bool = True) -> Plan:
    """The plan the store is being installed with: the one it is changing to, else (or when
    not ``changing``: a failed change is being undone) its own."""
    name = (store.target_plan if changing else None) or store.plan
    plan = settings.plans.get(name)
    if plan is None:
        raise PermanentStepError(f"plan {name!r} is no longer in the plan catalogue")
    return plan


def version_of(store: Store, settings: Settings, *, changing: bool = True) -> Version:
    """As ``plan_of``, for the version."""
    name = (
        (store.target_version if changing else None)
        or store.version
        or settings.version_for_new_stores
    )
    version = settings.versions.get(name)
    if version is None:
        raise PermanentStepError(f"version {name!r} is no longer in the version catalogue")
    return version


def sized_values(
    plan: Plan,
    version: Version,
    environment: str,
    *,
    database_template_size: str,
    wordpress_content_size: str,
) -> dict[str, Any]:
    values = merged(plan.chart_values(), version.chart_values(environment))
    return merged(
        values,
        {
            "mariadb": {"persistence": {"size": database_template_size}},
            "wordpress": {"persistence": {"size": wordpress_content_size}},
        },
    )


def merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def mariadb_name(settings: Settings) -> str:
    return f"{settings.release_name}-mariadb"


def database_claim_name(settings: Settings) -> str:
    return f"{CLAIM_TEMPLATE}-{mariadb_name(settings)}-0"


async def database_template_size(
    kube: KubeClient, store: Store, settings: Settings, plan: Plan
) -> str:
    """The size the live StatefulSet's claim template has (it never changes); the plan's for a
    StatefulSet not created yet."""
    statefulset = await kube.get_statefulset(store.namespace, mariadb_name(settings))
    return _template_size(statefulset) or plan.database_storage


def wordpress_content_claim_name(settings: Settings) -> str:
    return f"{settings.release_name}-wordpress-content"


async def wordpress_content_size(
    kube: KubeClient, store: Store, settings: Settings, plan: Plan
) -> str:
    """The plan's wp-content size, or the live claim's when that is larger (an earlier change
    grew it, and a change undone keeps it): a bound claim never shrinks, and the API server
    refuses a manifest that asks it to."""
    claim = await kube.get_claim(store.namespace, wordpress_content_claim_name(settings))
    current = _requested_storage(claim)
    if current is not None and memory(current) > memory(plan.wordpress_storage):
        return current
    return plan.wordpress_storage


async def grow_database_claim(
    kube: KubeClient, store: Store, settings: Settings, plan: Plan
) -> str | None:
    """Expand the database claim to the plan's size when it is smaller; what was done, or None.
    A claim is never shrunk."""
    name = database_claim_name(settings)
    claim = await kube.get_claim(store.namespace, name)
    if claim is None:
        return None
    current = _requested_storage(claim)
    if current is not None and memory(current) >= memory(plan.database_storage):
        return None
    await kube.resize_claim(store.namespace, name, plan.database_storage)
    return f"database volume {name} resized from {current} to {plan.database_storage}"


async def storage_refusal(
    kube: KubeClient, store: Store, settings: Settings, plan: Plan
) -> str | None:
    """Why the store's volumes cannot take ``plan``'s sizes, or None. Read from the live claims
    (a claim may be larger than its plan says: an earlier change grew it): none may shrink, and
    one that grows needs a StorageClass with allowVolumeExpansion. A claim not created yet is
    no obstacle."""
    wanted = (
        (database_claim_name(settings), plan.database_storage),
        (wordpress_content_claim_name(settings), plan.wordpress_storage),
    )
    for name, size in wanted:
        claim = await kube.get_claim(store.namespace, name)
        if claim is None:
            continue
        current = _requested_storage(claim) or "0"
        if memory(size) < memory(current):
            return f"volume {name} is {current} and would shrink to {size}; volumes only grow"
        if memory(size) == memory(current):
            continue
        class_name = (claim.get("spec") or {}).get("storageClassName")
        if not class_name:
            return f"volume {name} has no storage class, so it cannot be expanded"
        storage_class = await kube.get_storage_class(class_name)
        if storage_class is None:
            return f"storage class {class_name!r} of volume {name} does not exist"
        if storage_class.get("allowVolumeExpansion") is not True:
            return (
                f"storage class {class_name!r} of volume {name} does not allow volume expansion "
                "(allowVolumeExpansion is not true)"
            )
    return None


def _requested_storage(claim: Json | None) -> str | None:
    """The storage a claim (or claim template) asks for, as written."""
    requests = (((claim or {}).get("spec") or {}).get("resources") or {}).get("requests") or {}
    return str(requests["storage"]) if "storage" in requests else None


def _template_size(statefulset: Json | None) -> str | None:
    if statefulset is None:
        return None
    for template in (statefulset.get("spec") or {}).get("volumeClaimTemplates") or []:
        if (template.get("metadata") or {}).get("name") == CLAIM_TEMPLATE:
            return _requested_storage(template)
    return None


def running_versions(store: Store, settings: Settings) -> Changes:
    """What a store that just became Ready runs: its plan and version become the ones it was
    installed with, and the catalogue says which chart, WordPress and WooCommerce that is."""
    version = settings.versions.get(
        store.target_version or store.version or settings.version_for_new_stores
    )
    return {
        "plan": store.target_plan or store.plan,
        "version": version.name if version else store.version,
        "target_plan": None,
        "target_version": None,
        "chart_version": version.chart if version else None,
        "wordpress_version": version.wordpress if version else None,
        "woocommerce_version": version.woocommerce if version else None,
    }


def upgrade_summary(store: Store) -> str:
    """'change to plan medium, version 2026.12' for the timeline and status_reason."""
    parts = []
    if store.target_plan and store.target_plan != store.plan:
        parts.append(f"plan {store.plan} -> {store.target_plan}")
    if store.target_version and store.target_version != store.version:
        parts.append(f"version {store.version or 'unversioned'} -> {store.target_version}")
    return "change of " + (", ".join(parts) or "nothing")
