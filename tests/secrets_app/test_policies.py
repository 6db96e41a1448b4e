"""Path-glob policies: capabilities, deny wins, default deny, attachments, token limits."""

import pytest
from rest_framework.test import APIClient

from core.models import AuditEvent
from secrets_app.services import kv
from secrets_app.services.policies import policy_test
from tests.factories import UserFactory

from .kv_helpers import make_policy, token_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(admin_user):
    for path in ("team/a", "team/b/c", "team/secret/key", "ops/x"):
        kv.secret_write(path=path, value="v-" + path, user=admin_user, context=None)


def _client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_default_deny_and_every_route_checks(user, seeded):
    raw, _ = token_context(user)
    c = _client(raw)
    assert c.get("/api/v1/secrets/team/a").status_code == 403
    assert (
        c.post(
            "/api/v1/secrets/create", {"path": "team/z", "value": "x"}, format="json"
        ).status_code
        == 403
    )
    assert c.put("/api/v1/secrets/team/a", {"value": "x"}, format="json").status_code == 403
    assert c.delete("/api/v1/secrets/team/a").status_code == 403
    assert c.get("/api/v1/secrets/team/a/metadata").status_code == 403
    assert (
        c.post("/api/v1/secrets/team/a/destroy", {"versions": [1]}, format="json").status_code
        == 403
    )
    assert c.get("/api/v1/secrets/children?prefix=team/").status_code == 403
    assert c.get("/api/v1/secrets").json()["count"] == 0
    denied = AuditEvent.objects.filter(outcome="denied", target_type="secret")
    assert denied.count() >= 7
    assert denied.filter(action="secret.read", target="team/a", actor=user.username).exists()


def test_glob_capabilities_and_deny_wins(user, seeded):
    make_policy(
        "team-rw",
        ("team/*", ["read", "list", "create", "update"]),
        ("team/secret/*", ["deny"]),
        users=[user],
    )
    raw, ctx = token_context(user, policies=["team-rw"])
    c = _client(raw)
    assert c.get("/api/v1/secrets/team/b/c").json()["value"] == "v-team/b/c"
    assert c.get("/api/v1/secrets/team/secret/key").status_code == 403
    assert c.get("/api/v1/secrets/ops/x").status_code == 403
    assert (
        c.post(
            "/api/v1/secrets/create", {"path": "team/new", "value": "n"}, format="json"
        ).status_code
        == 201
    )
    assert c.delete("/api/v1/secrets/team/a").status_code == 403
    assert c.get("/api/v1/secrets/children?prefix=team/").json()["keys"] == [
        "a",
        "b/",
        "new",
        "secret/",
    ]
    listed = c.get("/api/v1/secrets").json()
    assert sorted(r["path"] for r in listed["results"]) == ["team/a", "team/b/c", "team/new"]


def test_plus_matches_one_segment(user, seeded):
    make_policy("one-level", ("team/+", ["read"]), users=[user])
    _, ctx = token_context(user, policies=["one-level"])
    assert kv.secret_read(path_or_id="team/a", user=user, context=ctx)[1].value == "v-team/a"
    with pytest.raises(Exception) as exc:
        kv.secret_read(path_or_id="team/b/c", user=user, context=ctx)
    assert exc.value.status_code == 403


def test_role_attachment_applies_to_sessions_and_tokens(seeded):
    operator = UserFactory(role="operator")
    make_policy("ops-read", ("ops/*", ["read"]), roles=["operator"])
    assert policy_test(user=operator, path="ops/x", capability="read")["allowed"]
    raw, _ = token_context(operator, policies=["ops-read"])
    assert _client(raw).get("/api/v1/secrets/ops/x").status_code == 200


def test_token_cannot_exceed_its_creator(user, seeded, auth_client):
    make_policy("ops-read", ("ops/*", ["read"]))
    c = auth_client(user)
    refused = c.post("/api/v1/token/create", {"policies": ["ops-read"]}, format="json")
    assert refused.status_code == 403
    # a policy taken away from the user is taken away from the user's existing tokens too
    policy = make_policy("team-read", ("team/*", ["read"]), users=[user])
    raw, _ = token_context(user, policies=["team-read"])
    assert _client(raw).get("/api/v1/secrets/team/a").status_code == 200
    policy.users.remove(user)
    assert _client(raw).get("/api/v1/secrets/team/a").status_code == 403


def test_child_token_gets_no_more_than_parent(user, seeded):
    make_policy("team-read", ("team/*", ["read"]), users=[user])
    make_policy("ops-read", ("ops/*", ["read"]), users=[user])
    parent_raw, _ = token_context(user, policies=["team-read"])
    child = _client(parent_raw).post(
        "/api/v1/token/create", {"policies": ["ops-read"]}, format="json"
    )
    assert child.status_code == 403


def test_scope_at_token_creation_selects_policies(api_client, seeded):
    person = UserFactory(role="user", username="scoped")
    make_policy("team-read", ("team/*", ["read"]), users=[person])
    make_policy("ops-read", ("ops/*", ["read"]), users=[person])
    issued = api_client.post(
        "/api/v1/token/create",
        {
            "grant_type": "password",
            "username": "scoped",
            "password": "correct-horse-battery",
            "scope": "team-read",
        },
        format="json",
    )
    assert issued.status_code == 200, issued.content
    c = _client(issued.json()["access_token"])
    assert c.get("/api/v1/secrets/team/a").status_code == 200
    assert c.get("/api/v1/secrets/ops/x").status_code == 403


def test_policy_edit_applies_at_once(user, seeded, admin_user, auth_client):
    make_policy("p", ("team/*", ["read"]), users=[user])
    raw, _ = token_context(user, policies=["p"])
    assert _client(raw).get("/api/v1/secrets/team/a").status_code == 200
    admin = auth_client(admin_user)
    replaced = admin.post(
        "/api/v1/sys/policies",
        {"name": "p", "rules": [{"path": "ops/*", "capabilities": ["read"]}]},
        format="json",
    )
    assert replaced.status_code == 201
    assert _client(raw).get("/api/v1/secrets/team/a").status_code == 403
    assert _client(raw).get("/api/v1/secrets/ops/x").status_code == 200


def test_bad_policy_is_422(admin_user, auth_client):
    response = auth_client(admin_user).post(
        "/api/v1/sys/policies",
        {"name": "bad", "rules": [{"path": "x/*", "capabilities": ["fly"]}]},
        format="json",
    )
    assert response.status_code == 422


def test_a_token_cannot_shed_its_users_deny(user, seeded):
    make_policy("allow-team", ("team/*", ["read"]), users=[user])
    make_policy("deny-secret", ("team/secret*", ["deny"]), users=[user])
    raw_all, _ = token_context(user)
    raw_allow_only, _ = token_context(user, policies=["allow-team"])
    for raw in (raw_all, raw_allow_only):
        c = _client(raw)
        assert c.get("/api/v1/secrets/team/a").status_code == 200
        assert c.get("/api/v1/secrets/team/secret/key").status_code == 403


def test_an_api_clients_limit_binds_admins_too(admin_user):
    from secrets_app.policy_names import policies_grantable_by
    from secrets_app.services.clients import client_register

    client, _ = client_register(name="limited", allowed_policies=["default"])
    assert policies_grantable_by(user=admin_user, client=client) == {"default"}
