"""WarmingService over REST: tasks, pause/resume/stop, statistics, scenarios, SSE events."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import ClassVar

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, renderers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.common import FLEET
from core.api.pagination import PAGE_PARAMETERS
from core.errors import InvalidArgument
from core.filters import filterset_parameters
from core.ints import is_int_text

from .. import selectors
from ..events import EVENT_TYPES, event_stream
from ..filters import WarmingTaskFilter
from ..services import (
    scenario_create,
    warming_pause,
    warming_resume,
    warming_start,
    warming_stop,
)
from ..streams import AdmittedStream, StreamSlot
from . import serializers as s

ERRORS = {
    401: OpenApiResponse(description="Not authenticated"),
    403: OpenApiResponse(description="Operators and admins only"),
    404: OpenApiResponse(description="Not found"),
    409: OpenApiResponse(description="The task's or account's state forbids it"),
    422: OpenApiResponse(description="Validation error: {detail: [{loc, msg, type}]}"),
}
TAGS = ["warming"]
EVENT_ID = re.compile(r"\d{1,20}(-\d{1,20})?")  # Redis stream ids; plain ints in DB mode


class WarmingTaskListView(generics.ListAPIView):
    """GET: warming tasks (filters status, account_id, scenario_id, platform).
    POST: StartWarming."""

    permission_classes = [FLEET]
    serializer_class = s.WarmingTaskSerializer

    def get_queryset(self):
        return selectors.task_list(filters=self.request.query_params)

    @extend_schema(
        parameters=filterset_parameters(WarmingTaskFilter, PAGE_PARAMETERS),
        responses={200: s.WarmingTaskSerializer(many=True), **ERRORS},
        tags=TAGS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.StartWarmingSerializer,
        responses={201: s.WarmingTaskSerializer, **ERRORS},
        tags=TAGS,
    )
    def post(self, request):
        data = s.StartWarmingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        task = warming_start(
            account_id=v["account_id"],
            scenario_id=v.get("scenario_id") or None,
            duration_days=v.get("duration_days"),
            actor=request.user,
        )
        return Response(s.WarmingTaskSerializer(task).data, status=status.HTTP_201_CREATED)


class WarmingTaskDetailView(APIView):
    """GetWarmingStatus."""

    permission_classes = [FLEET]

    @extend_schema(responses={200: s.WarmingTaskSerializer, **ERRORS}, tags=TAGS)
    def get(self, request, task_id: int):
        return Response(s.WarmingTaskSerializer(selectors.task_get(task_id=task_id)).data)


class _TaskActionView(APIView):
    permission_classes = [FLEET]
    service: ClassVar[Callable[..., object] | None] = None

    def _answer(self, request, task_id: int, **kwargs):
        service = type(self).service
        assert service is not None, "each action view names its service"
        service(task_id=task_id, actor=request.user, **kwargs)
        return Response(s.WarmingTaskSerializer(selectors.task_get(task_id=task_id)).data)


class WarmingPauseView(_TaskActionView):
    """PauseWarming: no new action starts once this answers."""

    service = warming_pause

    @extend_schema(request=None, responses={200: s.WarmingTaskSerializer, **ERRORS}, tags=TAGS)
    def post(self, request, task_id: int):
        return self._answer(request, task_id)


class WarmingResumeView(_TaskActionView):
    """ResumeWarming: the remaining plan shifts by the length of the pause."""

    service = warming_resume

    @extend_schema(request=None, responses={200: s.WarmingTaskSerializer, **ERRORS}, tags=TAGS)
    def post(self, request, task_id: int):
        return self._answer(request, task_id)


class WarmingStopView(_TaskActionView):
    """StopWarming: ends the task (failed, error names who stopped it); account back to active."""

    service = warming_stop

    @extend_schema(
        request=s.StopWarmingSerializer,
        responses={200: s.WarmingTaskSerializer, **ERRORS},
        tags=TAGS,
    )
    def post(self, request, task_id: int):
        data = s.StopWarmingSerializer(data=request.data or {})
        data.is_valid(raise_exception=True)
        return self._answer(request, task_id, reason=data.validated_data.get("reason", ""))


class WarmingStatisticsView(APIView):
    """GetStatistics."""

    permission_classes = [FLEET]

    @extend_schema(responses={200: s.StatisticsSerializer, **ERRORS}, tags=TAGS)
    def get(self, request):
        return Response(s.StatisticsSerializer(selectors.warming_statistics()).data)


class ScenarioListView(generics.ListAPIView):
    """GET: scenarios. POST: create one (definition validated; 422 lists every problem)."""

    permission_classes = [FLEET]
    serializer_class = s.ScenarioSerializer

    def get_queryset(self):
        return selectors.scenario_list()

    @extend_schema(responses={200: s.ScenarioSerializer(many=True), **ERRORS}, tags=TAGS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.ScenarioSerializer, responses={201: s.ScenarioSerializer, **ERRORS}, tags=TAGS
    )
    def post(self, request):
        data = s.ScenarioSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        scenario = scenario_create(
            id=v["id"],
            name=v.get("name", ""),
            description=v.get("description", ""),
            definition=v["definition"],
            actor=request.user,
        )
        return Response(s.ScenarioSerializer(scenario).data, status=status.HTTP_201_CREATED)


class EventStreamRenderer(renderers.BaseRenderer):
    media_type = "text/event-stream"
    format = "sse"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only error answers pass through here (the stream itself bypasses renderers).
        return json.dumps(data).encode()


class WarmingEventsView(APIView):
    """StreamEvents as Server-Sent Events. Resume with the `Last-Event-ID` header (or
    ?last_event_id=) from the bounded recent history; `timeout` ends the stream after that
    many seconds (clients reconnect)."""

    permission_classes = [FLEET]
    renderer_classes = [EventStreamRenderer, renderers.JSONRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("task_id", int, description="Only this task's events."),
            OpenApiParameter(
                "event_types", str, description="Comma-separated: " + ", ".join(EVENT_TYPES)
            ),
            OpenApiParameter("last_event_id", str, description="Resume after this event id."),
            OpenApiParameter("timeout", int, description="Close the stream after N seconds."),
        ],
        responses={
            (200, "text/event-stream"): OpenApiResponse(
                response=OpenApiTypes.STR,
                description="`id:`, `event:` and `data:` lines; data is an Event object (see "
                "the Event schema). The stream ends after `warming.sse_max_seconds` (default "
                "an hour) at most; reconnect with Last-Event-ID.",
            ),
            **ERRORS,
            429: OpenApiResponse(
                description="Too many streams open (per user, per server or in total); "
                "Retry-After says when to try again."
            ),
        },
        tags=TAGS,
    )
    def get(self, request):
        params = request.query_params
        task_id = params.get("task_id") or None
        if task_id is not None and not is_int_text(task_id):
            raise InvalidArgument("task_id must be an integer.", field="task_id", location="query")
        types = [
            t.strip()
            for value in params.getlist("event_types")
            for t in value.split(",")
            if t.strip()
        ]
        unknown = sorted(set(types) - set(EVENT_TYPES))
        if unknown:
            raise InvalidArgument(
                f"Unknown event types: {', '.join(unknown)}.", field="event_types", location="query"
            )
        timeout = params.get("timeout")
        if timeout is not None and not is_int_text(timeout):
            raise InvalidArgument(
                "timeout must be a number of seconds.", field="timeout", location="query"
            )
        last_id = request.headers.get("Last-Event-ID") or params.get("last_event_id") or None
        if last_id is not None and not EVENT_ID.fullmatch(last_id):
            raise InvalidArgument(
                "Last-Event-ID must be an event id from this stream.",
                field="last_event_id",
                location="query",
            )
        # 429 before the stream starts when a cap is reached (streams never take every web
        # thread: accounts/warming/streams.py); the slot is held until the stream ends.
        slot = StreamSlot(request.user.pk).acquire()
        chunks = event_stream(
            task_id=int(task_id) if task_id else None,
            event_types=types,
            last_event_id=last_id,
            max_seconds=int(timeout) if timeout else None,
        )
        response = StreamingHttpResponse(
            AdmittedStream(slot, chunks), content_type="text/event-stream"
        )
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        return response
