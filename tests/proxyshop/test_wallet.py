from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from core.models import AuditEvent
from proxyshop.models import LedgerEntry, Wallet
from tests.proxyshop.factories import fund

pytestmark = pytest.mark.django_db
TOPUP = "/api/external-proxy/balance/topup"


def test_admin_tops_up_through_the_ledger(auth_client, admin_user, user):
    response = auth_client(admin_user).post(
        TOPUP, {"username": user.username, "amount": "12.50", "note": "welcome"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["balance"] == 12.5
    entry = LedgerEntry.objects.get()
    assert (entry.kind, entry.amount, entry.actor) == ("topup", Decimal("12.50"), "root-admin")
    event = AuditEvent.objects.get(action="proxyshop.balance.topup")
    assert event.target == user.username and event.data["amount"] == "12.50"


def test_topup_refusals(auth_client, admin_user, user):
    assert (
        auth_client(user)
        .post(TOPUP, {"username": user.username, "amount": "5"}, format="json")
        .status_code
        == 403
    )
    client = auth_client(admin_user)
    for body in (
        {"username": user.username, "amount": "-1"},
        {"username": user.username, "amount": "1.001"},
        {"username": user.username, "amount": "abc"},
        {"username": user.username, "amount": "1000000"},
    ):
        assert client.post(TOPUP, body, format="json").status_code == 422, body
    assert (
        client.post(TOPUP, {"username": "ghost", "amount": "5"}, format="json").status_code == 404
    )
    assert not LedgerEntry.objects.exists()


def test_balance_shows_own_balance_and_ledger(auth_client, user):
    fund(user, "3.00")
    body = auth_client(user).get("/api/external-proxy/balance").json()
    assert body["balance"] == 3.0 and body["count"] == 1 and body["currency"] == "USD"
    assert body["entries"][0]["kind"] == "topup" and body["entries"][0]["amount"] == 3.0


def test_balance_can_never_go_negative_in_the_database(user):
    wallet = fund(user, "1.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(pk=wallet.pk).update(balance=Decimal("-0.01"))


def test_check_ledgers_passes_and_catches_drift(user, capsys):
    wallet = fund(user, "5.00")
    call_command("check_ledgers")
    assert "All ledgers balance" in capsys.readouterr().out
    Wallet.objects.filter(pk=wallet.pk).update(balance=Decimal("6.00"))
    with pytest.raises(CommandError, match="1 wallet"):
        call_command("check_ledgers")
