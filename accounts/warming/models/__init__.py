from .warming import (
    ACTIVE_STATUSES,
    ActionStatus,
    ActionType,
    Scenario,
    WarmingAction,
    WarmingEvent,
    WarmingStatus,
    WarmingTask,
)

__all__ = [
    "ACTIVE_STATUSES",
    "ActionStatus",
    "ActionType",
    "Scenario",
    "WarmingAction",
    "WarmingEvent",
    "WarmingStatus",
    "WarmingTask",
]
