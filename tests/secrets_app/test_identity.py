"""Users, roles, lockout, createsuperuser and the identity routes' error shapes."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from core.models import AuditEvent
from core.registry import setting_set
from secrets_app.models import Role, Token, User
from secrets_app.services.tokens import hash_token

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def grant(api_client, username, password=PASSWORD, **extra):
    return api_client.post(
        "/api/v1/token/create",
        {"grant_type": "password", "username": username, "password": password},
        format="json",
        **extra,
    )


def test_admin_creates_a_user_with_the_documented_shape(auth_client, admin_user):
    response = auth_client(admin_user).post(
        "/api/v1/users/create",
        {
            "username": "alice",
            "email": "a@example.test",
            "role": "operator",
            "password": "a-long-and-unusual-passphrase",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"id", "username", "email", "role", "created_at"}
    assert body["role"] == "operator"
    alice = User.objects.get(username="alice")
    assert alice.is_staff and not alice.is_superuser
    assert alice.password.startswith("md5$") or alice.password.startswith("argon2")
    assert AuditEvent.objects.filter(action="user.create", target="alice").exists()


def test_duplicate_name_and_weak_password_are_422(auth_client, admin_user, user):
    client = auth_client(admin_user)
    duplicate = client.post(
        "/api/v1/users/create",
        {"username": user.username, "password": "another-long-passphrase"},
        format="json",
    )
    assert duplicate.status_code == 422
    assert duplicate.json()["detail"][0]["loc"] == ["body", "username"]
    weak = client.post(
        "/api/v1/users/create", {"username": "bob", "password": "123"}, format="json"
    )
    assert weak.status_code == 422
    assert {tuple(e["loc"]) for e in weak.json()["detail"]} == {("body", "password")}
    assert not User.objects.filter(username="bob").exists()


def test_password_minimum_length_follows_the_security_configuration(auth_client, admin_user):
    setting_set(key="security.password_min_length", value=20)
    response = auth_client(admin_user).post(
        "/api/v1/users/create", {"username": "carol", "password": "shortish-pass"}, format="json"
    )
    assert response.status_code == 422
    assert "20" in response.json()["detail"][0]["msg"]


def test_only_admins_create_and_delete_users(auth_client, operator_user, user):
    client = auth_client(operator_user)
    assert (
        client.post(
            "/api/v1/users/create", {"username": "x", "password": "p" * 20}, format="json"
        ).status_code
        == 403
    )
    assert client.post(f"/api/v1/users/{user.username}/delete").status_code == 403
    assert User.objects.filter(username=user.username).exists()


def test_deleting_a_user_kills_their_tokens_at_once(
    api_client, auth_client, admin_user, user, make_token
):
    raw = make_token(user)
    assert (
        api_client.get("/api/v1/token/lookup-self", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code
        == 200
    )
    response = auth_client(admin_user).post(f"/api/v1/users/{user.username}/delete")
    assert response.json() == {"deleted": True, "username": user.username}
    assert (
        api_client.get("/api/v1/token/lookup-self", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code
        == 401
    )
    assert not Token.objects.filter(token_hash=hash_token(raw)).exists()
    missing = auth_client(admin_user).post("/api/v1/users/nobody/delete")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "No user named 'nobody'."}


def test_lockout_per_user(api_client, user):
    setting_set(key="security.lockout_threshold", value=3)
    for _ in range(3):
        assert grant(api_client, user.username, "wrong").status_code == 401
    locked = grant(api_client, user.username)  # even the right password is refused now
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.json()["detail"]
    assert AuditEvent.objects.filter(action="login.locked_out").exists()


def test_lockout_per_ip_across_usernames(api_client, user):
    setting_set(key="security.lockout_ip_threshold", value=4)
    for n in range(4):
        grant(api_client, f"ghost{n}", "wrong", REMOTE_ADDR="203.0.113.9")
    assert grant(api_client, user.username, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert grant(api_client, user.username, REMOTE_ADDR="203.0.113.10").status_code == 200


def test_successful_login_resets_the_user_counter(api_client, user):
    setting_set(key="security.lockout_threshold", value=3)
    grant(api_client, user.username, "wrong")
    grant(api_client, user.username, "wrong")
    assert grant(api_client, user.username).status_code == 200
    grant(api_client, user.username, "wrong")
    grant(api_client, user.username, "wrong")
    assert grant(api_client, user.username).status_code == 200


def test_createsuperuser_noinput_makes_an_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-and-unusual-passphrase")
    call_command(
        "createsuperuser", "--noinput", "--username", "boss", "--email", "boss@example.test"
    )
    boss = User.objects.get(username="boss")
    assert boss.role == Role.ADMIN and boss.is_superuser and boss.is_staff
    assert boss.check_password("a-long-and-unusual-passphrase")


def test_role_drives_admin_site_access(client, user, operator_user):
    client.force_login(user)
    assert client.get("/admin/").status_code == 302  # not staff: sent to the login page
    client.force_login(operator_user)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/secrets_app/user/add/").status_code == 403


def test_api_client_credentials_are_checked(api_client, user):
    from secrets_app.services.clients import client_register

    client, secret = client_register(name="ci")
    ok = api_client.post(
        "/api/v1/token/create",
        {
            "grant_type": "password",
            "username": user.username,
            "password": PASSWORD,
            "client_id": client.client_id,
            "client_secret": secret,
        },
        format="json",
    )
    assert ok.status_code == 200
    assert Token.objects.get(accessor=ok.json()["accessor"]).client_id == client.pk
    bad = api_client.post(
        "/api/v1/token/create",
        {
            "grant_type": "password",
            "username": user.username,
            "password": PASSWORD,
            "client_id": client.client_id,
            "client_secret": "wrong",
        },
        format="json",
    )
    assert bad.status_code == 401
    assert bad.json() == {"detail": "Invalid client credentials."}


def test_a_user_with_shop_history_is_not_deleted_but_refused(
    api_client, auth_client, admin_user, user, make_token
):
    from decimal import Decimal

    from proxyshop.services.wallet import wallet_topup

    wallet_topup(username=user.username, amount=Decimal("5.00"), note="t", actor=admin_user)
    raw = make_token(user)
    response = auth_client(admin_user).post(f"/api/v1/users/{user.username}/delete")
    assert response.status_code == 409
    assert "deactivate" in response.json()["detail"]
    assert User.objects.filter(username=user.username).exists()
    # nothing changed: the user's token still works
    assert (
        api_client.get("/api/v1/token/lookup-self", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code
        == 200
    )


def test_admin_login_page_is_under_the_same_lockout(client, admin_user):
    setting_set(key="security.lockout_threshold", value=3)
    for _ in range(3):
        response = client.post(
            "/admin/login/", {"username": admin_user.username, "password": "wrong"}
        )
        assert response.status_code == 200  # the form again
    locked = client.post("/admin/login/", {"username": admin_user.username, "password": PASSWORD})
    assert locked.status_code == 200  # still refused: locked out
    assert "_auth_user_id" not in client.session
    assert (
        AuditEvent.objects.filter(action="login.failure", target=admin_user.username).count() == 3
    )
    assert AuditEvent.objects.filter(action="login.locked_out").exists()


def test_page_login_success_clears_the_failure_count(client, user):
    setting_set(key="security.lockout_threshold", value=3)
    client.post("/admin/login/", {"username": user.username, "password": "wrong"})
    client.post("/admin/login/", {"username": user.username, "password": "wrong"})
    assert client.login(username=user.username, password=PASSWORD)
    client.logout()
    client.post("/admin/login/", {"username": user.username, "password": "wrong"})
    client.post("/admin/login/", {"username": user.username, "password": "wrong"})
    assert client.login(username=user.username, password=PASSWORD)
