"""Security headers on every response; CORS closed unless configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.app import running_app
from orchestrator.config import REPO_ROOT
from orchestrator.http_headers import CONTENT_SECURITY_POLICY
from tests.orchestrator.conftest import make_settings

PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type",
}


@pytest.mark.parametrize("path", ["/healthz", "/stores", "/ui/", "/no/such/route", "/openapi.json"])
async def test_every_response_carries_the_security_headers(
    database_url: str, tmp_path: Path, path: str
) -> None:
    settings = make_settings(database_url, tmp_path)
    async with running_app(settings) as api, api.client_with({}) as anonymous:
        response = await anonymous.get(path)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


async def test_only_the_api_docs_may_run_their_inline_script(
    database_url: str, tmp_path: Path
) -> None:
    async with running_app(make_settings(database_url, tmp_path)) as api:
        docs = await api.client.get("/docs")
    assert docs.status_code == 200
    assert "'unsafe-inline'" in docs.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]


def test_the_dashboard_page_has_no_inline_script() -> None:
    """The CSP forbids inline script, so the dashboard's page must have none (the built page
    is checked again after `vite build` by dashboard/scripts/check-no-inline-script.mjs)."""
    page = (REPO_ROOT / "dashboard" / "index.html").read_text()
    scripts = page.split("<script")[1:]
    assert scripts and all(" src=" in script.split(">", 1)[0] for script in scripts)


async def test_cors_is_closed_unless_configured(database_url: str, tmp_path: Path) -> None:
    async with running_app(make_settings(database_url, tmp_path)) as api:
        preflight = await api.client.options(
            "/stores", headers={"Origin": "https://evil.example", **PREFLIGHT}
        )
        read = await api.client.get("/stores", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in read.headers


async def test_configured_origins_and_only_they_may_call(database_url: str, tmp_path: Path) -> None:
    console = "https://console.example.com"
    settings = make_settings(database_url, tmp_path, cors_origins=[console])
    async with running_app(settings) as api:
        allowed = await api.client.options("/stores", headers={"Origin": console, **PREFLIGHT})
        other = await api.client.options(
            "/stores", headers={"Origin": "https://evil.example", **PREFLIGHT}
        )
        read = await api.client.get("/stores", headers={"Origin": console})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == console
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in other.headers
    assert read.status_code == 200 and read.headers["access-control-allow-origin"] == console
