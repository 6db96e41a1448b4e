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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.errors import InvalidArgument

# At most this many paths are named in one message; the count says how many there are.
NAMED_AT_MOST = 20


@dataclass
class BundleCheck:
    broken: list[str] = field(default_factory=list)  # repairable
    unrepairable: list[str] = field(default_factory=list)


def _names(paths: list[str]) -> str:
    shown = ", ".join(paths[:NAMED_AT_MOST])
    more = len(paths) - NAMED_AT_MOST
    return shown + (f" and {more} more" if more > 0 else "")


def _is_version_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


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
            f"{_names(check.unrepairable)}.",
            field="bundle",
        )
    if not check.broken:
        return []
    if not repair:
        raise InvalidArgument(
            f"{len(check.broken)} secret(s) of the bundle have versions outside "
            f"oldest_version..current_version (an export taken without a consistent "
            f"snapshot): {_names(check.broken)}. Nothing was imported; import with --repair to "
            "make each secret's newest kept version its current one.",
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
    return f"repaired {len(paths)} secret(s) whose versions ran past current_version: " + _names(
        paths
    )
