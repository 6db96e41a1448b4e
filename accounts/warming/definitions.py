"""Scenario definitions: validation and day planning.

A definition is JSON:

    {"total_days": 14,
     "active_hours": {"start": 9, "end": 23},          # UTC hours, end exclusive
     "max_actions_per_day": 60,                         # optional cap over all types
     "bands": [{"from_day": 1, "to_day": 3,
                "actions_per_day": {"min": 5, "max": 10},
                "action_types": {"view_profile": 5, "like_post": 2},   # weights
                "caps": {"like_post": 4}}, ...]}                      # per-day caps per type

Bands must cover day 1..total_days without gaps or overlaps. A task may override the
duration: its day d then follows the scenario day scaled proportionally, so a 7-day task of
a 14-day scenario still walks through every band.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any, TypeGuard

from accounts.warming.models import ActionType
from core.enums import proto_name, proto_word
from core.errors import InvalidArgument

MAX_DAYS = 365
MAX_ACTIONS_PER_DAY = 1000
ACTION_TYPES = set(ActionType.values)


_TYPE_NAMES = sorted(ACTION_TYPES)
# The keys a band's maps take: the platform's words and the gRPC contract's names.
_TYPE_KEYS = _TYPE_NAMES + [proto_name("ACTION_TYPE_", name) for name in _TYPE_NAMES]
# The shape scenario_validate checks, for the API schema. Beyond it (not expressible there): the
# bands cover days 1..total_days exactly once, start < end, min <= max.
DEFINITION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["total_days", "bands"],
    "properties": {
        "total_days": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS},
        "active_hours": {
            "type": "object",
            "required": ["start", "end"],
            "properties": {
                "start": {"type": "integer", "minimum": 0, "maximum": 23},
                "end": {"type": "integer", "minimum": 1, "maximum": 24},
            },
        },
        "max_actions_per_day": {"type": "integer", "minimum": 0, "maximum": MAX_ACTIONS_PER_DAY},
        "bands": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["from_day", "to_day", "actions_per_day", "action_types"],
                "properties": {
                    "from_day": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS},
                    "to_day": {"type": "integer", "minimum": 1, "maximum": MAX_DAYS},
                    "actions_per_day": {
                        "type": "object",
                        "required": ["min", "max"],
                        "properties": {
                            "min": {
                                "type": "integer",
                                "minimum": 0,
                                "maximum": MAX_ACTIONS_PER_DAY,
                            },
                            "max": {
                                "type": "integer",
                                "minimum": 0,
                                "maximum": MAX_ACTIONS_PER_DAY,
                            },
                        },
                    },
                    "action_types": {
                        "type": "object",
                        "minProperties": 1,
                        "description": "weights (> 0) by action type",
                        "properties": {
                            name: {"type": "number", "exclusiveMinimum": True, "minimum": 0}
                            for name in _TYPE_KEYS
                        },
                        "additionalProperties": False,
                    },
                    "caps": {
                        "type": "object",
                        "description": "per-day caps (>= 0) by action type",
                        "properties": {
                            name: {"type": "integer", "minimum": 0} for name in _TYPE_KEYS
                        },
                        "additionalProperties": False,
                    },
                },
            },
        },
    },
    "example": {
        "total_days": 14,
        "active_hours": {"start": 9, "end": 23},
        "bands": [
            {
                "from_day": 1,
                "to_day": 14,
                "actions_per_day": {"min": 5, "max": 10},
                "action_types": {_TYPE_NAMES[0]: 1},
            }
        ],
    },
}


def _err(errors: list, loc: list, msg: str, kind: str = "value_error") -> None:
    errors.append({"loc": ["body", "definition", *loc], "msg": msg, "type": kind})


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_types_map(errors, loc, value, *, numbers_positive: bool) -> None:
    if not isinstance(value, dict) or (numbers_positive and not value):
        _err(
            errors,
            loc,
            "must be a non-empty object of action type to number"
            if numbers_positive
            else "must be an object of action type to number",
        )
        return
    for key, number in value.items():
        if key not in ACTION_TYPES:
            _err(errors, [*loc, key], f"unknown action type; one of {', '.join(ActionType.values)}")
        elif numbers_positive and (
            not isinstance(number, int | float) or isinstance(number, bool) or number <= 0
        ):
            _err(errors, [*loc, key], "weight must be a positive number")
        elif not numbers_positive and (not _is_int(number) or number < 0):
            _err(errors, [*loc, key], "cap must be a non-negative integer")


def _plain_words(definition: dict) -> dict:
    """The definition with the action types of its bands' maps as the platform's words: the
    gRPC contract's names (`ACTION_TYPE_LIKE_POST`) are accepted too (core.enums)."""
    bands = definition.get("bands")
    if not isinstance(bands, list):
        return definition
    out = []
    for band in bands:
        if isinstance(band, dict):
            band = dict(band)
            for name in ("action_types", "caps"):
                if isinstance(band.get(name), dict):
                    band[name] = {
                        proto_word(key, prefix="ACTION_TYPE_", words=ACTION_TYPES): value
                        for key, value in band[name].items()
                    }
        out.append(band)
    # unchanged (plain words already): the very definition given
    return definition if out == bands else {**definition, "bands": out}


