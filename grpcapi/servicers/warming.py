"""conveer.WarmingService over the warming services (REST: accounts/warming/api/views.py)."""

from __future__ import annotations

from accounts.warming import selectors
from accounts.warming.events import EVENT_TYPES, Event
from accounts.warming.models import WarmingTask
from accounts.warming.services import warming_pause, warming_resume, warming_start, warming_stop
from core.context import current_actor
from core.db import connections_release
from core.errors import InvalidArgument, ResourceExhausted
from grpcapi.convert import enum_number, parse_id, require_id, ts
from grpcapi.events import CLOSED, OVERFLOW, EventHub
from grpcapi.gen.conveer import warming_pb2 as pb
from grpcapi.gen.conveer import warming_pb2_grpc
from grpcapi.limits import LongCalls

STATUS = "WARMING_STATUS_"

POWERS: dict[str, str | None] = {
    "StartWarming": "fleet.write",
    "PauseWarming": "fleet.write",
    "ResumeWarming": "fleet.write",
    "StopWarming": "fleet.write",
    "GetWarmingStatus": "fleet.read",
    "GetStatistics": "fleet.read",
    "StreamEvents": "fleet.read",
}


def task_message(task: WarmingTask) -> pb.WarmingTask:
    return pb.WarmingTask(
        id=str(task.pk),
        account_id=str(task.account_id),
        scenario_id=task.scenario_id,
        status=enum_number(pb.WarmingStatus, STATUS, task.status),  # type: ignore[arg-type]
        progress=task.progress,
        current_day=task.current_day,
        total_days=task.total_days,
        actions_completed=task.actions_completed,
        actions_failed=task.actions_failed,
        next_action_at=ts(task.next_action_at),
        started_at=ts(task.started_at),
        completed_at=ts(task.completed_at),
        error=task.error,
    )


def event_message(event: Event) -> pb.WarmingEvent:
    return pb.WarmingEvent(
        task_id=str(event.task_id),
        event_type=event.event_type,
        timestamp=ts(event.timestamp),
        data={str(k): str(v) for k, v in event.data.items()},
    )


def _group(row: dict, key: str) -> pb.WarmingGroupStatistics:
    return pb.WarmingGroupStatistics(
        key=str(row[key]),
        tasks=row["tasks"],
        running=row["running"],
        completed=row["completed"],
        failed=row["failed"],
        actions_completed=row["actions_completed"],
        actions_failed=row["actions_failed"],
        success_rate=row["success_rate"],
    )


class WarmingServicer(warming_pb2_grpc.WarmingServiceServicer):
    # Seconds a quiet stream waits before it looks whether its client is still there.
    IDLE_CHECK = 1.0

    def __init__(self, *, hub: EventHub, long_calls: LongCalls) -> None:
        self.hub = hub
        self.long_calls = long_calls

    def StartWarming(self, request, context):  # noqa: N802 - the contract's names
        account_id = require_id(request.account_id, field="account_id")
        if request.duration_days < 0:
            raise InvalidArgument("duration_days must be 1 or more.", field="duration_days")
        task = warming_start(
            account_id=account_id,
            scenario_id=request.scenario_id or None,
            duration_days=request.duration_days or None,
            actor=current_actor().user,
        )
        return task_message(selectors.task_get(task_id=task.pk))

    def _act(self, service, request, **kwargs) -> pb.WarmingTask:
        task_id = require_id(request.task_id, field="task_id")
        service(task_id=task_id, actor=current_actor().user, **kwargs)
        return task_message(selectors.task_get(task_id=task_id))

    def PauseWarming(self, request, context):  # noqa: N802
        return self._act(warming_pause, request)

    def ResumeWarming(self, request, context):  # noqa: N802
        return self._act(warming_resume, request)

    def StopWarming(self, request, context):  # noqa: N802
        return self._act(warming_stop, request, reason=request.reason[:500])

    def GetWarmingStatus(self, request, context):  # noqa: N802
        task_id = require_id(request.task_id, field="task_id")
        return task_message(selectors.task_get(task_id=task_id))

    def GetStatistics(self, request, context):  # noqa: N802
        stats = selectors.warming_statistics()
        return pb.WarmingStatistics(
            total_tasks=stats["total_tasks"],
            tasks_by_status=stats["tasks_by_status"],
            actions_by_type=[pb.ActionTypeStatistics(**row) for row in stats["actions_by_type"]],
            by_platform=[_group(row, "platform") for row in stats["by_platform"]],
            by_scenario=[_group(row, "scenario_id") for row in stats["by_scenario"]],
        )

    def StreamEvents(self, request, context):  # noqa: N802
        task_id = parse_id(request.task_id, field="task_id", required=False)
        types = [t.strip() for t in request.event_types if t.strip()]
        unknown = sorted(set(types) - set(EVENT_TYPES))
        if unknown:
            raise InvalidArgument(
                f"Unknown event types: {', '.join(unknown)}; expected some of "
                f"{', '.join(EVENT_TYPES)}.",
                field="event_types",
            )
        with self.long_calls.slot():
            # A stream may stay open for hours: it reads the hub's queue, never the database.
            connections_release()
            sub = self.hub.subscribe(task_id=task_id, types=types)
            context.add_callback(sub.end)  # the client cancelled or went away
            try:
                while True:
                    item = sub.get(self.IDLE_CHECK)
                    if item is None:
                        if not context.is_active():
                            return
                        continue
                    if item is CLOSED:
                        return
                    if item is OVERFLOW:
                        raise ResourceExhausted(
                            "The stream fell too far behind and was dropped; reconnect."
                        )
                    # the hub made the message once for every stream
                    yield item if isinstance(item, pb.WarmingEvent) else event_message(item)
            finally:
                self.hub.unsubscribe(sub)
