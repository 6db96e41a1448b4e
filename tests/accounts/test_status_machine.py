"""The account status state machine, its history and its audit trail."""

from __future__ import annotations

import pytest

from accounts.models import AccountStatus, AccountStatusChange
from accounts.services.accounts import TRANSITIONS, account_status_change
from core.errors import Conflict, NotFound, PermissionDenied
from core.models import AuditEvent
from tests.accounts.factories import AccountFactory, ProxyFactory

pytestmark = pytest.mark.django_db
S = AccountStatus


def test_change_returns_previous_status_and_keeps_history(operator_user):
    account = AccountFactory(status=S.ACTIVE)
    previous = account_status_change(
        account_id=account.pk, new_status=S.WARMING, reason="start", actor=operator_user
    )
    assert previous == S.ACTIVE
    account.refresh_from_db()
    assert account.status == S.WARMING
    change = AccountStatusChange.objects.get(account=account)
    assert (change.previous_status, change.new_status, change.reason) == (
        "active",
        "warming",
        "start",
    )
    assert change.actor == operator_user and change.actor_name == operator_user.username
    event = AuditEvent.objects.get(action="account.status_change", target=str(account.pk))
    assert event.data["previous_status"] == "active" and event.actor_id == operator_user.pk


def test_component_actor_is_recorded_by_name():
    account = AccountFactory(status=S.ACTIVE)
    account_status_change(account_id=account.pk, new_status=S.WARMING, actor="warming")
    change = AccountStatusChange.objects.get(account=account)
    assert change.actor is None and change.actor_name == "warming"


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (S.DELETED, S.ACTIVE),
        (S.CREATING, S.WARMING),
        (S.BANNED, S.WARMING),
        (S.SUSPENDED, S.WARMING),
    ],
)
def test_forbidden_transition_is_a_conflict_and_audited_as_denied(start, target):
    account = AccountFactory(status=start)
    with pytest.raises(Conflict):
        account_status_change(account_id=account.pk, new_status=target)
    account.refresh_from_db()
    assert account.status == start
    assert not AccountStatusChange.objects.exists()
    assert AuditEvent.objects.filter(
        action="account.status_change", outcome="denied", target=str(account.pk)
    ).exists()


def test_every_documented_transition_is_allowed():
    for start, targets in TRANSITIONS.items():
        for target in targets:
            if (start, target) == (S.BANNED, S.ACTIVE):
                continue
            account = AccountFactory(status=start)
            assert account_status_change(account_id=account.pk, new_status=target) == start


def test_unban_needs_an_admin(operator_user, admin_user):
    account = AccountFactory(status=S.BANNED)
    with pytest.raises(PermissionDenied):
        account_status_change(account_id=account.pk, new_status=S.ACTIVE, actor=operator_user)
    assert (
        account_status_change(account_id=account.pk, new_status=S.ACTIVE, actor=admin_user)
        == S.BANNED
    )


def test_same_status_is_a_no_op():
    account = AccountFactory(status=S.ACTIVE)
    assert account_status_change(account_id=account.pk, new_status=S.ACTIVE) == S.ACTIVE
    assert not AccountStatusChange.objects.exists()


def test_deleting_releases_the_proxy():
    account = AccountFactory(status=S.ACTIVE, proxy=ProxyFactory())
    account_status_change(account_id=account.pk, new_status=S.DELETED)
    account.refresh_from_db()
    assert account.proxy_id is None


def test_unknown_account_is_not_found():
    with pytest.raises(NotFound):
        account_status_change(account_id=999999, new_status=S.ACTIVE)
