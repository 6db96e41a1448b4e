"""conveer.SMSService over the fleet's SMS services (REST: accounts/api/sms.py)."""

from __future__ import annotations

from accounts.models import Platform, SmsActivation
from accounts.services.sms import (
    sms_activation_cancel,
    sms_balance,
    sms_code_wait,
    sms_number_get,
)
from core.context import current_actor
from core.errors import InvalidArgument
from grpcapi.convert import enum_number, parse_uuid, ts
from grpcapi.gen.conveer import sms_pb2 as pb
from grpcapi.gen.conveer import sms_pb2_grpc
from grpcapi.limits import LongCalls

STATUS = "SMS_STATUS_"
DEFAULT_CODE_TIMEOUT = 120

POWERS: dict[str, str | None] = {
    "GetNumber": "fleet.write",
    "GetCode": "fleet.read",
    "CancelActivation": "fleet.write",
    "GetBalance": "fleet.read",
}


def status_number(word: str) -> int:
    return enum_number(pb.SMSStatus, STATUS, word)


def activation_message(activation: SmsActivation) -> pb.SMSActivation:
    return pb.SMSActivation(
        id=str(activation.pk),
        phone=activation.phone,
        service=activation.service,
        country=activation.country,
        status=status_number(activation.status),  # type: ignore[arg-type]
        expires_at=ts(activation.expires_at),
    )


class SmsServicer(sms_pb2_grpc.SMSServiceServicer):
    def __init__(self, *, long_calls: LongCalls) -> None:
        self.long_calls = long_calls

    def GetNumber(self, request, context):  # noqa: N802 - the contract's names
        if request.service not in Platform.values:
            raise InvalidArgument(
                f"Unknown service {request.service!r}; expected one of "
                f"{', '.join(Platform.values)}.",
                field="service",
            )
        activation = sms_number_get(
            service=request.service,
            country=request.country or "ru",
            operator=request.operator,
            actor=current_actor().user,
        )
        return activation_message(activation)

    def GetCode(self, request, context):  # noqa: N802
        activation_id = parse_uuid(request.activation_id, field="activation_id")
        if request.timeout_seconds < 0:
            raise InvalidArgument("timeout_seconds must be 0 or more.", field="timeout_seconds")
        timeout = request.timeout_seconds or DEFAULT_CODE_TIMEOUT
        remaining = context.time_remaining()
        if remaining is not None:
            # never wait past the client's own deadline
            timeout = max(0, min(timeout, int(remaining) - 1))
        with self.long_calls.slot():
            answer = sms_code_wait(activation_id=activation_id, timeout_seconds=timeout)
        return pb.GetCodeResponse(
            code=answer["code"], success=answer["success"], error=answer["error"]
        )

    def CancelActivation(self, request, context):  # noqa: N802
        activation_id = parse_uuid(request.activation_id, field="activation_id")
        activation = sms_activation_cancel(activation_id=activation_id, actor=current_actor().user)
        return pb.CancelActivationResponse(
            success=True,
            status=status_number(activation.status),  # type: ignore[arg-type]
        )

    def GetBalance(self, request, context):  # noqa: N802
        balance = sms_balance()
        return pb.GetBalanceResponse(provider=balance["provider"], balance=str(balance["balance"]))
