"""The Vault-compatible token routes: envelope, status codes, headers, warnings."""

import json

import pytest
from django.test import Client

from core.models import AuditEvent
from core.registry import setting_set
from secrets_app.models import Token

pytestmark = pytest.mark.django_db

ENVELOPE_KEYS = {
    "request_id",
    "lease_id",
    "renewable",
    "lease_duration",
    "data",
    "wrap_info",
    "warnings",
    "auth",
}


@pytest.fixture
def vault(client):
    def call(method, path, token=None, body=None, raw_body=None, **extra):
        headers = {"HTTP_X_VAULT_TOKEN": token} if token else {}
        data = raw_body if raw_body is not None else (json.dumps(body) if body is not None else "")
        return client.generic(
            method, path, data, content_type="application/json", **headers, **extra
        )

    return call


def assert_vault_json(response, status=200):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return response.json()


def test_create_child_token_envelope(vault, user, make_token):
    parent = make_token(user)
    response = vault(
        "POST",
        "/v1/auth/token/create",
        parent,
        {
            "ttl": "1h",
            "num_uses": 3,
            "meta": {"app": "ci"},
            "display_name": "ci",
        },
    )
    body = assert_vault_json(response, 200)
    assert set(body) == ENVELOPE_KEYS
    assert body["data"] is None and body["warnings"] is None and body["wrap_info"] is None
    auth = body["auth"]
    assert auth["client_token"].startswith("pvt.")
    assert auth["policies"] == ["default"]
    assert auth["metadata"] == {"app": "ci"}
    assert 3590 <= auth["lease_duration"] <= 3600
    assert auth["renewable"] is True and auth["orphan"] is False and auth["num_uses"] == 3
    child = Token.objects.get(accessor=auth["accessor"])
    assert child.parent.accessor != child.accessor and child.user == user
    assert child.display_name == "token-ci"


def test_create_refuses_policies_beyond_parent(vault, user, make_token):
    parent = make_token(user)
    response = vault("POST", "/v1/auth/token/create", parent, {"policies": ["root"]})
    body = assert_vault_json(response, 400)
    assert body == {"errors": ["child policies must be subset of parent"]}


def test_create_caps_ttl_and_warns_about_unknown_parameters(vault, user, make_token):
    setting_set(key="security.token_max_ttl", value=7200)
    parent = make_token(user, ttl=3600)
    response = vault("POST", "/v1/auth/token/create", parent, {"ttl": "10h", "frobnicate": 1})
    body = assert_vault_json(response, 200)
    warnings = " | ".join(body["warnings"])
    assert "unrecognized parameters: [frobnicate]" in warnings
    assert "capped" in warnings
    # a child never outlives its parent either
    assert body["auth"]["lease_duration"] <= 3600


def test_lookup_self(vault, user, make_token):
    raw = make_token(user, num_uses=5, bound_cidrs=["127.0.0.0/8"])
    body = assert_vault_json(vault("GET", "/v1/auth/token/lookup-self", raw))
    data = body["data"]
    assert data["id"] == raw
    assert data["policies"] == ["default"]
    assert data["num_uses"] == 4  # this request spent one use, as in Vault
    assert data["orphan"] is True and data["type"] == "service"
    assert isinstance(data["creation_time"], int) and data["expire_time"].endswith("Z")
    assert data["bound_cidrs"] == ["127.0.0.0/8"]
    assert body["auth"] is None
    assert vault("POST", "/v1/auth/token/lookup-self", raw).json()["data"]["num_uses"] == 3


def test_renew_self_extends_and_caps_with_warning(vault, user, make_token):
    raw = make_token(user, ttl=60, explicit_max_ttl=600)
    body = assert_vault_json(vault("POST", "/v1/auth/token/renew-self", raw, {"increment": 300}))
    assert 295 <= body["auth"]["lease_duration"] <= 300 and body["warnings"] is None
    assert body["auth"]["client_token"] == raw
    capped = assert_vault_json(vault("POST", "/v1/auth/token/renew-self", raw, {"increment": "2h"}))
    assert capped["auth"]["lease_duration"] <= 600
    assert "capped" in capped["warnings"][0]


def test_renew_non_renewable_is_400(vault, user, make_token):
    raw = make_token(user, renewable=False)
    body = assert_vault_json(vault("POST", "/v1/auth/token/renew-self", raw), 400)
    assert body["errors"]


def test_revoke_self_then_token_is_refused_with_403(vault, user, make_token):
    raw = make_token(user)
    child = vault("POST", "/v1/auth/token/create", raw, {}).json()["auth"]["client_token"]
    response = vault("POST", "/v1/auth/token/revoke-self", raw)
    assert response.status_code == 204 and response.content == b""
    assert response["Cache-Control"] == "no-store"
    for token in (raw, child):  # children die with their parent
        refused = vault("GET", "/v1/auth/token/lookup-self", token)
        assert assert_vault_json(refused, 403) == {"errors": ["permission denied"]}


@pytest.mark.parametrize("case", ["missing", "unknown", "used_up", "wrong_ip"])
def test_refused_tokens_are_403_permission_denied(vault, user, make_token, case):
    token = {
        "missing": lambda: None,
        "unknown": lambda: "pvt.nope",
        "used_up": lambda: make_token(user, num_uses=1),
        "wrong_ip": lambda: make_token(user, bound_cidrs=["192.0.2.0/24"]),
    }[case]()
    if case == "used_up":
        assert vault("GET", "/v1/auth/token/lookup-self", token).status_code == 200
    response = vault("GET", "/v1/auth/token/lookup-self", token)
    assert assert_vault_json(response, 403) == {"errors": ["permission denied"]}
    if case == "wrong_ip":
        assert AuditEvent.objects.filter(
            action="token.refused", data__reason="ip_not_allowed"
        ).exists()


def test_bearer_header_works_too(client, user, make_token):
    raw = make_token(user)
    response = client.get("/v1/auth/token/lookup-self", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200 and response.json()["data"]["id"] == raw


def test_bad_json_is_400(vault, user, make_token):
    raw = make_token(user)
    for bad in ("{not json", "[1, 2]"):
        response = vault("POST", "/v1/auth/token/create", raw, raw_body=bad)
        body = assert_vault_json(response, 400)
        assert "failed to decode JSON" in body["errors"][0]


def test_unknown_route_is_404_unsupported_path(vault, user, make_token):
    raw = make_token(user)
    body = assert_vault_json(vault("GET", "/v1/sys/nothing/here", raw), 404)
    assert body == {"errors": ["1 error occurred:\n\t* unsupported path\n\n"]}
    kv1 = assert_vault_json(vault("GET", "/v1/secret/nothing", raw), 404)
    assert kv1["data"] is None and "versioned K/V" in kv1["warnings"][0]
    # without a token the answer says nothing about the route
    assert vault("GET", "/v1/sys/nothing/here").status_code == 403


def test_json_even_when_html_is_asked_for(client, user, make_token):
    raw = make_token(user)
    response = Client().get(
        "/v1/auth/token/lookup-self", HTTP_X_VAULT_TOKEN=raw, HTTP_ACCEPT="text/html"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/json"


def test_session_login_is_not_a_vault_credential(client, user):
    client.force_login(user)
    response = client.post("/v1/auth/token/create", "{}", content_type="application/json")
    assert response.status_code == 403
