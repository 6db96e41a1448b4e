"""The /v1/sys/ routes Vault tooling calls first: health, seal status, the CLI's mount preflight;
and PUT accepted wherever POST is (as Vault does)."""

import json

import pytest

pytestmark = pytest.mark.django_db


def test_health_needs_no_token(client):
    response = client.get("/v1/sys/health")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["initialized"] is True and body["sealed"] is False and body["standby"] is False
    assert isinstance(body["server_time_utc"], int)


def test_seal_status(client):
    body = client.get("/v1/sys/seal-status").json()
    assert body["sealed"] is False and body["type"] == "shamir"
    assert body["storage_type"] == "postgresql"


def test_mount_preflight_reports_kv_v2(client, user, make_token):
    raw = make_token(user)
    response = client.get("/v1/sys/internal/ui/mounts/secret/app/db", HTTP_X_VAULT_TOKEN=raw)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["type"] == "kv" and data["options"] == {"version": "2"}
    assert data["path"] == "secret/"
    other = client.get("/v1/sys/internal/ui/mounts/kv/x", HTTP_X_VAULT_TOKEN=raw)
    assert other.status_code == 403 and "preflight" in other.json()["errors"][0]
    assert client.get("/v1/sys/internal/ui/mounts/secret/x").status_code == 403  # no token


def test_put_works_where_post_does(client, user, make_token):
    raw = make_token(user, ttl=60)
    response = client.put(
        "/v1/auth/token/renew-self",
        '{"increment": 120}',
        content_type="application/json",
        HTTP_X_VAULT_TOKEN=raw,
    )
    assert response.status_code == 200 and response.json()["auth"]["lease_duration"] > 60
    refused = client.patch(
        "/v1/auth/token/renew-self", "{}", content_type="application/json", HTTP_X_VAULT_TOKEN=raw
    )
    assert refused.status_code == 405 and "unsupported operation" in refused.json()["errors"][0]


def test_wrap_and_unwrap_once(client, user, make_token):
    raw = make_token(user)
    wrapped = client.post(
        "/v1/sys/wrapping/wrap",
        '{"db": "pw-123"}',
        content_type="application/json",
        HTTP_X_VAULT_TOKEN=raw,
        HTTP_X_VAULT_WRAP_TTL="5m",
    )
    assert wrapped.status_code == 200
    info = wrapped.json()["wrap_info"]
    assert info["token"].startswith("pvw.") and 295 <= info["ttl"] <= 300
    assert info["creation_path"] == "sys/wrapping/wrap" and info["accessor"]
    assert wrapped.json()["data"] is None

    # the wrapping token itself as X-Vault-Token, no other credential needed
    opened = client.post(
        "/v1/sys/wrapping/unwrap",
        "",
        content_type="application/json",
        HTTP_X_VAULT_TOKEN=info["token"],
    )
    assert opened.status_code == 200 and opened.json()["data"] == {"db": "pw-123"}
    again = client.post(
        "/v1/sys/wrapping/unwrap",
        json.dumps({"token": info["token"]}),
        content_type="application/json",
        HTTP_X_VAULT_TOKEN=raw,
    )
    assert again.status_code == 400
    assert again.json() == {"errors": ["wrapping token is not valid or does not exist"]}


def test_wrap_needs_a_ttl_header_and_a_token(client, user, make_token):
    raw = make_token(user)
    no_ttl = client.post(
        "/v1/sys/wrapping/wrap",
        '{"a": "b"}',
        content_type="application/json",
        HTTP_X_VAULT_TOKEN=raw,
    )
    assert no_ttl.status_code == 400 and "response wrapping" in no_ttl.json()["errors"][0]
    anonymous = client.post(
        "/v1/sys/wrapping/wrap",
        '{"a": "b"}',
        content_type="application/json",
        HTTP_X_VAULT_WRAP_TTL="5m",
    )
    assert anonymous.status_code == 403
