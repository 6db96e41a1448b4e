"""System settings and the security configuration, as the API and the admin change them.

Only callers holding the `settings.write` power (core.authority: an admin whose token carries
it) change them (PermissionDenied otherwise, audited, before the input is looked at); every
change goes through the
registry's `setting_set`, which audits old and new values (secret settings masked). A security
update is validated as a whole before anything is stored, so a bad field changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.audit import audit_record
from core.authority import actor_allows
from core.errors import InvalidArgument, NotFound, PermissionDenied
from core.models import AuditEvent, SystemSetting
from core.registry import (
    coerce,
    custom_keys,
    definition,
    definitions,
    is_custom_key,
    setting_create,
    setting_display,
    setting_set,
    settings_read,
)
from core.security import FIELDS as SECURITY_FIELDS
from core.security import security_config


def settings_admin_require(*, user: Any, action: str = "setting.change", target: str = "") -> None:
    """Refuse (PermissionDenied, audited) anyone but an admin: routes call it before they read
    their input, so a non-admin learns nothing about settings from a change request."""
    _require_admin(user, action, target or "setting")


def _require_admin(user: Any, action: str, target: str) -> None:
    if actor_allows("settings.write", user=user):
        return
    audit_record(
        action=action,
        target_type="setting",
        target=target,
        actor=user,
        outcome=AuditEvent.Outcome.DENIED,
        data={"reason": "not admin"},
    )
    raise PermissionDenied("Only admins may change settings.")


def setting_describe(key: str) -> dict[str, Any]:
    """{key, value, type, description, default, secret, updated_at, problem} — secret values
    masked; `problem` says why a value cannot be read (then `value` is None), else None."""
    return settings_describe([key])[0]


def settings_describe(keys: list[str] | None = None) -> list[dict[str, Any]]:
    """Described settings: `keys`, or every registered one followed by the custom ones."""
    if keys is None:
        defs = definitions() + [definition(k) for k in custom_keys()]
    else:
        defs = [definition(k) for k in keys]
    values, problems = settings_read([d.key for d in defs])
    stored = dict(
        SystemSetting.objects.filter(key__in=[d.key for d in defs]).values_list("key", "updated_at")
    )
    return [
        {
            "key": d.key,
            "value": setting_display(d, values[d.key]) if d.key in values else None,
            "type": d.type,
            "description": d.description,
            "default": setting_display(d, d.default_value()),
            "secret": d.secret,
            "updated_at": stored.get(d.key),
            "problem": problems.get(d.key),
        }
        for d in defs
    ]


def setting_change(
    *, key: str, value: Any, user: Any, type: str | None = None, description: str | None = None
) -> dict[str, Any]:
    """Create or update one setting (admins only); returns its description.

    A registered key is validated against its definition. A new key under `custom.` creates a
    custom setting of `type` (inferred from the JSON value when not given); an existing custom
    setting keeps its type. Any other unknown key is NotFound."""
    _require_admin(user, "setting.change", key)
    try:
        defn = definition(key)
    except NotFound:
        if not is_custom_key(key):
            raise NotFound(
                f"Unknown setting {key!r}. New settings must be named custom.<name> (lower-case "
                "letters, digits, underscores, dot-separated)."
            ) from None
        setting_create(
            key=key,
            type=type or _inferred_type(value),
            value=value,
            description=description or "",
            actor=user,
        )
        return setting_describe(key)
    if type is not None and type != defn.type:
        raise InvalidArgument(
            f"{key} is of type {defn.type}; a setting's type cannot change.",
            field="type",
            code="type_conflict",
        )
    if key.startswith("security."):
        security_update(changes={key.removeprefix("security."): value}, user=user)
    else:
        setting_set(key=key, value=value, actor=user)
    return setting_describe(key)


def _inferred_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "decimal"
    if isinstance(value, str):
        return "str"
    return "json"


def security_update(*, changes: dict[str, Any], user: Any) -> dict[str, Any]:
    """Change any subset of the security configuration (admins only); returns all of it."""
    _require_admin(user, "security.change", "security")
    unknown = sorted(set(changes) - set(SECURITY_FIELDS))
    if unknown:
        raise InvalidArgument(
            f"unknown security fields: {', '.join(unknown)}.",
            field=unknown[0],
            code="unknown_field",
        )
    new = {}
    errors = []
    for name, raw in changes.items():
        try:
            new[name] = coerce(definition(f"security.{name}"), raw)
        except InvalidArgument as exc:
            errors.append({"loc": ["body", name], "msg": exc.message, "type": exc.code})
    if errors:
        raise InvalidArgument("invalid security configuration", errors=errors)
    merged = {**security_config().as_dict(), **new}
    if merged["token_default_ttl"] > merged["token_max_ttl"]:
        raise InvalidArgument(
            "token_default_ttl cannot exceed token_max_ttl.", field="token_default_ttl"
        )
    with transaction.atomic():
        for name, value in new.items():
            setting_set(key=f"security.{name}", value=value, actor=user)
    return security_config().as_dict()


__all__ = [
    "security_update",
    "setting_change",
    "setting_describe",
    "settings_admin_require",
    "settings_describe",
]
