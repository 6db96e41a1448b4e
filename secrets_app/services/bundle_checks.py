"""What a secrets bundle must satisfy before it is imported, and what an import can repair.

A secret's invariants, which the store's writes keep (services/kv.py):
- its version numbers are distinct positive integers;
- every kept version lies between `oldest_version` and `current_version` (the newest value is
  the one numbered `current_version`, and the next write takes `current_version + 1`).

A bundle written while secrets were being changed, by an export without a common snapshot,
could hold versions past `current_version`: imported as it is, the newest value would be hidden
and every later write would collide with an existing version number. Such a bundle is refused,
naming the secrets, or repaired on request (`current_version` raised to the newest kept
version, `oldest_version` lowered to the oldest kept one); duplicate or invalid version
numbers, and a path or id given twice, cannot be repaired.

Before that, every field of a hand-made (or damaged) bundle is checked as the store's own writes
check it (`bundle_fields_check`): a path the API cannot address, metadata that is not strings, a
value that is neither a string nor an object (or holds NaN/Infinity), a number or date of the
wrong type or out of range, a policy the policy API would refuse: refused naming the secret or
policy and the field, before anything is written, so that nothing is imported that cannot be
read back.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from core.errors import InvalidArgument

from .kv_validation import normalize_path, validate_metadata
from .policies import policy_name_check, validate_rules

# At most this many paths are named in one message; the count says how many there are.
NAMED_AT_MOST = 20


@dataclass
class BundleCheck:
    broken: list[str] = field(default_factory=list)  # repairable
    unrepairable: list[str] = field(default_factory=list)


def names_listed(paths: list[str]) -> str:
    """At most NAMED_AT_MOST of `paths`, and how many more."""
    shown = ", ".join(paths[:NAMED_AT_MOST])
    more = len(paths) - NAMED_AT_MOST
    return shown + (f" and {more} more" if more > 0 else "")


def _is_version_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


_PG_INT_MAX = 2**31 - 1  # the store's counters are PostgreSQL integers


def _int_ok(value: Any, *, minimum: int = 0) -> bool:
    return (
        isinstance(value, int) and not isinstance(value, bool) and minimum <= value <= _PG_INT_MAX
    )


def _when_ok(value: Any, *, required: bool = False) -> bool:
    if value is None:
        return not required
    return isinstance(value, str) and "\x00" not in value and parse_datetime_safe(value) is not None


def parse_datetime_safe(value: str) -> Any:
    from django.utils.dateparse import parse_datetime

    try:
        return parse_datetime(value)
    except ValueError:  # well formed but not a date (month 13)
        return None


def _value_problem(value: Any) -> str:
    if not isinstance(value, str | dict):
        return "value must be a string or a JSON object"
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return "value holds a number JSON cannot carry (NaN or Infinity)"
    return ""


def _secret_problem(item: dict[str, Any]) -> str:
    """What is wrong with one secret of a bundle (after defaults were filled in), or ""."""
    if normalize_path(item["path"]) != item["path"]:
        return "path is not in its normal form (no leading or trailing '/', no spaces around)"
    if item.get("id") is not None:
        try:
            uuid.UUID(item["id"])
        except (ValueError, TypeError, AttributeError):
            return "id is not a UUID"
    metadata = item["metadata"]
    if validate_metadata(metadata) != metadata or any(
        "\x00" in key or "\x00" in value for key, value in metadata.items()
    ):
        return "metadata must be an object of strings without NUL characters"
    for name in ("current_version", "oldest_version", "max_versions", "delete_version_after"):
        if not _int_ok(item[name]):
            return f"{name} must be an integer from 0 to {_PG_INT_MAX}"
    if not isinstance(item["cas_required"], bool):
        return "cas_required must be true or false"
    for name in ("created_at", "updated_at", "expires_at"):
        if not _when_ok(item[name], required=name != "expires_at"):
            return f"{name} must be an ISO 8601 date and time"
    if item["created_by"] is not None and not isinstance(item["created_by"], str):
        return "created_by must be a username"
    for version in item["versions"]:
        if not isinstance(version, dict):
            return "each version must be an object"
        if not _int_ok(version["version"], minimum=1):
            return f"version numbers must be integers from 1 to {_PG_INT_MAX}"
        label = f"version {version['version']}: "
        if not isinstance(version["destroyed"], bool):
            return label + "destroyed must be true or false"
        if version["destroyed"]:
            if version["value"] is not None:
                return label + "a destroyed version has no value (null)"
        elif problem := _value_problem(version["value"]):
            return label + problem
        for name, required in (("created_at", True), ("deletion_time", False)):
            if not _when_ok(version[name], required=required):
                return label + f"{name} must be an ISO 8601 date and time"
        if version["created_by"] is not None and not isinstance(version["created_by"], str):
            return label + "created_by must be a username"
    return ""


def bundle_fields_check(items: list[dict[str, Any]], policies: list[dict[str, Any]]) -> None:
    """Raise InvalidArgument naming the first secret (or policy) of a decrypted bundle whose
    fields the store would not accept from its own API, and why (values are never quoted)."""
    for index, item in enumerate(items):
        try:
            problem = _secret_problem(item)
        except InvalidArgument as exc:  # the path or metadata rules, with their own message
            problem = exc.message.rstrip(".")
        if problem:
            name = item["path"][:100] if isinstance(item["path"], str) else f"#{index + 1}"
            raise InvalidArgument(
                f"secret {name!r} of the bundle cannot be imported: {problem}. "
                "Nothing was imported.",
                field="bundle",
            )
    for policy in policies:
        try:
            policy_name_check(policy["name"])
            validate_rules(policy["rules"])
            if not isinstance(policy["roles"], list) or not all(
                isinstance(role, str) for role in policy["roles"]
            ):
                raise InvalidArgument("roles must be a list of role names.", field="roles")
            if not isinstance(policy["description"], str):
                raise InvalidArgument("description must be a string.", field="description")
        except InvalidArgument as exc:
            raise InvalidArgument(
                f"policy {str(policy['name'])[:100]!r} of the bundle cannot be imported: "
                f"{exc.message.rstrip('.')}. Nothing was imported.",
                field="bundle",
            ) from None


def bundle_check(items: list[dict[str, Any]]) -> BundleCheck:
    """Which secrets of a decrypted bundle break the invariants (see the module docstring)."""
    check = BundleCheck()
    seen_paths: set[str] = set()
    seen_ids: set[str] = set()
    for item in items:
        if item["path"] in seen_paths or (item.get("id") and item["id"] in seen_ids):
            check.unrepairable.append(item["path"])
            continue
        seen_paths.add(item["path"])
        if item.get("id"):
            seen_ids.add(item["id"])
        numbers = [v.get("version") for v in item["versions"]]
        if not all(_is_version_number(n) for n in numbers) or len(set(numbers)) != len(numbers):
            check.unrepairable.append(item["path"])
            continue
        if not numbers:
            if item["oldest_version"] > item["current_version"]:
                check.broken.append(item["path"])
            continue
        if max(numbers) > item["current_version"] or min(numbers) < item["oldest_version"]:
            check.broken.append(item["path"])
    return check


def bundle_refuse_or_repair(items: list[dict[str, Any]], *, repair: bool) -> list[str]:
    """Raise InvalidArgument naming the secrets that break the invariants, unless `repair`
    (then fix them in `items` and return their paths). Unrepairable secrets always raise."""
    check = bundle_check(items)
    if check.unrepairable:
        raise InvalidArgument(
            f"{len(check.unrepairable)} secret(s) of the bundle have duplicate or invalid "
            "version numbers, or repeat another's path or id, and cannot be imported: "
            f"{names_listed(check.unrepairable)}.",
            field="bundle",
        )
    if not check.broken:
        return []
    if not repair:
        raise InvalidArgument(
            f"{len(check.broken)} secret(s) of the bundle have versions outside "
            f"oldest_version..current_version (an export taken without a consistent "
            f"snapshot): {names_listed(check.broken)}. Nothing was imported; import with "
            "--repair to make each secret's newest kept version its current one.",
            field="bundle",
        )
    broken = set(check.broken)
    for item in items:
        if item["path"] not in broken:
            continue
        numbers = [v["version"] for v in item["versions"]]
        if numbers:
            item["current_version"] = max(item["current_version"], max(numbers))
            item["oldest_version"] = min(numbers)
        else:
            item["oldest_version"] = item["current_version"]
    return check.broken


def repaired_message(paths: list[str]) -> str:
    return (
        f"repaired {len(paths)} secret(s) whose versions ran past current_version: "
        + names_listed(paths)
    )
