"""Hostile input is refused at the door with a 4xx in the route's error shape, never a 500:
deep JSON, huge or non-ASCII integers, NUL bytes, non-finite numbers, oversized bodies.
(`core.api.parsers` and `core.middleware.RequestSanityMiddleware` are the one place.)"""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000
DEEP_OBJECT = '{"a":' * 1000 + "1" + "}" * 1000


def vault_client(client: APIClient) -> APIClient:
    token = client._credentials["HTTP_AUTHORIZATION"][7:]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_VAULT_TOKEN=token)
    return client


def assert_refused(response, path: str) -> None:
    assert 400 <= response.status_code < 500, (path, response.status_code, response.content[:300])
    body = response.json()
    if path.startswith("/v1/"):
        assert isinstance(body.get("errors"), list), body
        assert body["errors"] or response.status_code == 404, body
    else:
        assert "detail" in body, body
        if response.status_code == 422:
            for item in body["detail"]:
                assert {"loc", "msg", "type"} <= set(item), item


@pytest.mark.parametrize(
    "path",
    [
        "/users",  # unauthenticated
        "/api/viewstats/users",
        "/api/v1/token/create",
        "/api/v1/secrets/create",
        "/api/external-proxy/purchase",
        "/v1/auth/token/create",
        "/v1/secret/data/deep/one",
    ],
)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_json_nested_1000_deep_is_refused(path, body, auth_client, admin_user):
    client = vault_client(auth_client(admin_user))
    if path == "/users":
        client = APIClient()
    response = client.post(path, body, content_type="application/json")
    assert_refused(response, path)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/secrets/create", {"path": "poison/one", "value": {"n": "INF"}}),
        ("/v1/secret/data/poison/two", {"data": {"n": "INF"}}),
        ("/api/v1/secrets/create", {"path": "poison/three", "value": {"n": "NAN"}}),
        ("/v1/secret/data/poison/four", {"data": {"n": "-INF"}}),
    ],
)
def test_non_finite_numbers_are_refused_and_nothing_is_stored(path, body, auth_client, admin_user):
    client = vault_client(auth_client(admin_user))
    raw = json.dumps(body).replace('"INF"', "1e400").replace('"-INF"', "-1e400")
    raw = raw.replace('"NAN"', "NaN")
    response = client.post(path, raw, content_type="application/json")
    assert_refused(response, path)
    from secrets_app.models import Secret

    assert not Secret.objects.filter(path__startswith="poison/").exists()


def test_a_secret_refused_for_1e400_is_not_readable_afterwards(auth_client, admin_user):
    client = vault_client(auth_client(admin_user))
    raw = '{"data": {"n": 1e400}}'
    assert (
        client.post("/v1/secret/data/poison/read", raw, content_type="application/json").status_code
        == 400
    )
    assert client.get("/v1/secret/data/poison/read").status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/secrets/poison?version=%C2%B2"),
        ("get", "/api/v1/secrets/team%2Fa?version=%C2%B2"),
        ("get", "/v1/secret/data/team/a?version=%C2%B2"),
        ("get", "/api/external-proxy/list?page=99999999999999999999"),
        ("get", "/api/external-proxy/list?page_size=99999999999999999999"),
        ("get", "/get-bg-tasks?page=99999999999999999999"),
        ("get", "/get-bg-tasks?page=2&page_size=99999999999999999999"),
        ("get", "/api/viewstats/tasks?page=99999999999999999999"),
        ("get", "/api/v1/warming/tasks?account_id=%C2%B2"),
        ("get", "/api/v1/warming/tasks?account_id=99999999999999999999"),
        ("get", "/api/v1/accounts?page=99999999999999999999"),
        ("get", "/api/external-proxy/orders?page=99999999999999999999"),
        ("get", "/api/external-proxy/orders/%00"),
        ("get", "/api/v1/sys/policies/%00"),
        ("post", "/api/v1/users/%00/delete"),
        ("get", "/api/v1/accounts?username=%00"),
        ("get", "/api/external-proxy/list?country=%00"),
        ("get", "/v1/secret/data/a%00b"),
    ],
)
def test_bad_query_and_path_values_are_refused(method, path, auth_client, admin_user):
    client = vault_client(auth_client(admin_user))
    response = getattr(client, method)(path)
    assert_refused(response, path.split("?")[0])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/auth/token/create", {"display_name": "a\u0000b"}),
        ("/v1/secret/metadata/meta/one", {"max_versions": "\u00b2"}),
        ("/v1/secret/data/cas/one", {"data": {"a": "b"}, "options": {"cas": "\u00b2"}}),
        ("/v1/auth/token/create", {"num_uses": "\u00b2"}),
        ("/api/v1/secrets/create", {"path": "nul/\u0000", "value": "v"}),
        ("/api/v1/secrets/create", {"path": "nul/one", "value": "a\u0000b"}),
        (
            "/api/v1/users/create",
            {"username": "nul\u0000", "email": "a@b.test", "password": "x" * 12},
        ),
        ("/get-views/vk", {"links": ["vk.com/wall-1_2\u0000"]}),
        ("/get-views/telegram", {"links": ["t.me/durov/\u00b2"]}),
    ],
)
def test_bad_body_values_are_refused(path, body, auth_client, admin_user):
    client = vault_client(auth_client(admin_user))
    response = client.post(path, body, format="json")
    assert_refused(response, path)


@override_settings(REQUEST_MAX_BODY_BYTES=1024)
@pytest.mark.parametrize("path", ["/api/v1/secrets/create", "/users", "/v1/secret/data/big/one"])
def test_a_body_over_the_limit_is_413_in_the_routes_shape(path, auth_client, admin_user):
    client = vault_client(auth_client(admin_user))
    response = client.post(path, json.dumps({"value": "x" * 5000}), content_type="application/json")
    assert response.status_code == 413, response.content[:300]
    body = response.json()
    assert ("errors" in body) if path.startswith("/v1/") else ("detail" in body), body


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/secrets/a%2F..%2Fb"),
        ("get", "/api/v1/secrets/" + "x" * 300),
        ("delete", "/api/v1/secrets/" + "x" * 300),
        ("post", "/api/v1/secrets/a%2F..%2Fb/metadata"),
        ("post", "/api/v1/secrets/" + "x" * 300 + "/destroy"),
        ("post", "/api/v1/secrets/a%2F..%2Fb/share"),
    ],
)
def test_path_parameter_errors_say_path(method, path, auth_client, admin_user):
    client = auth_client(admin_user)
    response = client.generic(
        method.upper(), path, '{"versions": [1]}', content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert [item["loc"] for item in response.json()["detail"]] == [["path", "secret_id"]]


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/api/v1/secrets?path_prefix=a/../b", "path_prefix"),
        ("/api/v1/secrets/children?prefix=a/../b", "prefix"),
    ],
)
def test_query_parameter_errors_say_query(path, name, auth_client, admin_user):
    response = auth_client(admin_user).get(path)
    assert response.status_code == 422, response.content
    assert [item["loc"] for item in response.json()["detail"]] == [["query", name]]
