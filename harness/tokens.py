"""The bootstrap admin token the tests and benchmarks run the orchestrator with (WOO_API_TOKEN),
so every request they make goes through real authentication."""

from __future__ import annotations

ADMIN_TOKEN = "woo_test-bootstrap-admin-token-not-a-secret"  # noqa: S105 (a test fixture)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
