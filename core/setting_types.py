"""What a registry setting is: its definition (key, type, default, bounds, description), the
definitions registered in code and the custom ones admins create, and how a value is checked
and converted to and from its stored JSON. Reading and writing values: core/registry.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from core.durations import parse_duration
from core.errors import InvalidArgument, NotFound
from core.sealed import unseal

TYPES = ("int", "bool", "str", "decimal", "duration", "json")
# Settings nobody registered in code: created by admins (API `POST /api/v1/sys/setting`) under
# this namespace only, typed at creation, audited like the others. Their row stores
# {"type", "value", "description"} since no code knows their type (README, "Custom settings").
CUSTOM_PREFIX = "custom."
_CUSTOM_KEY = re.compile(r"^custom\.[a-z0-9_]+(?:\.[a-z0-9_]+)*$")


@dataclass(frozen=True)
class SettingDef:
    key: str
    type: str
    default: Any
    description: str
    secret: bool = False
    min_value: Any = None
    max_value: Any = None
    choices: tuple[Any, ...] = ()
    validator: Callable[[Any], None] | None = field(default=None, compare=False)
    custom: bool = False

    def default_value(self) -> Any:
        return self.default() if callable(self.default) else self.default


_REGISTRY: dict[str, SettingDef] = {}


def register(
    key: str,
    type: str,
    default: Any,
    description: str,
    *,
    secret: bool = False,
    min_value: Any = None,
    max_value: Any = None,
    choices: Iterable[Any] = (),
    validator: Callable[[Any], None] | None = None,
) -> SettingDef:
    if type not in TYPES:
        raise ValueError(f"unknown setting type {type!r}")
    definition = SettingDef(
        key, type, default, description, secret, min_value, max_value, tuple(choices), validator
    )
    _REGISTRY[key] = definition
    return definition


def definition(key: str) -> SettingDef:
    try:
        return _REGISTRY[key]
    except KeyError:
        pass
    custom = custom_definition(key) if is_custom_key(key) else None
    if custom is None:
        raise NotFound(f"Unknown setting {key!r}.")
    return custom


def is_custom_key(key: str) -> bool:
    return len(key) <= 100 and bool(_CUSTOM_KEY.match(key))


def custom_definition(key: str) -> SettingDef | None:
    """The definition of an existing custom setting, read from its row (None if none)."""
    from core.models import SystemSetting

    row = SystemSetting.objects.filter(key=key).values_list("value", flat=True).first()
    if not isinstance(row, dict) or row.get("type") not in TYPES:
        return None
    return SettingDef(key, row["type"], None, str(row.get("description") or ""), custom=True)


def custom_keys() -> list[str]:
    from core.models import SystemSetting

    return list(
        SystemSetting.objects.filter(key__startswith=CUSTOM_PREFIX)
        .order_by("key")
        .values_list("key", flat=True)
    )


def definitions() -> list[SettingDef]:
    return [_REGISTRY[key] for key in sorted(_REGISTRY)]


def coerce(defn: SettingDef, raw: Any) -> Any:
    """Validate `raw` for `defn` and return the Python value; raises InvalidArgument."""
    try:
        value = _coerce_type(defn.type, raw)
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise InvalidArgument(
            f"{defn.key} expects {defn.type}: {exc}", field="value", code="type_error"
        ) from None
    if defn.min_value is not None and value < defn.min_value:
        raise InvalidArgument(f"{defn.key} must be at least {defn.min_value}.", field="value")
    if defn.max_value is not None and value > defn.max_value:
        raise InvalidArgument(f"{defn.key} must be at most {defn.max_value}.", field="value")
    if defn.choices and value not in defn.choices:
        raise InvalidArgument(
            f"{defn.key} must be one of {', '.join(map(str, defn.choices))}.", field="value"
        )
    if defn.validator:
        try:
            defn.validator(value)
        except ValueError as exc:
            raise InvalidArgument(f"{defn.key}: {exc}", field="value") from None
    return value


def _coerce_type(kind: str, raw: Any) -> Any:
    if kind == "int":
        if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
            raise ValueError("not an integer")
        return int(raw)
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in {"true", "1", "yes", "on"}:
            return True
        if isinstance(raw, str) and raw.strip().lower() in {"false", "0", "no", "off"}:
            return False
        if raw in (0, 1):
            return bool(raw)
        raise ValueError("not a boolean")
    if kind == "str":
        if not isinstance(raw, str | int | float | Decimal) or isinstance(raw, bool):
            raise ValueError("not a string")
        return str(raw)
    if kind == "decimal":
        if isinstance(raw, bool) or raw is None:
            raise ValueError("not a decimal")
        value = Decimal(str(raw))
        if not value.is_finite():
            raise ValueError("not a finite decimal")
        return value
    if kind == "duration":
        return parse_duration(raw)
    if kind == "json":
        if isinstance(raw, str):
            try:
                return json.loads(raw)
            except json.JSONDecodeError:
                return raw
        return raw
    raise ValueError(kind)


def to_json(defn: SettingDef, value: Any) -> Any:
    return str(value) if defn.type == "decimal" else value


def from_json(defn: SettingDef, stored: Any) -> Any:
    stored = unseal(stored, key=defn.key)  # secret settings are sealed at rest (core/sealed.py)
    if defn.custom:
        stored = stored.get("value") if isinstance(stored, dict) else None
    return Decimal(stored) if defn.type == "decimal" and stored is not None else stored
