"""Every documented route answers bad input with a 4xx in the project's error shape, never 500.

The routes come from the OpenAPI schema, so a new route is covered the day it is documented.
"""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

STREAMING = ("/events",)  # SSE streams are exercised by their own tests
PLACEHOLDER = re.compile(r"\{[^}]+\}")


def documented_operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    out = []
    for path, item in sorted(schema["paths"].items()):
        if path.endswith(STREAMING):
            continue
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                out.append((method, path))
    return out


def concrete(path: str) -> str:
    return PLACEHOLDER.sub("999999", path)


def assert_project_error(response, path: str) -> None:
    # 502/503 are answers too (the fake-less test environment has no upstream and no worker),
    # but only as a typed {"detail": ...}; a 500 is always a bug.
    assert response.status_code != 500, (path, response.content[:300])
    if response.status_code > 500:
        assert "detail" in response.json() or "checks" in response.json(), (path, response)
        return
    if path.startswith("/v1/") or response.status_code < 400:
        return
    if response.get("Content-Type", "").startswith("application/json"):
        body = response.json()
        assert "detail" in body, (path, body)
        if response.status_code == 422:
            for item in body["detail"]:
                assert set(item) == {"loc", "msg", "type"}, (path, item)


@pytest.mark.parametrize(("method", "path"), documented_operations())
def test_garbage_never_gives_a_500(method, path, auth_client, admin_user):
    client = auth_client(admin_user)
    url = concrete(path)
    if method in ("post", "put", "patch"):
        for body in ("{not json", '{"x": [1, {"y": null}]}', "[]", '"text"'):
            response = client.generic(method.upper(), url, body, content_type="application/json")
            assert_project_error(response, path)
    else:
        response = getattr(client, method)(
            url, {"page": "-1", "page_size": "zzz", "status": "\x00", "timeout_seconds": "x"}
        )
        assert_project_error(response, path)


HUGE = 10**15


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/token/create", {"num_uses": HUGE}),
        ("post", "/api/v1/token/create", {"ttl": HUGE}),
        ("post", "/v1/auth/token/create", {"num_uses": HUGE}),
        ("post", "/v1/auth/token/renew-self", {"increment": HUGE}),
        ("post", "/v1/secret/metadata/huge/one", {"max_versions": HUGE}),
        ("post", "/v1/secret/metadata/huge/one", {"delete_version_after": HUGE}),
        ("post", "/api/v1/secrets/create", {"path": "huge/two", "value": "v", "ttl": HUGE}),
        ("post", "/get-views/vk", {"links": ["vk.com/wall-1_2"], "recollect_interval": HUGE}),
    ],
)
def test_out_of_range_numbers_are_refused_not_500(method, path, body, auth_client, admin_user):
    client = auth_client(admin_user)
    client.credentials(
        HTTP_AUTHORIZATION=client._credentials["HTTP_AUTHORIZATION"],
        HTTP_X_VAULT_TOKEN=client._credentials["HTTP_AUTHORIZATION"][7:],
    )
    response = getattr(client, method)(path, body, format="json")
    assert response.status_code in (400, 422), (path, response.status_code, response.content)
