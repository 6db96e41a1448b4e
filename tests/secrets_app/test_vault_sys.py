"""The /v1/sys/ routes Vault tooling calls first: health, seal status, the CLI's mount preflight;
and PUT accepted wherever POST is (as Vault does)."""

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
