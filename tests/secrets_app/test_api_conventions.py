"""The error shapes every API shares, and the OpenAPI schema."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

IDENTITY_POSTS = [
    "/api/v1/token/create",
    "/api/v1/token/renew",
    "/api/v1/token/revoke",
]


@pytest.mark.parametrize("path", IDENTITY_POSTS)
def test_bad_json_is_422_not_500(api_client, path):
    response = api_client.post(path, data="{not json", content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


@pytest.mark.parametrize("path", IDENTITY_POSTS)
def test_empty_body_is_422_with_locations(api_client, path):
    response = api_client.post(path, {}, format="json")
    assert response.status_code == 422
    for item in response.json()["detail"]:
        assert item["loc"][0] == "body"
        assert isinstance(item["msg"], str) and item["type"]


def test_user_create_422_shape(auth_client, admin_user):
    response = auth_client(admin_user).post("/api/v1/users/create", {"role": "king"}, format="json")
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert {("body", "username"), ("body", "password"), ("body", "role")} <= locs


def test_unauthenticated_is_401_with_detail(api_client):
    response = api_client.get("/api/v1/token/lookup-self")
    assert response.status_code == 401
    assert set(response.json()) == {"detail"}


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/no-such-route")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_schema_is_served_and_validates(client, tmp_path):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/token/create" in response.content
    assert client.get("/api/docs/").status_code == 200
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
