"""Token lifecycle: create, use, renew, rotation, reuse detection, revocation, limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEvent
from secrets_app.models import Token
from secrets_app.services.tokens import hash_token, token_issue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def password_grant(api_client, username, password=PASSWORD, **extra):
    return api_client.post(
        "/api/v1/token/create",
        {"grant_type": "password", "username": username, "password": password, **extra},
        format="json",
    )


def lookup(api_client, raw, **extra):
    return api_client.get("/api/v1/token/lookup-self", HTTP_AUTHORIZATION=f"Bearer {raw}", **extra)


def test_password_grant_answers_like_an_oauth_token_endpoint(api_client, user):
    response = password_grant(api_client, user.username)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
        "accessor",
        "scope",
    }
    assert body["token_type"] == "bearer"
    assert 3500 < body["expires_in"] <= 3600
    # at least 256 bits of randomness, stored only as a hash
    assert len(body["access_token"]) >= 43 + 4
    token = Token.objects.get(accessor=body["accessor"])
    assert token.token_hash == hash_token(body["access_token"])
    assert body["access_token"] not in str(Token.objects.values().get(pk=token.pk))


def test_password_grant_accepts_form_encoding(api_client, user):
    response = api_client.post(
        "/api/v1/token/create",
        {"grant_type": "password", "username": user.username, "password": PASSWORD},
    )
    assert response.status_code == 200
    assert lookup(api_client, response.json()["access_token"]).status_code == 200


def test_wrong_password_is_401_and_audited(api_client, user):
    response = password_grant(api_client, user.username, "wrong-password")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid username or password."}
    assert AuditEvent.objects.filter(action="login.failure", target=user.username).exists()


def test_missing_fields_get_the_422_shape(api_client):
    response = api_client.post("/api/v1/token/create", {"grant_type": "password"}, format="json")
    assert response.status_code == 422
    locs = {tuple(item["loc"]) for item in response.json()["detail"]}
    assert locs == {("body", "username"), ("body", "password")}
    for item in response.json()["detail"]:
        assert set(item) == {"loc", "msg", "type"}


def ping(api_client, raw, **extra):
    return api_client.get("/api/v1/sys/ping", HTTP_AUTHORIZATION=f"Bearer {raw}", **extra)


def test_lookup_self_describes_without_spending_a_use(api_client, user, make_token):
    raw = make_token(user, num_uses=3, bound_cidrs="127.0.0.0/8", ttl="1h30m")
    assert lookup(api_client, raw).json()["uses_remaining"] == 3
    body = lookup(api_client, raw).json()
    assert body["uses_remaining"] == 3  # lookups spend nothing
    assert ping(api_client, raw).json()["authenticated"] is True
    assert lookup(api_client, raw).json()["uses_remaining"] == 2  # any other call spends one
    assert body["bound_cidrs"] == ["127.0.0.0/8"]
    assert 5300 < body["ttl"] <= 5400
    assert body["username"] == user.username


def test_expired_token_is_refused(api_client, user, make_token):
    raw = make_token(user)
    Token.objects.filter(token_hash=hash_token(raw)).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = lookup(api_client, raw)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_unknown_and_revoked_tokens_look_the_same(api_client, user, make_token):
    raw = make_token(user)
    api_client.post("/api/v1/token/revoke", {"revoke_token": raw}, format="json")
    revoked = lookup(api_client, raw)
    unknown = lookup(api_client, "pvt.this-token-never-existed-0000000000000000000000")
    assert revoked.status_code == unknown.status_code == 401
    assert revoked.json() == unknown.json()
    assert revoked["WWW-Authenticate"].startswith("Bearer")


def test_revocation_applies_to_a_cached_token_at_once(api_client, user, make_token):
    raw = make_token(user)
    assert lookup(api_client, raw).status_code == 200  # now cached in Redis
    with CaptureQueriesContext(connection) as queries:
        api_client.get("/api/v1/token/accessors", HTTP_AUTHORIZATION=f"Bearer {raw}")
    auth_queries = [q for q in queries.captured_queries if "secrets_app_token" in q["sql"]]
    assert auth_queries == []  # authentication came from the cache
    assert api_client.post("/api/v1/token/revoke", {"revoke_token": raw}, format="json").json() == {
        "revoked": True
    }
    assert lookup(api_client, raw).status_code == 401


def test_revoke_is_idempotent_and_reveals_nothing(api_client):
    response = api_client.post("/api/v1/token/revoke", {"revoke_token": "nonsense"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"revoked": True}


def test_ip_binding(api_client, user, make_token):
    raw = make_token(user, bound_cidrs=["10.1.0.0/16"])
    response = lookup(api_client, raw)  # the test client comes from 127.0.0.1
    assert response.status_code == 401
    assert "address" in response.json()["detail"]
    assert lookup(api_client, raw, REMOTE_ADDR="10.1.2.3").status_code == 200


def test_one_time_token_works_once(api_client, user):
    raw = password_grant(api_client, user.username, one_time=True).json()["access_token"]
    assert ping(api_client, raw).json()["authenticated"] is True
    second = ping(api_client, raw)
    assert second.status_code == 401
    assert "exhausted" in second.json()["detail"]
    assert lookup(api_client, raw).status_code == 401  # an exhausted token is refused everywhere


def test_refresh_rotates_and_reuse_revokes_the_family(api_client, user):
    first = password_grant(api_client, user.username).json()
    renewed = api_client.post(
        "/api/v1/token/renew", {"refresh_token": first["refresh_token"]}, format="json"
    )
    assert renewed.status_code == 200
    second = renewed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert lookup(api_client, second["access_token"]).status_code == 200

    replay = api_client.post(
        "/api/v1/token/renew", {"refresh_token": first["refresh_token"]}, format="json"
    )
    assert replay.status_code == 401
    # the whole family is dead: both access tokens and the newer refresh token
    assert lookup(api_client, first["access_token"]).status_code == 401
    assert lookup(api_client, second["access_token"]).status_code == 401
    again = api_client.post(
        "/api/v1/token/renew", {"refresh_token": second["refresh_token"]}, format="json"
    )
    assert again.status_code == 401


def test_revoking_a_parent_revokes_its_children(api_client, user, make_token):
    parent_raw = make_token(user)
    child = api_client.post(
        "/api/v1/token/create",
        {"ttl": 600},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {parent_raw}",
    )
    assert child.status_code == 200, child.content
    child_raw = child.json()["access_token"]
    grandchild_raw = api_client.post(
        "/api/v1/token/create", {}, format="json", HTTP_AUTHORIZATION=f"Bearer {child_raw}"
    ).json()["access_token"]
    assert lookup(api_client, grandchild_raw).status_code == 200
    api_client.post("/api/v1/token/revoke", {"revoke_token": parent_raw}, format="json")
    assert lookup(api_client, child_raw).status_code == 401
    assert lookup(api_client, grandchild_raw).status_code == 401


def test_child_cannot_outlive_or_exceed_its_parent(api_client, user, make_token):
    parent_raw = make_token(user, ttl=60)
    child = api_client.post(
        "/api/v1/token/create",
        {"ttl": 3600, "policies": ["root"]},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {parent_raw}",
    )
    assert child.status_code == 403
    child = api_client.post(
        "/api/v1/token/create",
        {"ttl": 3600},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {parent_raw}",
    )
    assert child.json()["expires_in"] <= 60


def test_admin_revokes_by_accessor(api_client, user, admin_user, make_token, auth_client):
    raw = make_token(user)
    accessor = Token.objects.get(token_hash=hash_token(raw)).accessor
    admin = auth_client(admin_user)
    listed = admin.get("/api/v1/token/accessors", {"username": user.username}).json()
    assert [row["accessor"] for row in listed["results"]] == [accessor]
    assert "token_hash" not in listed["results"][0]
    assert admin.post(
        "/api/v1/token/revoke-accessor", {"accessor": accessor}, format="json"
    ).json() == {"revoked": True}
    assert lookup(api_client, raw).status_code == 401
    assert (
        auth_client(user)
        .post("/api/v1/token/revoke-accessor", {"accessor": accessor}, format="json")
        .status_code
        == 403
    )


def test_ttl_above_the_maximum_is_422(api_client, user):
    response = password_grant(api_client, user.username, ttl=10**9)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "ttl"]


def test_deactivating_a_user_invalidates_cached_tokens(api_client, make_token):
    member = UserFactory()
    raw = make_token(member)
    assert lookup(api_client, raw).status_code == 200
    member.is_active = False
    member.save()
    assert lookup(api_client, raw).status_code == 401


def test_token_issue_service_refuses_bad_cidr(user):
    from core.errors import InvalidArgument

    with pytest.raises(InvalidArgument):
        token_issue(user=user, bound_cidrs=["not-a-network"])


def test_cached_unlimited_token_costs_no_database_query(api_client, user, make_token):
    raw = make_token(user)
    api_client.get("/api/v1/sys/ping", HTTP_AUTHORIZATION=f"Bearer {raw}")  # caches the state
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get("/api/v1/sys/ping", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.json() == {"ok": True, "authenticated": True}
    assert len(queries) == 0, [q["sql"] for q in queries]


def test_renewal_keeps_only_policies_still_held_and_a_failed_renewal_burns_nothing(
    api_client, admin_user
):
    first = password_grant(api_client, admin_user.username, scope="root default").json()
    assert set(first["scope"].split()) == {"root", "default"}
    admin_user.role = "user"  # demoted: no longer holds root
    admin_user.save()
    renewed = api_client.post(
        "/api/v1/token/renew", {"refresh_token": first["refresh_token"]}, format="json"
    )
    assert renewed.status_code == 200, renewed.content
    assert renewed.json()["scope"] == "default"
    # a renewal refused for an inactive user must not burn the refresh token
    second = renewed.json()
    admin_user.is_active = False
    admin_user.save()
    refused = api_client.post(
        "/api/v1/token/renew", {"refresh_token": second["refresh_token"]}, format="json"
    )
    assert refused.status_code == 401
    admin_user.is_active = True
    admin_user.save()
    again = api_client.post(
        "/api/v1/token/renew", {"refresh_token": second["refresh_token"]}, format="json"
    )
    assert again.status_code == 200


def test_a_use_limited_token_cannot_mint_any_child(api_client, user, make_token):
    """Vault's rule (README, credentials): a child would add uses to a use-limited family."""
    parent = make_token(user, num_uses=3)
    child = api_client.post(
        "/api/v1/token/create", {}, format="json", HTTP_AUTHORIZATION=f"Bearer {parent}"
    )
    assert child.status_code == 403
    assert lookup(api_client, parent).json()["uses_remaining"] == 2  # the attempt spent one
