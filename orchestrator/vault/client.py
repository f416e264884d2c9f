"""The KV v2 operations store credentials need: write once, delete every version, and a health
check. One HTTP client per process; the token is sent as ``X-Vault-Token`` and never logged."""

from __future__ import annotations

from typing import Any

import httpx
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer

from orchestrator.vault.errors import VaultRejected, VaultUnavailable


class VaultClient:
    def __init__(
        self,
        address: str,
        token: str,
        *,
        mount: str,
        timeout: float,
        tracer: Tracer | None = None,
    ) -> None:
        self.address = address.rstrip("/")
        self.mount = mount
        self._http = httpx.AsyncClient(
            base_url=self.address, headers={"X-Vault-Token": token}, timeout=timeout
        )
        self._tracer = tracer or trace.NoOpTracer()

    async def write_once(self, path: str, data: dict[str, str]) -> bool:
        """Store ``data`` at ``path`` unless something is there already; True when this call
        wrote it. Check-and-set 0 makes the engine refuse to overwrite, so credentials are
        never regenerated, even by two replicas racing."""
        response = await self._request(
            "POST",
            f"/v1/{self.mount}/data/{path}",
            f"writing {self.mount}/{path}",
            json={"options": {"cas": 0}, "data": data},
            accept=(400,),
        )
        if response.status_code == 400:
            if _check_and_set_refused(response):
                return False
            raise VaultRejected(f"writing {self.mount}/{path}: 400 {_errors(response)}")
        return True

    async def delete(self, path: str) -> None:
        """Remove ``path`` with every version it had; a path that is not there is fine."""
        await self._request(
            "DELETE", f"/v1/{self.mount}/metadata/{path}", f"deleting {self.mount}/{path}"
        )

    async def health(self) -> str:
        """'ok (<version>)' for an initialized, unsealed, active server; VaultError otherwise."""
        response = await self._request(
            "GET", "/v1/sys/health", "checking health", accept=(429, 472, 473, 501, 503)
        )
        body = response.json() if response.content else {}
        if response.status_code != 200:
            state = "sealed" if body.get("sealed") else "not initialized or standby"
            raise VaultUnavailable(f"Vault at {self.address} is {state} ({response.status_code})")
        return f"ok ({body.get('version', 'unknown version')})"

    async def close(self) -> None:
        await self._http.aclose()

    async def _request(
        self,
        method: str,
        url: str,
        action: str,
        *,
        json: Any = None,
        accept: tuple[int, ...] = (),
    ) -> httpx.Response:
        with self._tracer.start_as_current_span(
            f"vault {method}", kind=SpanKind.CLIENT, attributes={"woo.vault.action": action}
        ):
            try:
                response = await self._http.request(method, url, json=json)
            except httpx.HTTPError as exc:
                raise VaultUnavailable(
                    f"{action}: Vault at {self.address} unreachable ({type(exc).__name__})"
                ) from exc
        if response.is_success or response.status_code in accept:
            return response
        text = f"{action}: {response.status_code} {_errors(response)}".rstrip()
        if response.status_code in (429, 502, 503, 504) or response.status_code >= 500:
            raise VaultUnavailable(text)
        raise VaultRejected(text)


def _errors(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return ""
    return "; ".join(str(error)[:200] for error in errors)


def _check_and_set_refused(response: httpx.Response) -> bool:
    return "check-and-set" in _errors(response)