def scenario_validate(definition) -> dict:
    """Return the definition if valid, its action types as the platform's words (the gRPC
    contract's names are accepted); raise InvalidArgument listing every problem found."""
    errors: list[dict] = []
    if not isinstance(definition, dict):
        raise InvalidArgument("definition must be an object", field="definition")
    definition = _plain_words(definition)
    total = definition.get("total_days")
    if not _is_int(total) or not 1 <= total <= MAX_DAYS:
        _err(errors, ["total_days"], f"must be an integer from 1 to {MAX_DAYS}")
        total = None
    hours = definition.get("active_hours", {"start": 0, "end": 24})
    if (
        not isinstance(hours, dict)
        or not _is_int(hours.get("start"))
        or not _is_int(hours.get("end"))
        or not 0 <= hours["start"] < hours["end"] <= 24
    ):
        _err(errors, ["active_hours"], "must be {start, end} with 0 <= start < end <= 24")
    cap = definition.get("max_actions_per_day")
    if cap is not None and (not _is_int(cap) or not 0 <= cap <= MAX_ACTIONS_PER_DAY):
        _err(errors, ["max_actions_per_day"], f"must be an integer from 0 to {MAX_ACTIONS_PER_DAY}")
    bands = definition.get("bands")
    if not isinstance(bands, list) or not bands:
        _err(errors, ["bands"], "must be a non-empty list")
        bands = []
    covered: list[int] = []
    for i, band in enumerate(bands):
        loc = ["bands", i]
        if not isinstance(band, dict):
            _err(errors, loc, "must be an object")
            continue
        start, end = band.get("from_day"), band.get("to_day")
        if not _is_int(start) or not _is_int(end) or not 1 <= start <= end:
            _err(errors, loc, "from_day and to_day must be integers with 1 <= from_day <= to_day")
        else:
            covered.extend(range(start, end + 1))
        apd = band.get("actions_per_day")
        if (
            not isinstance(apd, dict)
            or not _is_int(apd.get("min"))
            or not _is_int(apd.get("max"))
            or not 0 <= apd["min"] <= apd["max"] <= MAX_ACTIONS_PER_DAY
        ):
            _err(
                errors,
                [*loc, "actions_per_day"],
                f"must be {{min, max}} with 0 <= min <= max <= {MAX_ACTIONS_PER_DAY}",
            )
        _check_types_map(
            errors, [*loc, "action_types"], band.get("action_types"), numbers_positive=True
        )
        if "caps" in band:
            _check_types_map(errors, [*loc, "caps"], band["caps"], numbers_positive=False)
    if total is not None and bands and not errors and sorted(covered) != list(range(1, total + 1)):
        _err(
            errors,
            ["bands"],
            f"bands must cover days 1..{total} exactly once (no gap, no overlap)",
        )
    if errors:
        raise InvalidArgument(errors[0]["msg"], errors=errors)
    return definition


@dataclass(frozen=True)
class PlannedAction:
    offset: int  # position within the day
    action_type: str
    scheduled_at: datetime


def _band_for(definition: dict, day: int, task_days: int) -> dict:
    scenario_days = definition["total_days"]
    scaled = max(1, min(scenario_days, math.ceil(day * scenario_days / max(task_days, 1))))
    for band in definition["bands"]:
        if band["from_day"] <= scaled <= band["to_day"]:
            return band
    return definition["bands"][-1]


def _active_windows(start: datetime, end: datetime, hours: dict) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) whose UTC hour lies in [hours.start, hours.end)."""
    windows = []
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while midnight < end:
        lo = max(start, midnight + timedelta(hours=hours["start"]))
        hi = min(end, midnight + timedelta(hours=hours["end"]))
        if lo < hi:
            windows.append((lo, hi))
        midnight += timedelta(days=1)
    return windows


def _cumulative(weights: dict) -> tuple[list[str], list[float]]:
    return list(weights), list(accumulate(weights.values()))


def plan_day(
    *,
    definition: dict,
    day: int,
    task_days: int,
    seed: int,
    task_id: int,
    day_start: datetime,
    day_end: datetime,
) -> list[PlannedAction]:
    """The actions of one day of one task, deterministic for (seed, task, day)."""
    rng = random.Random(f"{seed}:{task_id}:{day}")
    band = _band_for(definition, day, task_days)
    count = rng.randint(band["actions_per_day"]["min"], band["actions_per_day"]["max"])
    if definition.get("max_actions_per_day") is not None:
        count = min(count, definition["max_actions_per_day"])
    caps = dict(band.get("caps", {}))
    weights = {k: w for k, w in band["action_types"].items() if caps.get(k, 1) > 0}
    names, cumulative = _cumulative(weights)
    used: Counter[str] = Counter()
    types: list[str] = []
    while len(types) < count and names:
        kind = rng.choices(names, cum_weights=cumulative)[0]
        types.append(kind)
        used[kind] += 1
        if kind in caps and used[kind] >= caps[kind]:
            weights.pop(kind)
            names, cumulative = _cumulative(weights)
    windows = _active_windows(
        day_start, day_end, definition.get("active_hours", {"start": 0, "end": 24})
    )
    total = sum((hi - lo).total_seconds() for lo, hi in windows)
    if not windows or total <= 0:
        return []
    offsets = sorted(rng.random() * total for _ in types)
    planned = []
    for position, (kind, offset) in enumerate(zip(types, offsets, strict=True)):
        for lo, hi in windows:
            span = (hi - lo).total_seconds()
            if offset < span:
                planned.append(PlannedAction(position, kind, lo + timedelta(seconds=offset)))
                break
            offset -= span
    return planned
