"""The one error table, and recovery: an unexpected exception is INTERNAL with a generic
message naming the request id; the traceback goes to the log only."""

from __future__ import annotations

import logging

import grpc
import pytest
import redis
from django.db import OperationalError
from google.rpc import error_details_pb2, status_pb2

from core import errors
from grpcapi import errors as table
from grpcapi.gen.conveer import accounts_pb2 as pb
from grpcapi.servicers import accounts as servicer
from tests.accounts.factories import AccountFactory

C = grpc.StatusCode


def rpc_status_of(status: grpc.Status) -> list:
    """The details of a rich status, as a client reads them."""
    for key, value in status.trailing_metadata:
        if key == "grpc-status-details-bin":
            return list(status_pb2.Status.FromString(value).details)
    return []


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (errors.InvalidArgument("x", field="f"), C.INVALID_ARGUMENT),
        (errors.NotFound(), C.NOT_FOUND),
        (errors.AlreadyExists(), C.ALREADY_EXISTS),
        (errors.Conflict(), C.FAILED_PRECONDITION),
        (errors.PermissionDenied(), C.PERMISSION_DENIED),
        (errors.Unauthenticated(), C.UNAUTHENTICATED),
        (errors.ResourceExhausted(), C.RESOURCE_EXHAUSTED),
        (errors.Unavailable(), C.UNAVAILABLE),
        (errors.UpstreamError(), C.UNAVAILABLE),
        (OperationalError("connection refused"), C.UNAVAILABLE),
        (redis.exceptions.ConnectionError("down"), C.UNAVAILABLE),
        (redis.exceptions.TimeoutError("slow"), C.UNAVAILABLE),
        (RuntimeError("boom"), None),
    ],
)
def test_error_table(exc, code):
    assert table.code_for(exc) == code


def test_an_outage_names_no_driver_detail_and_says_when_to_retry():
    try:
        try:
            raise OperationalError("password=hunter2 host=db")
        except OperationalError as exc:
            raise RuntimeError("while reading") from exc
    except RuntimeError as wrapped:
        code, error = table.known(wrapped)
    status = table.status_of(error, code)
    assert code == C.UNAVAILABLE and status.code == C.UNAVAILABLE
    assert "hunter2" not in status.details and "database" in status.details
    details = rpc_status_of(status)
    retry = error_details_pb2.RetryInfo()
    assert details[0].Unpack(retry) and retry.retry_delay.seconds >= 1


@pytest.mark.django_db(transaction=True)
def test_unexpected_error_is_internal_and_logged_with_its_request_id(
    stubs, bearer, operator_user, monkeypatch, caplog
):
    account = AccountFactory()

    def broken(**kwargs):
        raise RuntimeError("boom: internal detail 7731")

    monkeypatch.setattr(servicer, "account_get", broken)
    caplog.set_level(logging.INFO)
    meta = (*bearer(operator_user), ("x-request-id", "req-internal-42"))
    with pytest.raises(grpc.RpcError) as info:
        stubs.accounts.GetAccount(pb.GetAccountRequest(account_id=str(account.pk)), metadata=meta)
    assert info.value.code() == C.INTERNAL
    assert info.value.details() == "Internal error (request id req-internal-42)."
    failed = [r for r in caplog.records if r.name == "grpcapi.interceptors"]
    assert failed and failed[0].exc_info and "7731" in str(failed[0].exc_info[1])
    assert failed[0].request_id == "req-internal-42"
    access = [r for r in caplog.records if r.name == "platform.grpc"]
    assert access and access[-1].code == "INTERNAL"
    assert access[-1].method == "/conveer.AccountService/GetAccount"
