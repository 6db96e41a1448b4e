"""POST /api/v1/telegram/link-code: a one-time code to link the caller's Telegram account."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..services import link_code_issue


class LinkCodeView(APIView):
    @extend_schema(
        tags=["telegram"],
        request=None,
        responses={
            201: inline_serializer(
                "TelegramLinkCode",
                {"code": serializers.CharField(), "expires_at": serializers.DateTimeField()},
            ),
            401: OpenApiResponse(description="Not authenticated"),
        },
        summary="A one-time code (10 minutes, single use) to send to the shop bot as /start CODE",
    )
    def post(self, request):
        code, expires_at = link_code_issue(user=request.user)
        return Response({"code": code, "expires_at": expires_at}, status=201)
