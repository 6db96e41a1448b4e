"""VKService over REST: register, execute an action, check an account (sandbox drivers)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from ..services.platform_actions import (
    account_action_execute,
    account_platform_check,
    account_register,
)
from . import serializers as s
from .common import CONFLICT, ERRORS, FLEET, NOT_FOUND

PLATFORM = "vk"


class VkRegisterView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        request=s.VkRegisterSerializer,
        responses={
            201: s.VkRegisterResponseSerializer,
            200: s.VkRegisterResponseSerializer,
            **CONFLICT,
            **ERRORS,
        },
        tags=["vk"],
        operation_id="vk_register",
    )
    def post(self, request):
        """Register: 201 with the new fleet account, or 200 with `success: false` and the
        platform's refusal; 409 when the fleet has the login already."""
        data = s.VkRegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = account_register(
            platform=PLATFORM,
            login=v["login"],
            password=v["password"],
            phone=v["phone"],
            params=v["params"],
            actor=request.user,
        )
        code = status.HTTP_201_CREATED if result["success"] else status.HTTP_200_OK
        return Response(s.VkRegisterResponseSerializer(result).data, status=code)


class VkActionView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        request=s.VkActionSerializer,
        responses={200: s.VkActionResponseSerializer, **NOT_FOUND, **CONFLICT, **ERRORS},
        tags=["vk"],
        operation_id="vk_execute_action",
    )
    def post(self, request):
        """ExecuteAction as the account, through its proxy (409 without one)."""
        data = s.VkActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = account_action_execute(
            account_id=v["account_id"],
            action_type=v["action_type"],
            params=v["params"],
            platform=PLATFORM,
            actor=request.user,
        )
        body = {
            "success": result.success,
            "error": result.error,
            "result": {
                "action_type": result.action_type,
                "duration_ms": result.duration_ms,
                "data": result.data,
            },
        }
        return Response(s.VkActionResponseSerializer(body).data)


class VkAccountStatusView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        request=None,
        responses={200: s.VkStatusResponseSerializer, **NOT_FOUND, **ERRORS},
        tags=["vk"],
        operation_id="vk_check_account_status",
    )
    def post(self, request, account_id: int):
        """CheckAccountStatus: a ban or suspension the platform reports moves the account."""
        answer = account_platform_check(
            account_id=account_id, platform=PLATFORM, actor=request.user
        )
        return Response(s.VkStatusResponseSerializer(answer).data)
