"""The settings registry: typed, documented platform settings that admins change at run time.

Every domain registers its settings (key, type, default, description) in its AppConfig.ready
or in a `settings_registry.py` module imported there, and reads them with `setting_get`.
A stored value (SystemSetting row) overrides the default; defaults usually come from
`django.conf.settings`, i.e. from the environment. What a setting is (definitions, types,
checks): core/setting_types.py, whose names this module also offers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from core.crypto import DecryptionError
from core.errors import InvalidArgument
from core.redis import OUTAGE_ERRORS, redis_fallback
from core.sealed import seal
from core.setting_types import (
    CUSTOM_PREFIX as CUSTOM_PREFIX,
)
from core.setting_types import (
    TYPES as TYPES,
)
from core.setting_types import (
    SettingDef as SettingDef,
)
from core.setting_types import (
    coerce as coerce,
)
from core.setting_types import (
    custom_definition as custom_definition,
)
from core.setting_types import (
    custom_keys as custom_keys,
)
from core.setting_types import (
    definition as definition,
)
from core.setting_types import (
    definitions as definitions,
)
from core.setting_types import (
    from_json as from_json,
)
from core.setting_types import (
    is_custom_key as is_custom_key,
)
from core.setting_types import (
    register as register,
)
from core.setting_types import (
    to_json as to_json,
)

_CACHE_PREFIX = "setting:v1:"
_MISSING = "__default__"

# Process-local layer over the shared cache: (expires at, monotonic clock; raw stored JSON or
# _MISSING). A change made in this process is seen here at once (write-through); other
# processes see it within SETTINGS_LOCAL_TTL seconds (default 1 s; 0 turns the layer off).
# Settings are read on every request (the security configuration, limits): this saves a
# shared-cache round trip per setting read on the hot paths.
_LOCAL: dict[str, tuple[float, str]] = {}


def _local_ttl() -> float:
    return float(getattr(settings, "SETTINGS_LOCAL_TTL", 1.0))


def _local_put(key: str, raw: str) -> None:
    ttl = _local_ttl()
    if ttl > 0:
        _LOCAL[key] = (time.monotonic() + ttl, raw)


def settings_forget(keys: Iterable[str] | None = None) -> None:
    """Drop cached values (all, or `keys`) from this process and the shared cache, so the next
    read goes to the database: for code that changed SystemSetting rows directly."""
    if keys is None:
        _LOCAL.clear()
        keys = [defn.key for defn in definitions()]
    keys = list(keys)
    for key in keys:
        _LOCAL.pop(key, None)
    cache.delete_many([_CACHE_PREFIX + key for key in keys])


CUSTOM_MAX_BYTES = 16_384


def _row_value(defn: SettingDef, value: Any) -> Any:
    """What a SystemSetting row stores for `value` (custom settings carry their type, secret
    settings are sealed)."""
    if not defn.custom:
        return seal(to_json(defn, value)) if defn.secret else to_json(defn, value)
    row = {"type": defn.type, "value": to_json(defn, value), "description": defn.description}
    if len(json.dumps(row)) > CUSTOM_MAX_BYTES:
        raise InvalidArgument(
            f"A custom setting holds at most {CUSTOM_MAX_BYTES} bytes of JSON.", field="value"
        )
    return row


def setting_get(key: str) -> Any:
    """The current value of a registered setting: the stored override or the default."""
    return settings_get_many([key])[key]


def settings_get_many(keys: Iterable[str]) -> dict[str, Any]:
    """Several settings: from this process's short-lived copy, else in one cache round trip,
    else from the database. A secret setting no key of ENCRYPTION_KEYS opens raises
    DecryptionError naming it."""
    keys = list(keys)
    defs = {key: definition(key) for key in keys}
    out = _stored_many(keys)
    return {key: _decoded(defs[key], out[key]) for key in keys}


UNREADABLE = "(unreadable)"  # what the audit log records as the old value of such a setting


def settings_read(keys: Iterable[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Like `settings_get_many`, for pages that show settings: the values of those that read,
    and for each that cannot (sealed under a key no longer in ENCRYPTION_KEYS) why, so that
    one such setting neither breaks the page nor hides which one it is."""
    keys = list(keys)
    out = _stored_many(keys)
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for key in keys:
        try:
            values[key] = _decoded(definition(key), out[key])
        except DecryptionError:
            problems[key] = (
                f"{key} cannot be read: it is sealed with a key that is no longer in "
                "ENCRYPTION_KEYS. Put that key back in the keyring, or set a new value."
            )
    return values, problems


def _decoded(defn: SettingDef, raw: Any) -> Any:
    return defn.default_value() if raw == _MISSING else from_json(defn, json.loads(raw))


