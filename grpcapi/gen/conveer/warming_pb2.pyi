import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WarmingStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WARMING_STATUS_UNSPECIFIED: _ClassVar[WarmingStatus]
    WARMING_STATUS_PENDING: _ClassVar[WarmingStatus]
    WARMING_STATUS_RUNNING: _ClassVar[WarmingStatus]
    WARMING_STATUS_PAUSED: _ClassVar[WarmingStatus]
    WARMING_STATUS_COMPLETED: _ClassVar[WarmingStatus]
    WARMING_STATUS_FAILED: _ClassVar[WarmingStatus]
WARMING_STATUS_UNSPECIFIED: WarmingStatus
WARMING_STATUS_PENDING: WarmingStatus
WARMING_STATUS_RUNNING: WarmingStatus
WARMING_STATUS_PAUSED: WarmingStatus
WARMING_STATUS_COMPLETED: WarmingStatus
WARMING_STATUS_FAILED: WarmingStatus

class StartWarmingRequest(_message.Message):
    __slots__ = ("account_id", "scenario_id", "duration_days")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_ID_FIELD_NUMBER: _ClassVar[int]
    DURATION_DAYS_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    scenario_id: str
    duration_days: int
    def __init__(self, account_id: _Optional[str] = ..., scenario_id: _Optional[str] = ..., duration_days: _Optional[int] = ...) -> None: ...

class WarmingTask(_message.Message):
    __slots__ = ("id", "account_id", "scenario_id", "status", "progress", "current_day", "total_days", "actions_completed", "actions_failed", "next_action_at", "started_at", "completed_at", "error")
    ID_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_DAY_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DAYS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FAILED_FIELD_NUMBER: _ClassVar[int]
    NEXT_ACTION_AT_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    id: str
    account_id: str
    scenario_id: str
    status: WarmingStatus
    progress: int
    current_day: int
    total_days: int
    actions_completed: int
    actions_failed: int
    next_action_at: _timestamp_pb2.Timestamp
    started_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    error: str
    def __init__(self, id: _Optional[str] = ..., account_id: _Optional[str] = ..., scenario_id: _Optional[str] = ..., status: _Optional[_Union[WarmingStatus, str]] = ..., progress: _Optional[int] = ..., current_day: _Optional[int] = ..., total_days: _Optional[int] = ..., actions_completed: _Optional[int] = ..., actions_failed: _Optional[int] = ..., next_action_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error: _Optional[str] = ...) -> None: ...

class PauseWarmingRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class ResumeWarmingRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class StopWarmingRequest(_message.Message):
    __slots__ = ("task_id", "reason")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    reason: str
    def __init__(self, task_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GetWarmingStatusRequest(_message.Message):
    __slots__ = ("task_id",)
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    def __init__(self, task_id: _Optional[str] = ...) -> None: ...

class GetStatisticsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ActionTypeStatistics(_message.Message):
    __slots__ = ("action_type", "total", "succeeded", "failed", "success_rate")
    ACTION_TYPE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_RATE_FIELD_NUMBER: _ClassVar[int]
    action_type: str
    total: int
    succeeded: int
    failed: int
    success_rate: float
    def __init__(self, action_type: _Optional[str] = ..., total: _Optional[int] = ..., succeeded: _Optional[int] = ..., failed: _Optional[int] = ..., success_rate: _Optional[float] = ...) -> None: ...

class WarmingGroupStatistics(_message.Message):
    __slots__ = ("key", "tasks", "running", "completed", "failed", "actions_completed", "actions_failed", "success_rate")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TASKS_FIELD_NUMBER: _ClassVar[int]
    RUNNING_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FAILED_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_RATE_FIELD_NUMBER: _ClassVar[int]
    key: str
    tasks: int
    running: int
    completed: int
    failed: int
    actions_completed: int
    actions_failed: int
    success_rate: float
    def __init__(self, key: _Optional[str] = ..., tasks: _Optional[int] = ..., running: _Optional[int] = ..., completed: _Optional[int] = ..., failed: _Optional[int] = ..., actions_completed: _Optional[int] = ..., actions_failed: _Optional[int] = ..., success_rate: _Optional[float] = ...) -> None: ...

class WarmingStatistics(_message.Message):
    __slots__ = ("total_tasks", "tasks_by_status", "actions_by_type", "by_platform", "by_scenario")
    class TasksByStatusEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    TOTAL_TASKS_FIELD_NUMBER: _ClassVar[int]
    TASKS_BY_STATUS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_BY_TYPE_FIELD_NUMBER: _ClassVar[int]
    BY_PLATFORM_FIELD_NUMBER: _ClassVar[int]
    BY_SCENARIO_FIELD_NUMBER: _ClassVar[int]
    total_tasks: int
    tasks_by_status: _containers.ScalarMap[str, int]
    actions_by_type: _containers.RepeatedCompositeFieldContainer[ActionTypeStatistics]
    by_platform: _containers.RepeatedCompositeFieldContainer[WarmingGroupStatistics]
    by_scenario: _containers.RepeatedCompositeFieldContainer[WarmingGroupStatistics]
    def __init__(self, total_tasks: _Optional[int] = ..., tasks_by_status: _Optional[_Mapping[str, int]] = ..., actions_by_type: _Optional[_Iterable[_Union[ActionTypeStatistics, _Mapping]]] = ..., by_platform: _Optional[_Iterable[_Union[WarmingGroupStatistics, _Mapping]]] = ..., by_scenario: _Optional[_Iterable[_Union[WarmingGroupStatistics, _Mapping]]] = ...) -> None: ...

class StreamEventsRequest(_message.Message):
    __slots__ = ("task_id", "event_types")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, task_id: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ...) -> None: ...

class WarmingEvent(_message.Message):
    __slots__ = ("task_id", "event_type", "timestamp", "data")
    class DataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    event_type: str
    timestamp: _timestamp_pb2.Timestamp
    data: _containers.ScalarMap[str, str]
    def __init__(self, task_id: _Optional[str] = ..., event_type: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., data: _Optional[_Mapping[str, str]] = ...) -> None: ...
