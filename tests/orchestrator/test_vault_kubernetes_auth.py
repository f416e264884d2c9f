"""Logging in to OpenBao with the Kubernetes auth method, for real: OpenBao's own kubernetes
auth plugin checks the orchestrator's ServiceAccount token with a TokenReview, which a small
HTTP server answers here as the API server would (the edge of the process: the stand-in serves
no authentication API)."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.ports import free_port
from orchestrator.vault.client import KubernetesLogin, VaultClient
from orchestrator.vault.errors import VaultRejected
from tests.orchestrator.vault_support import OpenBao, openbao

NAMESPACE, ACCOUNT = "woo-platform", "woo-platform"
USERNAME = f"system:serviceaccount:{NAMESPACE}:{ACCOUNT}"
# A self-signed certificate (its key thrown away) for OpenBao's config check.
UNUSED_CA = Path(__file__).parent / "testdata" / "token-review-ca.crt"


def service_account_token(name: str = ACCOUNT) -> str:
    """A token shaped like a projected ServiceAccount token. Its signature is not checked by
    OpenBao (no keys configured): the TokenReview is what vouches for it."""

    def part(document: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(document).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {
        "iss": "https://kubernetes.default.svc.cluster.local",
        "sub": f"system:serviceaccount:{NAMESPACE}:{name}",
        "aud": ["https://kubernetes.default.svc.cluster.local"],
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "kubernetes.io": {
            "namespace": NAMESPACE,
            "serviceaccount": {"name": name, "uid": "0b0c8f1e-7e1a-4c55-9d7e-3f1c2a0d9e11"},
        },
    }
    signature = base64.urlsafe_b64encode(secrets.token_bytes(256)).rstrip(b"=").decode()
    return f"{part({'alg': 'RS256', 'kid': 'k'})}.{part(claims)}.{signature}"


class TokenReviews:
    """Answers TokenReviews: the tokens it was told are valid authenticate as their account."""

    def __init__(self) -> None:
        self.valid: dict[str, str] = {}
        self.reviews = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.reviews += 1
                token = body["spec"]["token"]
                user = outer.valid.get(token)
                status: dict[str, Any] = {"authenticated": user is not None}
                if user is not None:
                    # As the API server does: the audiences asked for that the token carries.
                    status["audiences"] = body["spec"].get("audiences") or []
                    status["user"] = {
                        "username": user,
                        "uid": "0b0c8f1e-7e1a-4c55-9d7e-3f1c2a0d9e11",
                        "groups": ["system:serviceaccounts"],
                    }
                answer = json.dumps(
                    {
                        "kind": "TokenReview",
                        "apiVersion": "authentication.k8s.io/v1",
                        "spec": body["spec"],
                        "status": status,
                    }
                ).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def reviews() -> Iterator[TokenReviews]:
    server = TokenReviews()
    yield server
    server.close()


@pytest.fixture
def bao(reviews: TokenReviews) -> Iterator[OpenBao]:
    """OpenBao with the kubernetes auth method, a role for the orchestrator's ServiceAccount
    and the policy docs/secrets.md gives it."""
    with openbao() as server:
        root = httpx.Client(base_url=server.address, headers={"X-Vault-Token": server.token})
        calls = [
            ("POST", "/v1/sys/auth/kubernetes", {"type": "kubernetes"}),
            (
                "POST",
                "/v1/auth/kubernetes/config",
                {
                    "kubernetes_host": f"http://127.0.0.1:{reviews.port}",
                    # Not a pod: no local CA or reviewer token to pick up. The CA is required
                    # with that switch, and unused over plain HTTP.
                    "disable_local_ca_jwt": True,
                    "kubernetes_ca_cert": UNUSED_CA.read_text(),
                },
            ),
            (
                "PUT",
                "/v1/sys/policies/acl/woo-platform",
                {
                    "policy": 'path "secret/data/woo-platform/stores/*" '
                    '{ capabilities = ["create", "read", "update"] }\n'
                    'path "secret/metadata/woo-platform/stores/*" '
                    '{ capabilities = ["delete"] }\n'
                },
            ),
            (
                "POST",
                "/v1/auth/kubernetes/role/woo-platform",
                {
                    "bound_service_account_names": [ACCOUNT],
                    "bound_service_account_namespaces": [NAMESPACE],
                    "token_policies": ["woo-platform"],
                    "token_ttl": "1h",
                },
            ),
        ]
        for method, path, body in calls:
            response = root.request(method, path, json=body)
            assert response.is_success, (path, response.text)
        root.close()
        yield server


def login_for(tmp_path: Path, token: str) -> KubernetesLogin:
    path = tmp_path / "token"
    path.write_text(token + "\n")
    return KubernetesLogin("woo-platform", token_path=path)


async def test_logs_in_with_its_service_account_and_writes(
    bao: OpenBao, reviews: TokenReviews, tmp_path: Path
) -> None:
    token = service_account_token()
    reviews.valid[token] = USERNAME
    vault = VaultClient(bao.address, login_for(tmp_path, token), mount="secret", timeout=5)
    try:
        assert await vault.write_once("woo-platform/stores/s1/store-db-credentials", {"k": "v"})
        assert not await vault.write_once("woo-platform/stores/s1/store-db-credentials", {"k": "w"})
        # The credentials endpoint's read: the first write's data, under the same policy.
        assert await vault.read("woo-platform/stores/s1/store-db-credentials") == {"k": "v"}
        assert await vault.read("woo-platform/stores/s1/missing") is None
        await vault.delete("woo-platform/stores/s1/store-db-credentials")
        assert reviews.reviews == 1  # one login, its token reused
        # Outside the policy's paths: refused, and said so.
        with pytest.raises(VaultRejected, match="403"):
            await vault.write_once("elsewhere/x", {"k": "v"})
    finally:
        await vault.close()
    assert bao.kv("woo-platform/stores/s1/store-db-credentials").status_code == 404


async def test_a_revoked_token_is_replaced_by_a_new_login(
    bao: OpenBao, reviews: TokenReviews, tmp_path: Path
) -> None:
    token = service_account_token()
    reviews.valid[token] = USERNAME
    vault = VaultClient(bao.address, login_for(tmp_path, token), mount="secret", timeout=5)
    try:
        assert await vault.write_once("woo-platform/stores/s2/a", {"k": "v"})
        async with httpx.AsyncClient() as http:
            revoked = await http.put(
                f"{bao.address}/v1/sys/leases/revoke-prefix/auth/kubernetes/login",
                headers={"X-Vault-Token": bao.token},
            )
        assert revoked.is_success, revoked.text
        assert await vault.write_once("woo-platform/stores/s2/b", {"k": "v"})
    finally:
        await vault.close()
    assert reviews.reviews == 2


async def test_an_unknown_service_account_is_refused_without_echoing_its_token(
    bao: OpenBao, reviews: TokenReviews, tmp_path: Path
) -> None:
    token = service_account_token("intruder")
    vault = VaultClient(bao.address, login_for(tmp_path, token), mount="secret", timeout=5)
    try:
        with pytest.raises(VaultRejected, match="logging in to auth/kubernetes") as raised:
            await vault.write_once("woo-platform/stores/s3/a", {"k": "v"})
    finally:
        await vault.close()
    assert token not in str(raised.value)


async def test_a_missing_service_account_token_is_a_clear_error(
    bao: OpenBao, tmp_path: Path
) -> None:
    login = KubernetesLogin("woo-platform", token_path=tmp_path / "absent")
    vault = VaultClient(bao.address, login, mount="secret", timeout=5)
    try:
        with pytest.raises(VaultRejected, match="no ServiceAccount token at"):
            await vault.health()
    finally:
        await vault.close()
