"""conveer.VKService over the platform-action services (REST: accounts/api/vk.py)."""

from __future__ import annotations

from accounts.services.platform_actions import (
    account_action_execute,
    account_platform_check,
    account_register,
)
from core.context import current_actor
from grpcapi.convert import enum_name, enum_number, enum_word, id_text, require_id
from grpcapi.gen.conveer import accounts_pb2, vk_pb2_grpc
from grpcapi.gen.conveer import vk_pb2 as pb

PLATFORM = "vk"
ACTION = "ACTION_TYPE_"
STATUS = "ACCOUNT_STATUS_"

POWERS: dict[str, str | None] = {
    "Register": "fleet.write",
    "ExecuteAction": "fleet.write",
    "CheckAccountStatus": "fleet.write",
}


class VkServicer(vk_pb2_grpc.VKServiceServicer):
    def Register(self, request, context):  # noqa: N802 - the contract's names
        result = account_register(
            platform=PLATFORM,
            login=request.login,
            password=request.password,
            phone=request.phone,
            params=dict(request.params),
            actor=current_actor().user,
        )
        return pb.RegisterResponse(
            success=result["success"],
            account_id=id_text(result["account_id"]),
            external_id=result["external_id"],
            error=result["error"],
        )

    def ExecuteAction(self, request, context):  # noqa: N802
        account_id = require_id(request.account_id, field="account_id")
        action_type = enum_word(pb.ActionType, ACTION, request.action_type, field="action_type")
        result = account_action_execute(
            account_id=account_id,
            action_type=action_type,
            params=dict(request.params),
            platform=PLATFORM,
            actor=current_actor().user,
        )
        return pb.ExecuteActionResponse(
            success=result.success,
            error=result.error,
            result=pb.ActionResult(
                action_type=result.action_type, duration_ms=result.duration_ms, data=result.data
            ),
        )

    def CheckAccountStatus(self, request, context):  # noqa: N802
        account_id = require_id(request.account_id, field="account_id")
        answer = account_platform_check(
            account_id=account_id, platform=PLATFORM, actor=current_actor().user
        )
        return pb.CheckAccountStatusResponse(
            account_id=str(answer["account_id"]),
            platform_status=answer["platform_status"],
            detail=answer["detail"],
            status=enum_number(accounts_pb2.AccountStatus, STATUS, answer["status"]),  # type: ignore[arg-type]
            previous_status=enum_name(STATUS, answer["previous_status"]),
        )
