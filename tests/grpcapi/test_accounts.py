"""AccountService over gRPC: generated stubs against a real server, same tokens, powers and
audit as REST."""

from __future__ import annotations

import logging

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from accounts.models import Account, AccountStatusChange
from core.models import AuditEvent
from grpcapi.gen.conveer import accounts_pb2 as pb
from tests.accounts.factories import AccountFactory, ProxyFactory
from tests.factories import UserFactory
from tests.grpcapi.conftest import code_of

pytestmark = pytest.mark.django_db(transaction=True)
C = grpc.StatusCode


def test_get_account_and_its_errors(stubs, bearer, operator_user):
    proxy = ProxyFactory()
    account = AccountFactory(tags=["b", "a"], proxy=proxy)
    meta = bearer(operator_user)

    got = stubs.accounts.GetAccount(pb.GetAccountRequest(account_id=str(account.pk)), metadata=meta)
    assert got.id == str(account.pk) and got.login == account.login and got.platform == "vk"
    assert got.status == pb.ACCOUNT_STATUS_ACTIVE
    assert list(got.tags) == ["b", "a"] and got.proxy_id == str(proxy.pk) and got.has_proxy
    assert got.created_at.ToDatetime().year == account.created_at.year

    missing = pb.GetAccountRequest(account_id=str(account.pk + 1000))
    assert code_of(lambda: stubs.accounts.GetAccount(missing, metadata=meta)) == C.NOT_FOUND

    with pytest.raises(grpc.RpcError) as info:
        stubs.accounts.GetAccount(pb.GetAccountRequest(account_id="12x"), metadata=meta)
    assert info.value.code() == C.INVALID_ARGUMENT
    status = rpc_status.from_call(info.value)
    bad = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad)
    assert [(v.field, "decimal" in v.description) for v in bad.field_violations] == [
        ("account_id", True)
    ]


def test_tokens_are_checked_as_rest_checks_them(stubs, make_token, operator_user):
    account = AccountFactory()
    request = pb.GetAccountRequest(account_id=str(account.pk))

    def call(metadata):
        return stubs.accounts.GetAccount(request, metadata=metadata)

    assert code_of(lambda: call(())) == C.UNAUTHENTICATED
    assert code_of(lambda: call((("authorization", "Bearer nope"),))) == C.UNAUTHENTICATED
    vault = (("x-vault-token", make_token(operator_user)),)
    assert call(vault).id == str(account.pk)

    once = (("authorization", f"Bearer {make_token(operator_user, num_uses=1)}"),)
    assert call(once).id == str(account.pk)
    assert code_of(lambda: call(once)) == C.UNAUTHENTICATED  # its one use is spent

    elsewhere = make_token(operator_user, bound_cidrs=["10.0.0.0/8"])
    assert code_of(lambda: call((("authorization", f"Bearer {elsewhere}"),))) == (C.UNAUTHENTICATED)

    plain_user = UserFactory(role="user")
    denied = (("authorization", f"Bearer {make_token(plain_user)}"),)
    assert code_of(lambda: call(denied)) == C.PERMISSION_DENIED


def test_get_credentials_is_gated_audited_and_never_logged(
    stubs, bearer, admin_user, operator_user, caplog
):
    caplog.set_level(logging.DEBUG)
    account = AccountFactory(password="Pa55-unique-secret", additional_data={"token": "t-9"})
    request = pb.GetCredentialsRequest(account_id=str(account.pk))
    meta = (*bearer(admin_user), ("x-request-id", "grpc-req-000123"))

    creds = stubs.accounts.GetCredentials(request, metadata=meta)
    assert creds.login == account.login and creds.password == "Pa55-unique-secret"
    assert creds.phone == account.phone and dict(creds.additional) == {"token": "t-9"}

    reveal = AuditEvent.objects.get(action="account.credentials_reveal", outcome="success")
    assert reveal.actor_id == admin_user.pk and reveal.accessor
    assert reveal.ip == "127.0.0.1" and reveal.request_id == "grpc-req-000123"

    # an admin's token restricted to the default policy is refused, as REST refuses it
    restricted = bearer(admin_user, policies=["default"])
    assert code_of(lambda: stubs.accounts.GetCredentials(request, metadata=restricted)) == (
        C.PERMISSION_DENIED
    )
    operator = bearer(operator_user)
    assert code_of(lambda: stubs.accounts.GetCredentials(request, metadata=operator)) == (
        C.PERMISSION_DENIED
    )
    assert (
        AuditEvent.objects.filter(action="account.credentials_reveal", outcome="denied").count()
        == 2
    )

    audit_text = " ".join(str(row) for row in AuditEvent.objects.values())
    assert "Pa55-unique-secret" not in audit_text
    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    assert "GetCredentials" in logged  # the access line was captured
    assert "Pa55-unique-secret" not in logged


