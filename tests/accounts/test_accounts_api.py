"""AccountService over REST: create, list with filters, get, credentials, status."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.db import connection

from accounts.models import Account, AccountStatusChange
from core.models import AuditEvent
from tests.accounts.factories import AccountFactory, ProxyFactory

pytestmark = pytest.mark.django_db


def test_create_encrypts_credentials_and_never_returns_them(auth_client, operator_user):
    client = auth_client(operator_user)
    response = client.post(
        "/api/v1/accounts",
        {
            "platform": "telegram",
            "login": "alice",
            "password": "pa55-word-xyz",
            "phone": "+79991234567",
            "additional": {"session": "sess-token-1"},
            "tags": ["batch1", "ru"],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "creating" and body["tags"] == ["batch1", "ru"]
    assert "pa55-word-xyz" not in response.content.decode()
    assert "password" not in body
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT password, phone, additional_data FROM accounts_account WHERE id=%s",
            [body["id"]],
        )
        raw = " ".join(cursor.fetchone())
    assert "pa55-word-xyz" not in raw and "+79991234567" not in raw and "sess-token" not in raw
    assert Account.objects.get(pk=body["id"]).password == "pa55-word-xyz"


def test_duplicate_login_on_a_platform_is_409(auth_client, operator_user):
    AccountFactory(platform="vk", login="dup")
    response = auth_client(operator_user).post(
        "/api/v1/accounts", {"platform": "vk", "login": "dup", "password": "x"}, format="json"
    )
    assert response.status_code == 409


def test_bad_platform_is_422_with_location(auth_client, operator_user):
    response = auth_client(operator_user).post(
        "/api/v1/accounts", {"platform": "myspace", "login": "a", "password": "x"}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "platform"]


def test_plain_users_cannot_touch_the_fleet(auth_client, user):
    assert auth_client(user).get("/api/v1/accounts").status_code == 403
    assert auth_client(user).post("/api/v1/proxies/allocate", {"account_id": 1}).status_code == 403


def test_list_filters_and_pagination(auth_client, operator_user):
    proxy = ProxyFactory()
    AccountFactory(platform="vk", login="vk-one", status="active", tags=["a"], proxy=proxy)
    AccountFactory(platform="vk", login="vk-two", status="banned", tags=["b"])
    AccountFactory(platform="telegram", login="tg-one", status="active", tags=["a", "b"])
    client = auth_client(operator_user)

    def logins(query):
        response = client.get("/api/v1/accounts" + query)
        assert response.status_code == 200, response.content
        return sorted(a["login"] for a in response.json()["results"])

    assert logins("?platform=vk") == ["vk-one", "vk-two"]
    assert logins("?status=active") == ["tg-one", "vk-one"]
    assert logins("?tag=b") == ["tg-one", "vk-two"]
    assert logins("?has_proxy=true") == ["vk-one"]
    assert logins("?has_proxy=false") == ["tg-one", "vk-two"]
    assert logins("?q=one") == ["tg-one", "vk-one"]
    assert logins("?platform=vk&status=active&tag=a") == ["vk-one"]
    page = client.get("/api/v1/accounts?page_size=2").json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    bad = client.get("/api/v1/accounts?status=sleeping")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "status"]


def test_get_account_and_404(auth_client, operator_user):
    account = AccountFactory()
    client = auth_client(operator_user)
    body = client.get(f"/api/v1/accounts/{account.pk}").json()
    assert body["login"] == account.login and "password" not in body
    assert client.get("/api/v1/accounts/999999").status_code == 404


def test_credentials_need_the_dedicated_permission(auth_client, operator_user, admin_user):
    account = AccountFactory(password="hunter2-secret", phone="+7000", additional_data={"k": "v"})
    url = f"/api/v1/accounts/{account.pk}/credentials"
    denied = auth_client(operator_user).get(url)
    assert denied.status_code == 403
    assert AuditEvent.objects.filter(
        action="account.credentials_reveal", outcome="denied", actor_id=operator_user.pk
    ).exists()

    allowed = auth_client(admin_user).get(url)
    assert allowed.status_code == 200
    assert allowed.json() == {
        "login": account.login,
        "password": "hunter2-secret",
        "phone": "+7000",
        "additional": {"k": "v"},
    }
    assert allowed["Cache-Control"] == "no-store"

    operator_user.user_permissions.add(Permission.objects.get(codename="view_credentials"))
    assert auth_client(operator_user).get(url).status_code == 200

    reveals = AuditEvent.objects.filter(action="account.credentials_reveal", outcome="success")
    assert reveals.count() == 2
    dumped = json.dumps(list(AuditEvent.objects.values()), default=str)
    assert "hunter2-secret" not in dumped


def test_status_endpoint_returns_previous_status_and_409(auth_client, operator_user):
    account = AccountFactory(status="active")
    client = auth_client(operator_user)
    ok = client.post(
        f"/api/v1/accounts/{account.pk}/status",
        {"status": "suspended", "reason": "spam report"},
        format="json",
    )
    assert ok.status_code == 200
    assert ok.json() == {"success": True, "previous_status": "active"}
    change = AccountStatusChange.objects.get(account=account)
    assert change.reason == "spam report" and change.actor == operator_user
    refused = client.post(
        f"/api/v1/accounts/{account.pk}/status", {"status": "warming"}, format="json"
    )
    assert refused.status_code == 409
    assert "suspended" in refused.json()["detail"]
    assert (
        client.post(
            f"/api/v1/accounts/{account.pk}/status", {"status": "nope"}, format="json"
        ).status_code
        == 422
    )
