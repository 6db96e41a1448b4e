"""SMSService over REST: GetNumber, GetCode (blocking with timeout), CancelActivation,
GetBalance."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.long_requests import long_request

from ..services.sms import sms_activation_cancel, sms_balance, sms_code_wait, sms_number_get
from . import serializers as s
from .common import CONFLICT, ERRORS, EXHAUSTED, FLEET, NOT_FOUND


class SmsActivationCreateView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        request=s.SmsNumberRequestSerializer,
        responses={201: s.SmsActivationSerializer, **EXHAUSTED, **ERRORS},
        tags=["sms"],
        operation_id="sms_get_number",
    )
    def post(self, request):
        """GetNumber: rent a number for a service (vk, telegram, mail, max)."""
        data = s.SmsNumberRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        activation = sms_number_get(
            service=v["service"],
            country=v["country"],
            operator=v["operator"],
            account_id=v["account_id"],
            actor=request.user,
        )
        return Response(s.SmsActivationSerializer(activation).data, status=status.HTTP_201_CREATED)


class SmsCodeView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "timeout_seconds", int, description="seconds to wait (default 120, bounded)"
            )
        ],
        responses={
            200: s.SmsCodeResponseSerializer,
            **NOT_FOUND,
            **ERRORS,
            429: OpenApiResponse(
                description="This server already serves as many long-lived requests as it "
                "can (LONG_REQUESTS_PER_PROCESS); Retry-After says when to try again."
            ),
        },
        tags=["sms"],
        operation_id="sms_get_code",
    )
    def get(self, request, activation_id):
        """GetCode: waits up to timeout_seconds for the code; `success: false` with the reason
        otherwise."""
        query = s.SmsCodeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        # A wait holds this thread: one of the process's long-request places, or 429.
        with long_request("SMS code waits"):
            answer = sms_code_wait(
                activation_id=activation_id,
                timeout_seconds=query.validated_data["timeout_seconds"],
            )
        response = Response(s.SmsCodeResponseSerializer(answer).data)
        response["Cache-Control"] = "no-store"
        return response


class SmsCancelView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        request=None,
        responses={200: s.SmsCancelResponseSerializer, **NOT_FOUND, **CONFLICT, **ERRORS},
        tags=["sms"],
        operation_id="sms_cancel",
    )
    def post(self, request, activation_id):
        """CancelActivation (refunded; 409 once a code arrived)."""
        activation = sms_activation_cancel(activation_id=activation_id, actor=request.user)
        return Response({"success": True, "status": activation.status})


class SmsBalanceView(APIView):
    permission_classes = [FLEET]

    @extend_schema(
        responses={200: s.SmsBalanceSerializer, **ERRORS},
        tags=["sms"],
        operation_id="sms_balance",
    )
    def get(self, request):
        """GetBalance of the configured SMS provider."""
        return Response(s.SmsBalanceSerializer(sms_balance()).data)
