"""One authority model: role ∩ token policies ∩ API client limits, for every admin route.

Hole 1 of issue 11: an admin's token created with `policies: ["default"]` kept every admin
power, because admin routes checked the user's role instead of what the token was granted.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core.models import AuditEvent
from secrets_app.models import Policy, Token
from secrets_app.services.clients import client_register
from secrets_app.services.tokens import hash_token, token_authenticate
from tests.accounts.factories import AccountFactory
from tests.factories import UserFactory
from tests.viewstats.factories import ViewTaskFactory

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def admin_calls(client: APIClient, *, victim: str, account_id: int) -> dict[str, int]:
    """Every kind of admin power, tried once each; the status code of each answer."""
    calls = {
        "create an admin": client.post(
            "/api/v1/users/create",
            {"username": "mallory", "password": "a-long-enough-password", "role": "admin"},
            format="json",
        ),
        "delete a user": client.post(f"/api/v1/users/{victim}/delete"),
        "top up a wallet": client.post(
            "/api/external-proxy/balance/topup",
            {"username": victim, "amount": "100.00", "note": "x"},
            format="json",
        ),
        "list tokens of others": client.get("/api/v1/token/accessors"),
        "revoke a token by accessor": client.post(
            "/api/v1/token/revoke-accessor", {"accessor": "0" * 24}, format="json"
        ),
        "write a policy": client.post(
            "/api/v1/sys/policies",
            {"name": "everything", "rules": [{"path": "*", "capabilities": ["read"]}]},
            format="json",
        ),
        "read policies": client.get("/api/v1/sys/policies"),
        "change a setting": client.post(
            "/api/v1/sys/setting",
            {"key": "secrets.default_max_versions", "value": 3},
            format="json",
        ),
        "change security": client.post(
            "/api/v1/sys/security", {"lockout_threshold": 50}, format="json"
        ),
        "read settings": client.get("/api/v1/sys/settings"),
        "fleet credentials": client.get(f"/api/v1/accounts/{account_id}/credentials"),
        "fleet list": client.get("/api/v1/accounts"),
        "shop stats": client.get("/api/external-proxy/stats"),
        "shop sync": client.post("/api/external-proxy/sync", {}, format="json"),
        "vault kv config": client.post("/v1/secret/config", {"max_versions": 3}, format="json"),
    }
    return {name: response.status_code for name, response in calls.items()}


def test_admin_token_restricted_to_default_has_no_admin_power(admin_user, auth_client):
    victim = UserFactory()
    account = AccountFactory(password="fleet-secret-pass")
    full = auth_client(admin_user)
    created = full.post("/api/v1/token/create", {"policies": ["default"]}, format="json")
    assert created.status_code == 200, created.content
    assert created.json()["scope"] == "default"
    restricted = bearer(created.json()["access_token"])

    codes = admin_calls(restricted, victim=victim.username, account_id=account.pk)
    assert codes == dict.fromkeys(codes, 403), codes
    assert not type(admin_user).objects.filter(username="mallory").exists()
    assert type(victim).objects.filter(pk=victim.pk).exists()
    assert not Policy.objects.filter(name="everything").exists()
    # Every refusal is audited with the power it lacked.
    refused = set(
        AuditEvent.objects.filter(action="authority.denied").values_list("target", flat=True)
    )
    assert {"users.write", "wallets.write", "tokens.read", "settings.write"} <= refused
    assert AuditEvent.objects.filter(
        action="account.credentials_reveal", outcome="denied", actor_id=admin_user.pk
    ).exists()

    # The admin's full token still holds them all (the restriction is the token's).
    assert full.get("/api/v1/token/accessors").status_code == 200
    assert full.get(f"/api/v1/accounts/{account.pk}/credentials").status_code == 200


def test_restricted_admin_token_sees_only_its_own_view_tasks(admin_user, auth_client):
    mine = ViewTaskFactory(user=admin_user)
    theirs = ViewTaskFactory()
    restricted = auth_client(admin_user, policies=["default"])
    listed = restricted.get("/api/viewstats/get-bg-tasks").json()
    assert [row["link"] for row in listed] == [mine.link]
    assert restricted.get(f"/api/viewstats/tasks/{theirs.pk}").status_code == 404
    assert len(auth_client(admin_user).get("/api/viewstats/get-bg-tasks").json()) == 2


def test_a_policy_grants_exactly_the_admin_paths_it_names(admin_user, auth_client):
    Policy.objects.create(
        name="user-admin", rules=[{"path": "sys/users", "capabilities": ["update"]}]
    )
    # A broad secret rule is no admin rule: `*` never matches an admin path.
    Policy.objects.create(
        name="all-secrets",
        rules=[{"path": "*", "capabilities": ["create", "read", "update", "delete", "list"]}],
    )
    Policy.objects.get(name="user-admin").users.add(admin_user)
    Policy.objects.get(name="all-secrets").users.add(admin_user)
    narrow = auth_client(admin_user, policies=["user-admin"])
    made = narrow.post(
        "/api/v1/users/create",
        {"username": "newcomer", "password": "a-long-enough-password"},
        format="json",
    )
    assert made.status_code == 200, made.content
    assert narrow.get("/api/v1/token/accessors").status_code == 403
    broad = auth_client(admin_user, policies=["all-secrets"])
    assert broad.get("/api/v1/token/accessors").status_code == 403
    assert (
        broad.post(
            "/api/v1/users/create",
            {"username": "another", "password": "a-long-enough-password"},
            format="json",
        ).status_code
        == 403
    )


def test_the_role_is_the_ceiling_whatever_the_token_carries(user, auth_client):
    Policy.objects.create(
        name="user-admin", rules=[{"path": "sys/users", "capabilities": ["update"]}]
    )
    Policy.objects.get(name="user-admin").users.add(user)
    client = auth_client(user, policies=["default", "user-admin"])
    made = client.post(
        "/api/v1/users/create",
        {"username": "sneaky", "password": "a-long-enough-password", "role": "admin"},
        format="json",
    )
    assert made.status_code == 403


def test_operator_token_restricted_to_default_loses_the_fleet(operator_user, auth_client):
    assert auth_client(operator_user).get("/api/v1/accounts").status_code == 200
    assert auth_client(operator_user, policies=["default"]).get("/api/v1/accounts").status_code == (
        403
    )


def test_an_api_client_limit_binds_at_every_request(admin_user, make_token):
    client, _ = client_register(name="ci", allowed_policies=["default", "root"])
    raw = make_token(admin_user, client=client)
    assert bearer(raw).get("/api/v1/token/accessors").status_code == 200
    # Narrowing the client narrows its live tokens at once (their cached state is dropped).
    client.allowed_policies = ["default"]
    client.save()
    assert bearer(raw).get("/api/v1/token/accessors").status_code == 403
    client.is_active = False
    client.save()
    assert bearer(raw).get("/api/v1/sys/ping").status_code == 401


def test_the_check_is_a_function_of_user_and_token_context(admin_user, make_token):
    """What a gRPC interceptor calls: no HTTP request, the TokenContext of token_authenticate."""
    from core.authority import POWERS, authority_allows

    full_user, full = token_authenticate(make_token(admin_user), ip="127.0.0.1")
    narrow_user, narrow = token_authenticate(
        make_token(admin_user, policies=["default"]), ip="127.0.0.1"
    )
    for power in POWERS:
        assert authority_allows(user=full_user, token=full, power=power), power
        assert not authority_allows(user=narrow_user, token=narrow, power=power), power
    # A session (no token) has the role's authority.
    assert authority_allows(user=admin_user, token=None, power="users.write")


def test_a_token_carries_powers_only_while_its_user_holds_them(admin_user, make_token):
    raw = make_token(admin_user)
    assert bearer(raw).get("/api/v1/token/accessors").status_code == 200
    admin_user.role = "user"
    admin_user.save()
    assert "root" in Token.objects.get(token_hash=hash_token(raw)).policies
    assert bearer(raw).get("/api/v1/token/accessors").status_code == 403
