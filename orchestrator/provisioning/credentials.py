"""A store's WordPress admin credentials, read on purpose from the secret backend in use: the
one place the platform reads credentials back (GET /stores/{id}/credentials, admin scope,
audited)."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.errors import NotFound, Unavailable
from orchestrator.kube.errors import KubeError
from orchestrator.models import Store, StoreStatus
from orchestrator.provisioning.secret_backends import SecretBackend
from orchestrator.provisioning.store_values import ADMIN_PASSWORD_KEY, ADMIN_USER_KEY
from orchestrator.vault.errors import VaultError


@dataclass(frozen=True)
class AdminCredentials:
    username: str
    password: str

    def __repr__(self) -> str:  # never in a log line or a traceback by accident
        return f"AdminCredentials(username={self.username!r}, password=<hidden>)"


async def admin_credentials(secrets: SecretBackend, store: Store) -> AdminCredentials:
    if store.status == StoreStatus.DELETED:
        raise NotFound(f"store {store.id} is deleted; its credentials are gone")
    try:
        values = await secrets.admin_values(store)
    except (KubeError, VaultError) as exc:
        raise Unavailable(f"could not read the store's credentials: {exc}") from None
    if values is None:
        raise NotFound(f"store {store.id} has no admin credentials (yet)")
    try:
        return AdminCredentials(
            username=values[ADMIN_USER_KEY], password=values[ADMIN_PASSWORD_KEY]
        )
    except KeyError:
        raise NotFound(f"store {store.id}'s admin credentials are incomplete") from None
