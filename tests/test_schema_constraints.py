"""The OpenAPI schema states the constraints the API enforces, so that clients generated from it
(and schemathesis, `make fuzz`) send what the API accepts."""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from secrets_app.services.kv_validation import normalize_path


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def request_schema(schema, path, method="post"):
    body = schema["paths"][path][method]["requestBody"]["content"]
    ref = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    return schema["components"]["schemas"][ref]


def test_request_bodies_are_json_only_but_where_the_contract_takes_forms(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if path in ("/api/v1/token/create", "/api/v1/token/renew", "/api/v1/token/revoke"):
                assert "application/x-www-form-urlencoded" in content, path
            elif content and not path.startswith("/v1/"):
                assert list(content) == ["application/json"], (method, path, list(content))


def test_per_field_schemas_survive_the_serializers_copy_of_their_fields(schema):
    users = request_schema(schema, "/api/v1/users/create")["properties"]
    assert users["password"]["minLength"] == 10  # the registry's default minimum
    assert users["username"]["pattern"] == r"^[A-Za-z0-9_.@+-]+$"
    links = request_schema(schema, "/get-views/vk")["properties"]["links"]
    assert links["minItems"] == 1 and links["maxItems"] == 1000
    assert "vk" in links["items"]["pattern"]
    security = request_schema(schema, "/api/v1/sys/security")["properties"]
    assert security["lockout_threshold"]["minimum"] == 1
    assert security["password_min_length"] == {"type": "integer", "minimum": 8, "maximum": 128}
    assert "anyOf" in security["trusted_proxies"]["items"]


def test_either_or_bodies_say_one_of(schema):
    batch = request_schema(schema, "/api/external-proxy/purchase/batch")
    assert batch["oneOf"] == [{"required": ["product_ids"]}, {"required": ["quantity"]}]
    secret = request_schema(schema, "/api/v1/secrets/create")
    assert secret["oneOf"] == [{"required": ["path"]}, {"required": ["name"]}]


@pytest.mark.parametrize(
    ("path", "accepted"),
    [
        ("team/db/password", True),
        ("/a/b/", True),
        (".env/x", True),
        ("a/../b", False),
        ("a//b", False),
        ("a*b", False),
        ("x" * 129, False),
    ],
)
def test_the_secret_path_pattern_agrees_with_the_service(schema, path, accepted):
    pattern = request_schema(schema, "/api/v1/secrets/create")["properties"]["path"]["pattern"]
    assert bool(re.match(pattern, path)) is accepted
    if accepted:
        assert normalize_path(path)
