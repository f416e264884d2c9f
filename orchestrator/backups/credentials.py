"""The store's copy of the platform's backup credentials.

One restic password and one S3 key pair serve the whole platform: they live in the Secret
``WOO_BACKUP_CREDENTIALS_SECRET`` of the platform namespace, and each store namespace gets a copy
(Secret ``store-backup``) that its backup and restore Jobs mount. The copy is made once, when the
store's credentials are created; the values pass through the orchestrator's memory only, never
into helm values, events, logs or errors.
"""

from __future__ import annotations

import base64
import binascii

from orchestrator.config import Settings
from orchestrator.kube.client import KubeClient

STORE_BACKUP_SECRET = "store-backup"  # noqa: S105 (a name)
KEYS = ("restic-password", "aws-access-key-id", "aws-secret-access-key")


class BackupCredentialsMissing(Exception):
    """The platform's backup Secret is missing or lacks a key (the operator must add it)."""


async def ensure_store_copy(
    kube: KubeClient, settings: Settings, namespace: str, labels: dict[str, str]
) -> str | None:
    """Copy the platform's backup credentials into the store namespace unless the copy exists;
    a message for the store's timeline (None when backups are off)."""
    if not settings.backups_enabled:
        return None
    source = f"{settings.platform_namespace}/{settings.backup_credentials_secret}"
    secret = await kube.read_secret(settings.platform_namespace, settings.backup_credentials_secret)
    if secret is None:
        raise BackupCredentialsMissing(f"the backup credentials Secret {source} does not exist")
    data = secret.get("data") or {}
    values: dict[str, str] = {}
    for key in KEYS:
        try:
            values[key] = base64.b64decode(data.get(key) or "", validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            values[key] = ""
        if not values[key]:
            raise BackupCredentialsMissing(f"the backup credentials Secret {source} lacks {key}")
    if await kube.create_secret(namespace, STORE_BACKUP_SECRET, values, labels):
        return f"backup credentials copied from {source}"
    return "backup credentials already present"
