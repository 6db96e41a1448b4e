"""SMSService and VKService over gRPC."""

from __future__ import annotations

import threading
import time

import grpc
import pytest
from django.db import connection

from accounts.models import Account, SmsActivation
from accounts.services.sms import sms_poll
from core.registry import setting_set
from grpcapi.gen.conveer import accounts_pb2, sms_pb2, vk_pb2
from tests.accounts.factories import AccountFactory, ProxyFactory
from tests.factories import UserFactory
from tests.grpcapi.conftest import code_of

pytestmark = pytest.mark.django_db(transaction=True)
C = grpc.StatusCode


@pytest.fixture
def configure(admin_user):
    def set_many(**values):
        for key, value in values.items():
            setting_set(key=key, value=value, actor=admin_user)

    return set_many


def connections_to_test_db() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_number_code_cancel_balance(stubs, bearer, operator_user, configure):
    configure(
        **{
            "accounts.sms_sandbox_code_delay": "0.2",
            "accounts.sms_sandbox_balance": "10",
            "accounts.sms_sandbox_price": "2.50",
        }
    )
    meta = bearer(operator_user)
    activation = stubs.sms.GetNumber(sms_pb2.GetNumberRequest(service="vk"), metadata=meta)
    assert activation.status == sms_pb2.SMS_STATUS_WAITING_CODE
    assert activation.phone.startswith("+79") and activation.country == "ru"
    balance = stubs.sms.GetBalance(sms_pb2.GetBalanceRequest(), metadata=meta)
    assert (balance.provider, balance.balance) == ("sandbox", "7.50")
    customer = bearer(UserFactory(role="user"))
    assert code_of(
        lambda: stubs.sms.GetBalance(sms_pb2.GetBalanceRequest(), metadata=customer)
    ) == (C.PERMISSION_DENIED)

    # GetCode blocks until the code is recorded (here: a poll from another thread, as the
    # worker does), holding no database connection meanwhile.
    before = connections_to_test_db()
    during = {}

    def deliver():
        time.sleep(0.8)
        during["connections"] = connections_to_test_db()
        try:
            sms_poll(activation_id=activation.id)
        finally:
            connection.close()

    poller = threading.Thread(target=deliver)
    poller.start()
    started = time.monotonic()
    code = stubs.sms.GetCode(
        sms_pb2.GetCodeRequest(activation_id=activation.id, timeout_seconds=20), metadata=meta
    )
    elapsed = time.monotonic() - started
    poller.join()
    assert code.success and len(code.code) == 6 and code.error == ""
    assert 0.7 < elapsed < 4, elapsed
    # the poller thread's own connection is the only one added while GetCode waited
    assert during["connections"] <= before + 1, (before, during)
    assert SmsActivation.objects.get(pk=activation.id).status == "completed"

    second = stubs.sms.GetNumber(sms_pb2.GetNumberRequest(service="vk"), metadata=meta)
    cancelled = stubs.sms.CancelActivation(
        sms_pb2.CancelActivationRequest(activation_id=second.id), metadata=meta
    )
    assert cancelled.success and cancelled.status == sms_pb2.SMS_STATUS_CANCELLED
    again = sms_pb2.CancelActivationRequest(activation_id=second.id)
    assert code_of(lambda: stubs.sms.CancelActivation(again, metadata=meta)) == (
        C.FAILED_PRECONDITION
    )
    bad = sms_pb2.GetCodeRequest(activation_id="not-a-uuid")
    assert code_of(lambda: stubs.sms.GetCode(bad, metadata=meta)) == C.INVALID_ARGUMENT
    unknown = sms_pb2.GetCodeRequest(activation_id="00000000-0000-0000-0000-000000000000")
    assert code_of(lambda: stubs.sms.GetCode(unknown, metadata=meta)) == C.NOT_FOUND
    configure(**{"accounts.sms_sandbox_balance": "1"})
    broke = sms_pb2.GetNumberRequest(service="vk")
    assert code_of(lambda: stubs.sms.GetNumber(broke, metadata=meta)) == C.RESOURCE_EXHAUSTED


