"""The platform's HTTP API as ``woo`` speaks it: JSON in and out, and every error answer turned
into an ``ApiError`` carrying the API's one error shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from woo_cli import __name__ as _package
from woo_cli.config import CliConfig

USER_AGENT = f"{_package.replace('_', '-')}/1"
TIMEOUT_SECONDS = 30.0


@dataclass
class ApiError(Exception):
    """An error answer (``status_code`` > 0) or no answer at all (``status_code`` 0)."""

    status_code: int
    error: str
    detail: str
    fields: list[dict[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{self.detail} ({self.error})" if self.status_code else self.detail]
        lines += [f"  {item.get('field')}: {item.get('message')}" for item in self.fields]
        return "\n".join(lines)


class WooClient:
    def __init__(self, config: CliConfig, transport: httpx.BaseTransport | None = None) -> None:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if config.token:
            headers["Authorization"] = f"Bearer {config.token}"
        self._http = httpx.Client(
            base_url=config.url, headers=headers, timeout=TIMEOUT_SECONDS, transport=transport
        )

    def __enter__(self) -> WooClient:
        return self

    def __exit__(self, *_: object) -> None:
        self._http.close()

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(
        self, path: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        return self.request("POST", path, body=body, headers=headers)

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("PATCH", path, body=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        query = {key: value for key, value in (params or {}).items() if value is not None}
        try:
            response = self._http.request(method, path, params=query, json=body, headers=headers)
        except httpx.HTTPError as error:
            reason = f"cannot reach {self._http.base_url}: {error}"
            raise ApiError(0, "unreachable", reason) from None
        if response.is_success:
            return response.json() if response.content else None
        raise _error_of(response)


def _error_of(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        listed = body.get("fields")
        fields = [f for f in listed if isinstance(f, dict)] if isinstance(listed, list) else []
        code = str(body.get("error", "error"))
        return ApiError(response.status_code, code, body["detail"], fields)
    return ApiError(
        response.status_code, "http_error", f"HTTP {response.status_code} {response.reason_phrase}"
    )
