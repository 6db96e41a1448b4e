"""The contract's routes (also mounted at its bare paths) and the task endpoints beyond it."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from core.filters import filterset_parameters
from secrets_app.services.tokens import token_issue
from secrets_app.services.users import password_login, user_signup
from viewstats.services.task_lifecycle import TASK_FIELDS, tasks_retry, tasks_submit

from ..filters import ViewTaskFilter
from ..models import Platform
from ..selectors import task_get, task_history, task_list
from . import serializers as s

ERRORS = {
    401: OpenApiResponse(description="Not authenticated"),
    422: OpenApiResponse(description="Validation error: {detail: [{loc, msg, type}]}"),
}


class UserCreateView(APIView):
    """Create a platform user with role `user` (public)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=s.UserCreateSerializer,
        responses={201: s.UserSerializer, **ERRORS},
        tags=["viewstats"],
        auth=[],
    )
    def post(self, request):
        data = s.UserCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_signup(**data.validated_data)
        return Response(
            {"id": user.id, "username": user.username, "role": user.role},
            status=status.HTTP_201_CREATED,
        )


class LoginView(APIView):
    """Exchange username and password for a Bearer token (`{"type": "Bearer", "token"}`)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=s.LoginSerializer,
        responses={
            200: s.LoginResponseSerializer,
            429: OpenApiResponse(description="Locked out"),
            **ERRORS,
        },
        tags=["viewstats"],
        auth=[],
    )
    def post(self, request):
        data = s.LoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = password_login(**data.validated_data)
        issued = token_issue(user=user, display_name="viewstats login")
        return Response({"type": "Bearer", "token": issued.access_token})


class _SubmitView(APIView):
    platform = ""
    serializer_class: type[Serializer] = s.SubmitVKSerializer

    def post(self, request):
        data = self.serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        tasks = tasks_submit(
            user=request.user,
            platform=self.platform,
            links=data.validated_data["links"],
            recollect_interval=data.validated_data.get("recollect_interval"),
        )
        return Response(s.TaskSerializer(tasks, many=True).data, status=status.HTTP_202_ACCEPTED)


class SubmitVKView(_SubmitView):
    """Queue view collection for VK post links (every common URL form; one task per post)."""

    platform = Platform.VK
    serializer_class = s.SubmitVKSerializer

    @extend_schema(
        request=s.SubmitVKSerializer,
        responses={202: s.TaskSerializer(many=True), **ERRORS},
        tags=["viewstats"],
    )
    def post(self, request):
        return super().post(request)


class SubmitTelegramView(_SubmitView):
    """Queue view collection for public Telegram posts (t.me/<channel>/<id>)."""

    platform = Platform.TELEGRAM
    serializer_class = s.SubmitTelegramSerializer

    @extend_schema(
        request=s.SubmitTelegramSerializer,
        responses={202: s.TaskSerializer(many=True), **ERRORS},
        tags=["viewstats"],
    )
    def post(self, request):
        return super().post(request)


class TaskListView(APIView):
    """The caller's tasks as a bare JSON list (the contract's shape); `page`/`page_size` optional,
    the total in `X-Total-Count`."""

    @extend_schema(
        parameters=filterset_parameters(ViewTaskFilter, [s.TaskListQuerySerializer]),
        responses={200: s.TaskSerializer(many=True), **ERRORS},
        tags=["viewstats"],
    )
    def get(self, request):
        query = s.TaskListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        qs = task_list(user=request.user, filters=request.query_params)
        total = qs.count()
        if "page" in q or "page_size" in q:
            size = q.get("page_size", 50)
            start = (q.get("page", 1) - 1) * size
            qs = qs[start : start + size]
        rows = list(qs.values(*TASK_FIELDS))
        response = Response(s.TaskSerializer(rows, many=True).data)
        response["X-Total-Count"] = str(total)
        return response


class TaskDetailView(APIView):
    """One of the caller's tasks (404 for someone else's)."""

    @extend_schema(
        responses={200: s.TaskDetailSerializer, 404: OpenApiResponse(), **ERRORS},
        tags=["viewstats"],
    )
    def get(self, request, task_id: int):
        return Response(s.TaskDetailSerializer(task_get(user=request.user, task_id=task_id)).data)


class TaskHistoryView(APIView):
    """The task's readings over time, with the change since the previous reading."""

    @extend_schema(
        responses={200: s.HistorySerializer, 404: OpenApiResponse(), **ERRORS}, tags=["viewstats"]
    )
    def get(self, request, task_id: int):
        task = task_get(user=request.user, task_id=task_id)
        readings = task_history(task=task)
        change = readings[-1]["change"] if readings else None
        return Response(
            s.HistorySerializer({"task": task, "readings": readings, "change": change}).data
        )


class TaskRetryView(APIView):
    """Queue a finished task again (a failed one, or a done one for a fresh reading)."""

    @extend_schema(
        request=None,
        responses={202: s.RetryResponseSerializer, 404: OpenApiResponse(), **ERRORS},
        tags=["viewstats"],
    )
    def post(self, request, task_id: int):
        task = task_get(user=request.user, task_id=task_id)
        queued = tasks_retry(task_ids=[task.id], actor=request.user)
        return Response({"queued": queued}, status=status.HTTP_202_ACCEPTED)


CSV_FIELDS = [
    "id",
    "platform",
    "link",
    "status",
    "views",
    "error",
    "posted_at",
    "collected_at",
    "created_at",
    "updated_at",
]


def _cell(value) -> str:
    text = (
        "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))
    )
    # A cell starting with =, +, - or @ would be a formula in a spreadsheet.
    return (
        "'" + text if text[:1] in ("=", "+", "-", "@") and not text.lstrip("-").isdigit() else text
    )


class ExportCSVView(APIView):
    """My tasks with their latest views as CSV (same filters as the list)."""

    @extend_schema(
        parameters=filterset_parameters(ViewTaskFilter),
        responses={(200, "text/csv"): OpenApiTypes.STR, **ERRORS},
        tags=["viewstats"],
    )
    def get(self, request):
        qs = task_list(user=request.user, filters=request.query_params)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_FIELDS)
        for row in qs.values_list(*CSV_FIELDS).iterator(chunk_size=2000):
            writer.writerow([_cell(v) for v in row])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="viewstats.csv"'
        return response
