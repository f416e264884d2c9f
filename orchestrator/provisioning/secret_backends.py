"""Where a store's credentials live. Either way the store chart reads the same Secrets (names and
keys of ``generated_secrets``); only who writes them differs.

- ``KubernetesSecrets``: the orchestrator creates the Secrets in the store namespace.
- ``VaultSecrets``: the orchestrator writes the credentials to a KV v2 engine (Vault, OpenBao)
  and creates one ``ExternalSecret`` per Secret; the External Secrets Operator materializes the
  Secrets from there. The orchestrator never creates those Secrets itself, and readiness waits
  until the operator reports each one synced.

Credentials are generated once: the first successful write keeps them, later writes are refused
(a Secret that exists, a KV path with a version).
"""

from __future__ import annotations

import base64
import binascii
from typing import Protocol

from orchestrator.config import Settings
from orchestrator.kube.client import Json, KubeClient
from orchestrator.models import Store
from orchestrator.provisioning.store_values import (
    ADMIN_SECRET,
    STORE_ID_LABEL,
    generated_secrets,
    secret_labels,
)
from orchestrator.vault.client import VaultClient

# The External Secrets Operator's API (v1 since its 0.17 release; v1beta1 is no longer served).
ESO_API_VERSION = "external-secrets.io/v1"


class SecretBackend(Protocol):
    async def ensure(self, store: Store) -> str:
        """Make sure the store's credentials exist; a message for the store's timeline."""
        ...

    async def waiting_for(self, store: Store) -> str | None:
        """Why the store's Secrets are not usable yet (None: they are)."""
        ...

    async def forget(self, store: Store) -> None:
        """The store is gone: remove what the backend keeps outside its namespace."""
        ...

    async def missing(self, store: Store) -> list[str]:
        """Names of the store's Secrets that were created once and are gone now, which the
        backend cannot bring back with the same values."""
        ...

    async def values(self, store: Store) -> list[str]:
        """Every value of the store's Secrets, to keep them out of what is shown (logs)."""
        ...

    async def admin_values(self, store: Store) -> dict[str, str] | None:
        """The keys of the store's admin Secret as the backend keeps them (None: none yet)."""
        ...

    async def check(self) -> str:
        """For /readyz: 'ok ...' or what is wrong."""
        ...

    async def close(self) -> None: ...


class KubernetesSecrets:
    def __init__(self, kube: KubeClient) -> None:
        self.kube = kube

    async def ensure(self, store: Store) -> str:
        created = []
        for name, values in generated_secrets(store).items():
            if await self.kube.create_secret(store.namespace, name, values, secret_labels(store)):
                created.append(name)
        if created:
            return "secrets created: " + ", ".join(created)
        return "secrets already present, kept as they are"

    async def waiting_for(self, store: Store) -> str | None:
        return None

    async def forget(self, store: Store) -> None:
        # The Secrets went with the namespace.
        return None

    async def missing(self, store: Store) -> list[str]:
        return [
            name
            for name in generated_secrets(store)
            if not await self.kube.secret_exists(store.namespace, name)
        ]

    async def values(self, store: Store) -> list[str]:
        found: list[str] = []
        for name in generated_secrets(store):
            found.extend((await self._secret_values(store, name) or {}).values())
        return found

    async def admin_values(self, store: Store) -> dict[str, str] | None:
        return await self._secret_values(store, ADMIN_SECRET)

    async def _secret_values(self, store: Store, name: str) -> dict[str, str] | None:
        secret = await self.kube.read_secret(store.namespace, name)
        labels = ((secret or {}).get("metadata") or {}).get("labels") or {}
        if secret is None or labels.get(STORE_ID_LABEL) != store.id:
            # Not created yet, or a Secret of that name that is not this store's: never hand out.
            return None
        values = {}
        for key, encoded in (secret.get("data") or {}).items():
            try:
                values[key] = base64.b64decode(encoded, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                continue  # an unreadable key counts as missing
        return values

    async def check(self) -> str:
        return "ok (Kubernetes Secrets)"

    async def close(self) -> None:
        return None


class VaultSecrets:
    def __init__(self, settings: Settings, vault: VaultClient, kube: KubeClient) -> None:
        self.settings = settings
        self.vault = vault
        self.kube = kube

    async def ensure(self, store: Store) -> str:
        written, synced = [], []
        for name, values in generated_secrets(store).items():
            if await self.vault.write_once(kv_path(self.settings, store, name), values):
                written.append(name)
            if await self.kube.create_custom_object(
                external_secret(self.settings, store, name, values)
            ):
                synced.append(name)
        parts = []
        if written:
            parts.append(f"credentials written to {self.vault.mount}: " + ", ".join(written))
        if synced:
            parts.append("ExternalSecrets created: " + ", ".join(synced))
        return "; ".join(parts) or "credentials and ExternalSecrets already present, kept"

    async def waiting_for(self, store: Store) -> str | None:
        waiting = []
        for name in generated_secrets(store):
            external = await self.kube.get_custom_object(
                ESO_API_VERSION, "ExternalSecret", store.namespace, name
            )
            problem = _not_synced(external)
            if problem is not None:
                waiting.append(f"{name} ({problem})")
        if not waiting:
            return None
        return "waiting for External Secrets to sync " + ", ".join(waiting)

    async def forget(self, store: Store) -> None:
        for name in generated_secrets(store):
            await self.vault.delete(kv_path(self.settings, store, name))

    async def missing(self, store: Store) -> list[str]:
        # The KV engine keeps the values; the operator writes a deleted Secret again from there.
        return []

    async def values(self, store: Store) -> list[str]:
        found: list[str] = []
        for name in generated_secrets(store):
            found.extend(
                (await self.vault.read(kv_path(self.settings, store, name)) or {}).values()
            )
        return found

    async def admin_values(self, store: Store) -> dict[str, str] | None:
        # The KV engine is the source; the Secret in the namespace is only the operator's copy.
        return await self.vault.read(kv_path(self.settings, store, ADMIN_SECRET))

    async def check(self) -> str:
        return await self.vault.health()

    async def close(self) -> None:
        await self.vault.close()


def kv_path(settings: Settings, store: Store, secret: str) -> str:
    """Where one Secret's keys live in the KV mount: ``<prefix>/<store id>/<Secret name>``."""
    return f"{settings.vault_path_prefix}/{store.id}/{secret}"


def external_secret(settings: Settings, store: Store, name: str, values: dict[str, str]) -> Json:
    """The ExternalSecret that materializes Secret ``name`` with these keys (never their
    values: only where they are)."""
    return {
        "apiVersion": ESO_API_VERSION,
        "kind": "ExternalSecret",
        "metadata": {
            "name": name,
            "namespace": store.namespace,
            "labels": secret_labels(store),
        },
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {
                "kind": "ClusterSecretStore",
                "name": settings.external_secrets_store,
            },
            "target": {"name": name, "creationPolicy": "Owner", "deletionPolicy": "Retain"},
            "data": [
                {
                    "secretKey": key,
                    "remoteRef": {"key": kv_path(settings, store, name), "property": key},
                }
                for key in sorted(values)
            ],
        },
    }


def _not_synced(external: Json | None) -> str | None:
    """None when the operator reports the ExternalSecret synced; else what it says."""
    if external is None:
        return "ExternalSecret missing"
    for condition in (external.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            if condition.get("status") == "True":
                return None
            return str(condition.get("message") or condition.get("reason") or "not ready")[:200]
    return "not synced yet"
