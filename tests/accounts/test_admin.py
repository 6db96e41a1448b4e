"""The fleet's admin screens: no credentials in lists, audited reveal, status history,
proxies with health and bound accounts, SMS activations, the dashboard."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Account, AccountStatusChange, Proxy, SmsActivation
from accounts.services.sms import sms_number_get
from core.models import AuditEvent
from tests.accounts.factories import AccountFactory, ProxyFactory

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_account_list_and_page_never_show_credentials(operator_user):
    proxy = ProxyFactory(password="proxy-secret-x")
    account = AccountFactory(password="acct-secret-x", phone="+7999555", proxy=proxy)
    client = login(operator_user)
    listing = client.get("/admin/accounts/account/")
    assert listing.status_code == 200
    page = client.get(f"/admin/accounts/account/{account.pk}/change/")
    assert page.status_code == 200
    for html in (listing.content.decode(), page.content.decode()):
        assert account.login in html
        assert "acct-secret-x" not in html and "+7999555" not in html
    proxies = client.get("/admin/accounts/proxy/").content.decode()
    assert "proxy-secret-x" not in proxies
    proxy_page = client.get(f"/admin/accounts/proxy/{proxy.pk}/change/").content.decode()
    assert "proxy-secret-x" not in proxy_page and account.login in proxy_page  # bound accounts


def test_reveal_is_confirmed_by_post_audited_and_permission_gated(operator_user, admin_user):
    account = AccountFactory(password="reveal-me-42")
    url = f"/admin/accounts/account/{account.pk}/reveal/"
    assert login(operator_user).post(url).status_code == 403
    assert AuditEvent.objects.filter(
        action="account.credentials_reveal", outcome="denied", actor_id=operator_user.pk
    ).exists()
    admin = login(admin_user)
    confirm = admin.get(url)
    assert confirm.status_code == 200 and "reveal-me-42" not in confirm.content.decode()
    shown = admin.post(url)
    assert "reveal-me-42" in shown.content.decode()
    assert (
        AuditEvent.objects.filter(
            action="account.credentials_reveal", outcome="success", actor_id=admin_user.pk
        ).count()
        == 1
    )


def test_status_form_uses_the_state_machine(operator_user):
    account = AccountFactory(status="active")
    client = login(operator_user)
    url = f"/admin/accounts/account/{account.pk}/status/"
    ok = client.post(url, {"status": "suspended", "reason": "manual review"})
    assert ok.status_code == 302
    assert AccountStatusChange.objects.get(account=account).reason == "manual review"
    refused = client.post(url, {"status": "warming"})
    assert refused.status_code == 200 and "cannot go from suspended" in refused.content.decode()
    page = client.get(f"/admin/accounts/account/{account.pk}/change/").content.decode()
    assert "manual review" in page  # history inline


def test_add_account_in_admin_goes_through_the_service(operator_user):
    client = login(operator_user)
    response = client.post(
        "/admin/accounts/account/add/",
        {
            "platform": "vk",
            "login": "admin-made",
            "password": "pw-from-admin",
            "phone": "",
            "additional_data": "{}",
            "tags": "x, y",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account = Account.objects.get(login="admin-made")
    assert account.password == "pw-from-admin" and account.tags == ["x", "y"]
    assert AuditEvent.objects.filter(action="account.create", target=str(account.pk)).exists()


def test_bulk_status_action(operator_user):
    accounts = AccountFactory.create_batch(2, status="active")
    deleted = AccountFactory(status="deleted")
    client = login(operator_user)
    client.post(
        "/admin/accounts/account/",
        {
            "action": "mark_banned",
            "_selected_action": [a.pk for a in [*accounts, deleted]],
        },
    )
    statuses = sorted(Account.objects.values_list("status", flat=True))
    assert statuses == ["banned", "banned", "deleted"]


def test_proxy_add_and_health_action(operator_user):
    client = login(operator_user)
    response = client.post(
        "/admin/accounts/proxy/add/",
        {"host": "127.0.0.1", "port": "9", "protocol": "socks5", "username": "", "password": ""},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    proxy = Proxy.objects.get(port=9)
    client.post(
        "/admin/accounts/proxy/", {"action": "check_health", "_selected_action": [proxy.pk]}
    )
    proxy.refresh_from_db()
    assert proxy.consecutive_failures == 1 and proxy.last_error


def test_dashboard_and_sms_list(operator_user):
    AccountFactory.create_batch(3, platform="telegram", status="active")
    AccountFactory(platform="vk", status="banned")
    sms_number_get(service="vk")
    client = login(operator_user)
    dashboard = client.get("/admin/accounts/account/dashboard/")
    assert dashboard.status_code == 200
    html = dashboard.content.decode()
    assert "Accounts by platform and status (4)" in html and "Telegram" in html
    assert client.get("/admin/accounts/smsactivation/").status_code == 200
    activation = SmsActivation.objects.get()
    client.post(
        "/admin/accounts/smsactivation/", {"action": "cancel", "_selected_action": [activation.pk]}
    )
    activation.refresh_from_db()
    assert activation.status == "cancelled"


def test_plain_user_has_no_admin(user):
    assert login(user).get("/admin/accounts/account/").status_code == 302


def test_admin_edits_are_audited_without_secrets(operator_user):
    account = AccountFactory(tags=["old"])
    proxy = ProxyFactory(password="keep-me")
    client = login(operator_user)
    response = client.post(
        f"/admin/accounts/account/{account.pk}/change/",
        {
            "tags": '["new", "b"]',
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Account.objects.get(pk=account.pk).tags == ["b", "new"]
    assert AuditEvent.objects.get(action="account.tags_set").data["old"] == ["old"]
    client.post("/admin/accounts/proxy/", {"action": "disable", "_selected_action": [proxy.pk]})
    proxy.refresh_from_db()
    assert proxy.is_disabled and AuditEvent.objects.filter(action="proxy.disable").exists()
    assert proxy.password == "keep-me"


def test_fleet_overview_page(operator_user, user):
    AccountFactory(platform="telegram", login="page-tg", status="active")
    AccountFactory(platform="vk", login="page-vk", status="banned", password="pw-not-shown")
    client = login(operator_user)
    html = client.get("/fleet/?platform=telegram").content.decode()
    assert "page-tg" in html and "page-vk" not in html and "pw-not-shown" not in html
    assert "Accounts by platform and status (2)" in html
    assert login(user).get("/fleet/").status_code == 403
    assert Client().get("/fleet/").status_code == 302
