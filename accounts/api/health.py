"""GET /api/v1/health: the seed's health check as JSON, 200 or 503."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ..services.health import health_report
from . import serializers as s


class HealthView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        responses={200: s.HealthSerializer, 503: s.HealthSerializer},
        tags=["health"],
        operation_id="health",
        auth=[],
    )
    def get(self, request):
        """Database, Redis, broker and beat freshness; 503 when any fails (for load balancers)."""
        report = health_report()
        code = 200 if report["status"] == "SERVING" else 503
        response = Response(report, status=code)
        response["Cache-Control"] = "no-store"
        return response
