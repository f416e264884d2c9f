"""The API's edges as clients meet them: bodies that are not JSON, malformed JSON, one voice for
validation errors, HEAD, trailing slashes, and what a replayed POST or a repeated DELETE says
happened (README, "Using the API")."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from harness.app import RunningApp, running_app
from kube_standin.standin import KubeStandin
from tests.orchestrator.conftest import make_settings, offline_settings
from tests.orchestrator.lifecycle_support import wait_for_status
from tests.orchestrator.test_api import rows


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[RunningApp]:
    settings = offline_settings(
        database_url,
        tmp_path,
    )
    async with running_app(settings) as running:
        yield running


@pytest.mark.parametrize(
    ("content_type", "named"),
    [
        ("text/plain", "text/plain"),
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        ("Application/XML; charset=utf-8", "application/xml"),
        (None, "a body without a Content-Type"),
    ],
)
async def test_a_body_that_is_not_json_is_415_naming_the_expected_type(
    api: RunningApp, content_type: str | None, named: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await api.client.post("/stores", content=b'{"store_name": "demo"}', headers=headers)
    if content_type is None:
        assert "content-type" not in response.request.headers
    assert response.status_code == 415
    assert response.json() == {
        "error": "unsupported_media_type",
        "detail": f"the body must be JSON (Content-Type: application/json), not {named}",
    }
    assert await rows(api) == (0, 0)


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/merge-patch+json"],
)
async def test_json_bodies_are_read(api: RunningApp, content_type: str) -> None:
    response = await api.client.post(
        "/stores", content=b'{"store_name": "demo"}', headers={"content-type": content_type}
    )
    assert response.status_code == 202, response.text


async def test_requests_without_a_body_need_no_content_type(api: RunningApp) -> None:
    store = (await api.client.post("/stores", json={"store_name": "demo"})).json()
    retry = await api.client.post(f"/stores/{store['id']}/retry")
    assert retry.status_code == 409  # refused for its status, not for its (absent) body


async def test_malformed_json_is_a_body_error_with_its_position(api: RunningApp) -> None:
    response = await api.client.post(
        "/stores",
        content=b'{"store_name": "demo",, }',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert body["fields"] == [
        {
            "field": "body",
            "message": "is not valid JSON (expecting property name enclosed in double quotes "
            "at character 22)",
        }
    ]
    assert body["detail"] == f"body: {body['fields'][0]['message']}"
    assert await rows(api) == (0, 0)


DNS_LABEL_RULE = (
    "must be a DNS-1123 label: lowercase letters, digits and '-', "
    "starting and ending with a letter or digit"
)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "store_name", "is required"),
        ({"store_name": "ok", "surprise": 1}, "surprise", "is not a field of this request"),
        ({"store_name": "ok", "environment": "dev"}, "environment", "must be 'local' or 'prod'"),
        ({"store_name": 7}, "store_name", "must be a string"),
        ({"store_name": "x" * 60}, "store_name", "must be at most 54 characters"),
        (["demo"], "body", "must be a JSON object"),
        ({"store_name": "Bad_Name"}, "store_name", DNS_LABEL_RULE),
    ],
)
async def test_validation_errors_speak_one_voice(
    api: RunningApp, body: object, field: str, message: str
) -> None:
    response = await api.client.post("/stores", json=body)
    assert response.status_code == 422
    error = response.json()
    assert error["fields"] == [{"field": field, "message": message}]
    assert error["detail"] == f"{field}: {message}"


async def test_query_errors_speak_the_same_voice(api: RunningApp) -> None:
    response = await api.client.get("/stores", params={"limit": "many", "status": "Sleeping"})
    assert response.status_code == 422
    messages = {f["field"]: f["message"] for f in response.json()["fields"]}
    assert messages["limit"] == "must be a whole number"
    assert messages["status"].startswith("must be 'Provisioning', 'Ready'")


@pytest.mark.parametrize("path", ["/healthz", "/", "/ui/", "/stores", "/openapi.json"])
async def test_head_is_answered_wherever_get_is(api: RunningApp, path: str) -> None:
    get = await api.client.get(path)
    head = await api.client.head(path)
    assert head.status_code == get.status_code != 405
    assert head.content == b""
    assert head.headers.get("content-length") == get.headers.get("content-length")
    assert head.headers.get("content-type") == get.headers.get("content-type")


async def test_other_methods_are_still_405_in_the_error_shape(api: RunningApp) -> None:
    response = await api.client.put("/healthz")
    assert response.status_code == 405
    assert response.json() == {
        "error": "method_not_allowed",
        "detail": "PUT is not allowed on /healthz",
    }


async def test_a_trailing_slash_names_the_same_resource(api: RunningApp) -> None:
    created = await api.client.post("/stores/", json={"store_name": "demo"})
    assert created.status_code == 202
    listed = await api.client.get("/stores/")
    assert listed.status_code == 200
    assert [s["id"] for s in listed.json()["items"]] == [created.json()["id"]]
    one = await api.client.get(f"/stores/{created.json()['id']}/")
    assert one.status_code == 200 and one.json()["id"] == created.json()["id"]
    assert (await api.client.get("/nowhere/")).json() == {
        "error": "not_found",
        "detail": "nothing at /nowhere",
    }


async def test_a_replayed_idempotency_key_answers_200_with_the_first_store(
    api: RunningApp,
) -> None:
    headers = {"Idempotency-Key": "order-7"}
    first = await api.client.post("/stores", json={"store_name": "demo"}, headers=headers)
    again = await api.client.post("/stores", json={"store_name": "demo"}, headers=headers)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["location"] == f"/stores/{first.json()['id']}"
    assert (await rows(api))[0] == 1


async def test_replay_and_delete_of_a_deleted_store_say_it_is_deleted(
    database_url: str, tmp_path: Path, kube_standin: KubeStandin
) -> None:
    settings = make_settings(database_url, tmp_path, kubeconfig=kube_standin.kubeconfig)
    async with running_app(settings) as api:
        headers = {"Idempotency-Key": "order-8"}
        store = (
            await api.client.post("/stores", json={"store_name": "gone"}, headers=headers)
        ).json()
        await wait_for_status(api.client, store["id"], "Ready")
        deleting = await api.client.delete(f"/stores/{store['id']}")
        assert deleting.status_code == 202 and deleting.json()["status"] == "Deleting"
        await wait_for_status(api.client, store["id"], "Deleted")

        deleted_again = await api.client.delete(f"/stores/{store['id']}")
        assert deleted_again.status_code == 200
        assert deleted_again.json()["status"] == "Deleted"
        replay = await api.client.post("/stores", json={"store_name": "gone"}, headers=headers)
        assert replay.status_code == 200
        assert replay.json()["id"] == store["id"] and replay.json()["status"] == "Deleted"
        # A new key asks for a new store with the freed name.
        fresh = await api.client.post("/stores", json={"store_name": "gone"})
        assert fresh.status_code == 202 and fresh.json()["id"] != store["id"]


class _AssetLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.links.append(value)


async def test_docs_are_served_with_every_asset_from_the_app(api: RunningApp) -> None:
    page = await api.client.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    parser = _AssetLinks()
    parser.feed(page.text)
    # Script bodies may name URLs too (the OpenAPI document).
    referenced = parser.links + re.findall(r"url: '([^']+)'", page.text)
    assert len(referenced) >= 4, referenced
    for link in referenced:
        assert link.startswith("/"), f"/docs references another origin: {link}"
        asset = await api.client.get(link)
        assert asset.status_code == 200, link
        assert len(asset.content) > 0, link
    assert "SwaggerUIBundle" in (await api.client.get("/docs/assets/swagger-ui-bundle.js")).text
    assert (await api.client.get("/redoc")).status_code == 404
