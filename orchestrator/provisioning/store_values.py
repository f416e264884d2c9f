"""What we tell the chart and the cluster about one store: names, labels, values, URLs.

Secret *names* go to helm; secret *values* only ever go into the Secrets themselves.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from orchestrator.models import Store

MANAGED_BY = "woo-platform"
STORE_ID_LABEL = "woo-platform/store-id"
# Names of the Secrets (not secrets themselves).
DB_SECRET = "store-db-credentials"  # noqa: S105
ADMIN_SECRET = "store-admin-credentials"  # noqa: S105
ADMIN_USER = "admin"
# Keys in ADMIN_SECRET (the chart reads the same ones).
ADMIN_USER_KEY = "admin-user"
ADMIN_PASSWORD_KEY = "admin-password"  # noqa: S105


def namespace_labels(store: Store) -> dict[str, str]:
    return {
        "app.kubernetes.io/managed-by": MANAGED_BY,
        STORE_ID_LABEL: store.id,
        "woo-platform/store-name": store.store_name,
        # Every pod of the store chart meets restricted (tests/chart checks each field), so
        # the namespace refuses any pod that does not.
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    }


def secret_labels(store: Store) -> dict[str, str]:
    return {"app.kubernetes.io/managed-by": MANAGED_BY, STORE_ID_LABEL: store.id}


def generated_secrets(store: Store) -> dict[str, dict[str, str]]:
    """Fresh credentials. Only the first successful create of each Secret keeps them."""
    return {
        DB_SECRET: {
            "mariadb-root-password": secrets.token_urlsafe(24),
            "mariadb-password": secrets.token_urlsafe(24),
        },
        ADMIN_SECRET: {
            ADMIN_USER_KEY: ADMIN_USER,
            ADMIN_PASSWORD_KEY: secrets.token_urlsafe(18),
            "admin-email": f"{ADMIN_USER}@{store.domain}",
        },
    }


def release_values(store: Store) -> dict[str, Any]:
    """Per-store chart values, layered over the environment's values file."""
    return {
        "store": {"name": store.store_name},
        "ingress": {"host": store.domain},
        "mariadb": {"auth": {"existingSecret": DB_SECRET}},
        "wordpress": {"admin": {"existingSecret": ADMIN_SECRET}},
        # A suspended store: WordPress and MariaDB at zero, the maintenance page answers.
        "storefront": {"paused": store.suspended},
        "database": {"paused": store.suspended},
    }


def data_claims(release_name: str) -> tuple[str, ...]:
    """The claims that hold a store's data (the chart's wp-content claim and the MariaDB
    StatefulSet's claim of its one pod); the chart cuts the release name to 40 characters."""
    prefix = release_name[:40].rstrip("-")
    return (f"{prefix}-wordpress-content", f"data-{prefix}-mariadb-0")


def store_urls(store: Store, values_file: Path) -> tuple[str, str]:
    """Storefront and admin URLs; https when the environment's values turn TLS on."""
    scheme = "https" if _tls_enabled(values_file) else "http"
    base = f"{scheme}://{store.domain}"
    return f"{base}/", f"{base}/wp-admin/"


@lru_cache(maxsize=8)
def _tls_enabled(values_file: Path) -> bool:
    document = yaml.safe_load(values_file.read_text()) if values_file.is_file() else None
    ingress = (document or {}).get("ingress") or {}
    return bool((ingress.get("tls") or {}).get("enabled", False))
