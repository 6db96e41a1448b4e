"""GET /api/v1/health: the platform's health check as JSON, 200 or 503."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ..health import health_report
from ..outage import quiet
from .fields import enum


class HealthCheckSerializer(serializers.Serializer):
    status = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)


class HealthSerializer(serializers.Serializer):
    status = enum(["SERVING", "NOT_SERVING"])
    down = serializers.ListField(
        child=serializers.CharField(), help_text="The checks that failed (what is down)."
    )
    checks = serializers.DictField(child=HealthCheckSerializer())


class LivenessSerializer(serializers.Serializer):
    status = enum(["alive"])


class LivenessView(APIView):
    """Documents the liveness route: `core.middleware.liveness` answers it before any view."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        responses={200: LivenessSerializer}, tags=["health"], operation_id="health_live", auth=[]
    )
    def get(self, request):
        """The process answers (no database, Redis or broker asked): for container restarts."""
        from ..middleware import liveness_response

        return liveness_response()


class HealthView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        responses={200: HealthSerializer, 503: HealthSerializer},
        tags=["health"],
        operation_id="health",
        auth=[],
    )
    def get(self, request):
        """Readiness: database, Redis and broker; 503 when any fails (for load balancers). Beat
        freshness is reported ("warn" when stale) but never fails it."""
        report = health_report()
        code = 200 if report["status"] == "SERVING" else 503
        response = Response(report, status=code)
        response["Cache-Control"] = "no-store"
        # NOT_SERVING is a report, not a server error: not an ERROR line per probe.
        return quiet(response)
