"""The KV v2 operations store credentials need: write once, read, delete every version, and a
health check. One HTTP client per process; the token is sent as ``X-Vault-Token`` and never logged.

Authentication is a static token (development, or a token a sidecar keeps fresh), or the
Kubernetes auth method: the pod's ServiceAccount token is exchanged for a Vault token, again
before that token's lease runs out, and once more when Vault answers 403 (a revoked token).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Tracer

from orchestrator.vault.errors import VaultError, VaultRejected, VaultUnavailable

SERVICE_ACCOUNT_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")
# A login token is renewed by logging in again once this share of its lease has passed.
_RENEW_AT = 0.8


@dataclass(frozen=True)
class KubernetesLogin:
    """The Kubernetes auth method: ``role`` at ``auth/<mount>``, proving who we are with the
    ServiceAccount token at ``token_path`` (read at each login: kubelet rotates it)."""

    role: str
    mount: str = "kubernetes"
    token_path: Path = SERVICE_ACCOUNT_TOKEN


class VaultClient:
    def __init__(
        self,
        address: str,
        credentials: str | KubernetesLogin,
        *,
        mount: str,
        timeout: float,
        tracer: Tracer | None = None,
    ) -> None:
        """``credentials``: a token, or how to log in for one."""
        self.address = address.rstrip("/")
        self.mount = mount
        self._http = httpx.AsyncClient(base_url=self.address, timeout=timeout)
        self._tracer = tracer or trace.NoOpTracer()
        self._login = credentials if isinstance(credentials, KubernetesLogin) else None
        self._token = credentials if isinstance(credentials, str) else None
        self._token_renew_at = float("inf")

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

    async def read(self, path: str) -> dict[str, str] | None:
        """The current version's data at ``path``; None when nothing is there."""
        response = await self._request(
            "GET", f"/v1/{self.mount}/data/{path}", f"reading {self.mount}/{path}", accept=(404,)
        )
        if response.status_code == 404:
            return None
        data = (response.json().get("data") or {}).get("data") or {}
        return {str(key): str(value) for key, value in data.items()}

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
            response = await self._send(method, url, action, json, await self._current_token())
            if response.status_code == 403 and self._login is not None:
                # The token may have been revoked or expired early: log in again, once.
                self._token = None
                response = await self._send(method, url, action, json, await self._current_token())
        if response.is_success or response.status_code in accept:
            return response
        raise _error(action, response)

    async def _send(
        self, method: str, url: str, action: str, json: Any, token: str | None
    ) -> httpx.Response:
        headers = {"X-Vault-Token": token} if token else {}
        try:
            return await self._http.request(method, url, json=json, headers=headers)
        except httpx.HTTPError as exc:
            raise VaultUnavailable(
                f"{action}: Vault at {self.address} unreachable ({type(exc).__name__})"
            ) from exc

    async def _current_token(self) -> str | None:
        if self._login is None:
            return self._token
        if self._token is None or time.monotonic() >= self._token_renew_at:
            self._token = None
            self._token, lease = await self._log_in(self._login)
            self._token_renew_at = time.monotonic() + lease * _RENEW_AT
        return self._token

    async def _log_in(self, login: KubernetesLogin) -> tuple[str, float]:
        action = f"logging in to auth/{login.mount} as role {login.role}"
        try:
            jwt = login.token_path.read_text().strip()
        except OSError as exc:
            raise VaultRejected(f"{action}: no ServiceAccount token at {login.token_path}") from exc
        response = await self._send(
            "POST", f"/v1/auth/{login.mount}/login", action, {"role": login.role, "jwt": jwt}, None
        )
        if not response.is_success:
            raise _error(action, response)
        auth = response.json().get("auth") or {}
        token = auth.get("client_token")
        if not token:
            raise VaultRejected(f"{action}: the answer carries no token")
        lease = float(auth.get("lease_duration") or 0) or float("inf")
        return str(token), lease


def _error(action: str, response: httpx.Response) -> VaultError:
    text = f"{action}: {response.status_code} {_errors(response)}".rstrip()
    if response.status_code == 429 or response.status_code >= 500:
        return VaultUnavailable(text)
    return VaultRejected(text)


def _errors(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return ""
    return "; ".join(str(error)[:200] for error in errors)


def _check_and_set_refused(response: httpx.Response) -> bool:
    return "check-and-set" in _errors(response)
