"""Shared bits of the fleet API views."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse

from core.api.pagination import PageNumberPagination
from core.api.permissions import Requires

# Fleet operations: operators and admins whose token carries the fleet power (core.authority).
FLEET = Requires("fleet.read", "fleet.write")

ERRORS = {
    401: OpenApiResponse(description="Not authenticated"),
    403: OpenApiResponse(description="Not allowed (operators and admins run the fleet)"),
    422: OpenApiResponse(description="Validation error: {detail: [{loc, msg, type}]}"),
}
NOT_FOUND = {404: OpenApiResponse(description="No such object")}
CONFLICT = {409: OpenApiResponse(description="The current state forbids this")}
EXHAUSTED = {429: OpenApiResponse(description='{"detail": "no free proxy"}')}


def paginated(view, request, queryset, serializer_class):
    paginator = PageNumberPagination()
    page: list[Any] | None = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)