def test_get_code_times_out_without_a_code(stubs, bearer, operator_user, configure):
    configure(**{"accounts.sms_sandbox_code_delay": "100"})
    meta = bearer(operator_user)
    activation = stubs.sms.GetNumber(sms_pb2.GetNumberRequest(service="vk"), metadata=meta)
    started = time.monotonic()
    code = stubs.sms.GetCode(
        sms_pb2.GetCodeRequest(activation_id=activation.id, timeout_seconds=1), metadata=meta
    )
    assert not code.success and code.error.startswith("timeout")
    assert time.monotonic() - started < 3


def test_vk_register_act_and_check(stubs, bearer, operator_user, configure):
    configure(
        **{
            "accounts.driver.sandbox_success_rate": "1",
            "accounts.driver.sandbox_latency_ms": 0,
        }
    )
    meta = bearer(operator_user)
    registered = stubs.vk.Register(
        vk_pb2.RegisterRequest(login="new-vk-login", password="pw-123456", params={"a": "b"}),
        metadata=meta,
    )
    assert registered.success and registered.external_id.startswith("sandbox-")
    account = Account.objects.get(pk=int(registered.account_id))
    assert (account.platform, account.login, account.status) == ("vk", "new-vk-login", "active")
    assert account.password == "pw-123456"
    assert account.additional_data["external_id"] == registered.external_id
    duplicate = vk_pb2.RegisterRequest(login="new-vk-login", password="x")
    assert code_of(lambda: stubs.vk.Register(duplicate, metadata=meta)) == C.ALREADY_EXISTS

    action = vk_pb2.ExecuteActionRequest(
        account_id=registered.account_id, action_type=vk_pb2.ACTION_TYPE_LIKE_POST
    )
    assert code_of(lambda: stubs.vk.ExecuteAction(action, metadata=meta)) == (
        C.FAILED_PRECONDITION  # no proxy yet
    )
    account.proxy = ProxyFactory()
    account.save()
    done = stubs.vk.ExecuteAction(action, metadata=meta)
    assert done.success and done.result.action_type == "like_post"
    assert done.result.data["sandbox"] == "true"
    unspecified = vk_pb2.ExecuteActionRequest(account_id=registered.account_id)
    assert code_of(lambda: stubs.vk.ExecuteAction(unspecified, metadata=meta)) == (
        C.INVALID_ARGUMENT
    )
    telegram = AccountFactory(platform="telegram", proxy=ProxyFactory())
    other = vk_pb2.ExecuteActionRequest(
        account_id=str(telegram.pk), action_type=vk_pb2.ACTION_TYPE_VIEW_PROFILE
    )
    assert code_of(lambda: stubs.vk.ExecuteAction(other, metadata=meta)) == C.INVALID_ARGUMENT

    fine = stubs.vk.CheckAccountStatus(
        vk_pb2.CheckAccountStatusRequest(account_id=registered.account_id), metadata=meta
    )
    assert fine.platform_status == "active" and fine.status == accounts_pb2.ACCOUNT_STATUS_ACTIVE
    configure(**{"accounts.driver.sandbox_ban_rate": "1"})
    banned = stubs.vk.CheckAccountStatus(
        vk_pb2.CheckAccountStatusRequest(account_id=registered.account_id), metadata=meta
    )
    assert banned.platform_status == "banned"
    assert banned.status == accounts_pb2.ACCOUNT_STATUS_BANNED
    assert banned.previous_status == "ACCOUNT_STATUS_ACTIVE"
    assert Account.objects.get(pk=account.pk).status == "banned"
    missing = vk_pb2.CheckAccountStatusRequest(account_id="987654")
    assert code_of(lambda: stubs.vk.CheckAccountStatus(missing, metadata=meta)) == C.NOT_FOUND
