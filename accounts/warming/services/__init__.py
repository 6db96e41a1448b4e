from .lifecycle import (
    warming_complete_if_done,
    warming_fail,
    warming_pause,
    warming_resume,
    warming_start,
    warming_stop,
)
from .runner import warming_action_run
from .scenarios import scenario_create, scenario_update

__all__ = [
    "scenario_create",
    "scenario_update",
    "warming_action_run",
    "warming_complete_if_done",
    "warming_fail",
    "warming_pause",
    "warming_resume",
    "warming_start",
    "warming_stop",
]
