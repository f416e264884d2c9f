"""A store's WordPress admin credentials, read on purpose from its Secret: the one place the
platform reads a Secret back (GET /stores/{id}/credentials, admin scope, audited)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from orchestrator.errors import NotFound, Unavailable
from orchestrator.kube.client import KubeClient
from orchestrator.kube.errors import KubeError
from orchestrator.models import Store, StoreStatus
from orchestrator.provisioning.store_values import ADMIN_SECRET, STORE_ID_LABEL


@dataclass(frozen=True)
class AdminCredentials:
    username: str
    password: str

    def __repr__(self) -> str:  # never in a log line or a traceback by accident
        return f"AdminCredentials(username={self.username!r}, password=<hidden>)"


async def admin_credentials(kube: KubeClient, store: Store) -> AdminCredentials:
    if store.status == StoreStatus.DELETED:
        raise NotFound(f"store {store.id} is deleted; its credentials are gone")
    try:
        secret = await kube.read_secret(store.namespace, ADMIN_SECRET)
    except KubeError as exc:
        raise Unavailable(f"could not read the store's credentials: {exc}") from None
    labels = ((secret or {}).get("metadata") or {}).get("labels") or {}
    if secret is None or labels.get(STORE_ID_LABEL) != store.id:
        # Not created yet, or a Secret of that name that is not this store's: never hand out.
        raise NotFound(f"store {store.id} has no admin credentials (yet)")
    data = secret.get("data") or {}
    try:
        return AdminCredentials(
            username=_decoded(data, "admin-user"), password=_decoded(data, "admin-password")
        )
    except (KeyError, binascii.Error, UnicodeDecodeError):
        raise NotFound(f"store {store.id}'s credentials Secret is incomplete") from None


def _decoded(data: dict[str, str], key: str) -> str:
    return base64.b64decode(data[key], validate=True).decode()