def _stored_many(keys: list[str]) -> dict[str, Any]:
    """The stored JSON text (or _MISSING) of each key."""
    out: dict[str, Any] = {}
    if _local_ttl() > 0:
        now = time.monotonic()
        for key in keys:
            hit = _LOCAL.get(key)
            if hit is not None and hit[0] > now:
                out[key] = hit[1]
    wanted = [key for key in keys if key not in out]
    if wanted:
        try:
            cached = cache.get_many([_CACHE_PREFIX + key for key in wanted])
        except OUTAGE_ERRORS as exc:
            # Redis down: the rows are the truth, read them (docs/decisions.md).
            redis_fallback("settings registry", exc)
            cached = {}
        missing = []
        for key in wanted:
            hit = cached.get(_CACHE_PREFIX + key)
            if hit is None:
                missing.append(key)
            else:
                out[key] = hit
                _local_put(key, hit)
        if missing:
            from core.models import SystemSetting

            stored = dict(SystemSetting.objects.filter(key__in=missing).values_list("key", "value"))
            fresh = {}
            for key in missing:
                fresh[key] = json.dumps(stored[key]) if key in stored else _MISSING
                out[key] = fresh[key]
            # `add`, not `set`: a reader that read the database before a change must not
            # overwrite the value the writer put in the cache after it (see setting_set).
            try:
                for key, value in fresh.items():
                    cache.add(_CACHE_PREFIX + key, value, timeout=300)
            except OUTAGE_ERRORS as exc:
                redis_fallback("settings registry", exc)
    return out


def setting_display(defn: SettingDef, value: Any) -> Any:
    """A value as shown to people and the audit log: secret settings masked."""
    if defn.secret:
        return "********" if value not in (None, "") else ""
    return to_json(defn, value)


def _old_display(defn: SettingDef) -> Any:
    """The current value as the audit log shows it; a value no key opens any more can still be
    replaced (that is how it is repaired)."""
    values, problems = settings_read([defn.key])
    return UNREADABLE if problems else setting_display(defn, values[defn.key])


def _shared_drop(key: str) -> None:
    """Inside a change's transaction: drop the shared copy, or refuse the change (the outage
    error rolls it back, 503). A change stored while Redis is unreachable would leave the old
    value in Redis, served to every process for minutes once Redis is back."""
    cache.delete(_CACHE_PREFIX + key)


def _shared_put(key: str, raw: str) -> None:
    """After commit: write-through. If Redis failed in between, the dropped key makes readers
    go to the database, which already holds the change."""
    try:
        cache.set(_CACHE_PREFIX + key, raw, timeout=300)
    except OUTAGE_ERRORS as exc:
        redis_fallback("settings registry", exc)


def setting_set(*, key: str, value: Any, actor: Any = None) -> Any:
    """Validate and store a setting; audit old and new values (masked for secret settings)."""
    from core.audit import audit_record
    from core.models import SystemSetting

    defn = definition(key)
    new_value = coerce(defn, value)
    row_value = _row_value(defn, new_value)
    old_shown = _old_display(defn)
    with transaction.atomic():
        SystemSetting.objects.update_or_create(
            key=key,
            defaults={
                "value": row_value,
                "updated_at": timezone.now(),
                "updated_by": actor if getattr(actor, "pk", None) else None,
            },
        )
        audit_record(
            action="setting.change",
            target_type="setting",
            target=key,
            actor=actor,
            data={"old": old_shown, "new": setting_display(defn, new_value)},
        )
        _shared_drop(key)
    # Write-through once the change is saved, so every process reads the new value at once.
    raw = json.dumps(row_value)
    _shared_put(key, raw)
    _local_put(key, raw)
    return new_value


def setting_create(
    *, key: str, type: str, value: Any, description: str = "", actor: Any = None
) -> Any:
    """Create a custom setting (`custom.<name>`, see CUSTOM_PREFIX) with its type; audited.
    Raises InvalidArgument for a key outside the namespace or a value of the wrong type."""
    from core.audit import audit_record
    from core.models import SystemSetting

    if not is_custom_key(key):
        raise InvalidArgument(
            f"New settings must be named {CUSTOM_PREFIX}<name> (lower-case letters, digits, "
            "underscores, dot-separated; at most 100 characters).",
            field="key",
        )
    if type not in TYPES:
        raise InvalidArgument(f"type must be one of {', '.join(TYPES)}.", field="type")
    defn = SettingDef(key, type, None, description[:500], custom=True)
    new_value = coerce(defn, value)
    row_value = _row_value(defn, new_value)
    with transaction.atomic():
        _, created = SystemSetting.objects.get_or_create(
            key=key,
            defaults={
                "value": row_value,
                "updated_at": timezone.now(),
                "updated_by": actor if getattr(actor, "pk", None) else None,
            },
        )
        if not created:  # a concurrent create won: this one is an ordinary change
            return setting_set(key=key, value=value, actor=actor)
        audit_record(
            action="setting.create",
            target_type="setting",
            target=key,
            actor=actor,
            data={"type": type, "new": setting_display(defn, new_value)},
        )
        _shared_drop(key)
    raw = json.dumps(row_value)
    _shared_put(key, raw)
    _local_put(key, raw)
    return new_value


def setting_reset(*, key: str, actor: Any = None) -> Any:
    """Remove a stored override so the default applies again."""
    from core.audit import audit_record
    from core.models import SystemSetting

    defn = definition(key)
    old_shown = _old_display(defn)
    with transaction.atomic():
        SystemSetting.objects.filter(key=key).delete()
        audit_record(
            action="setting.reset",
            target_type="setting",
            target=key,
            actor=actor,
            data={"old": old_shown},
        )
        _shared_drop(key)
    _shared_put(key, _MISSING)
    _local_put(key, _MISSING)
    return setting_get(key)
