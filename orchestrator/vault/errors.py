"""Our errors for Vault failures. Messages name the path and the HTTP status, never a value."""

from __future__ import annotations


class VaultError(Exception):
    """A Vault request failed; ``transient`` says whether retrying may help."""

    transient = False


class VaultUnavailable(VaultError):
    """No answer, a 5xx, 429, or a sealed or standby server: it may come back."""

    transient = True


class VaultRejected(VaultError):
    """Vault refused the request (bad token, no permission, bad path)."""