def test_update_status_returns_the_previous_one(stubs, bearer, operator_user):
    account = AccountFactory(status="active")
    meta = bearer(operator_user)
    answer = stubs.accounts.UpdateStatus(
        pb.UpdateStatusRequest(
            account_id=str(account.pk), status=pb.ACCOUNT_STATUS_SUSPENDED, reason="checks"
        ),
        metadata=meta,
    )
    assert answer.success and answer.previous_status == "ACCOUNT_STATUS_ACTIVE"
    assert Account.objects.get(pk=account.pk).status == "suspended"
    change = AccountStatusChange.objects.get(account=account)
    assert change.reason == "checks" and change.actor_id == operator_user.pk

    deleted = AccountFactory(status="deleted")
    forbidden = pb.UpdateStatusRequest(account_id=str(deleted.pk), status=pb.ACCOUNT_STATUS_ACTIVE)
    assert code_of(lambda: stubs.accounts.UpdateStatus(forbidden, metadata=meta)) == (
        C.FAILED_PRECONDITION
    )
    unspecified = pb.UpdateStatusRequest(account_id=str(account.pk))
    assert code_of(lambda: stubs.accounts.UpdateStatus(unspecified, metadata=meta)) == (
        C.INVALID_ARGUMENT
    )


def test_list_accounts_filters_and_pages(stubs, bearer, operator_user):
    AccountFactory.create_batch(3, platform="vk", status="active", tags=["farm"])
    AccountFactory(platform="telegram", status="banned")
    meta = bearer(operator_user)

    everything = stubs.accounts.ListAccounts(pb.ListAccountsRequest(), metadata=meta)
    assert everything.total == 4 and len(everything.accounts) == 4
    vk = stubs.accounts.ListAccounts(
        pb.ListAccountsRequest(platform="vk", tag="farm", page=2, page_size=2), metadata=meta
    )
    assert vk.total == 3 and len(vk.accounts) == 1 and vk.page == 2 and vk.page_size == 2
    banned = stubs.accounts.ListAccounts(
        pb.ListAccountsRequest(status=pb.ACCOUNT_STATUS_BANNED, has_proxy=False), metadata=meta
    )
    assert [a.platform for a in banned.accounts] == ["telegram"]
    bad = pb.ListAccountsRequest(platform="myspace")
    assert code_of(lambda: stubs.accounts.ListAccounts(bad, metadata=meta)) == (C.INVALID_ARGUMENT)


def test_calls_reuse_the_cache_client_of_their_thread(stubs, bearer, operator_user, monkeypatch):
    """grpcio gives every call a fresh context; Django's cache objects are per context, so
    without the interceptor's per-thread context each call would connect to Redis anew."""
    from django.core.cache import caches

    from grpcapi.servicers import accounts as servicer

    account = AccountFactory()
    seen = []
    real = servicer.account_get

    def recording(**kwargs):
        seen.append(caches["default"])  # kept alive, so a new one cannot reuse an old id
        return real(**kwargs)

    monkeypatch.setattr(servicer, "account_get", recording)
    meta = bearer(operator_user)
    for _ in range(10):
        stubs.accounts.GetAccount(pb.GetAccountRequest(account_id=str(account.pk)), metadata=meta)
    assert len(seen) == 10 and len({id(c) for c in seen}) <= 3  # one per server thread used
