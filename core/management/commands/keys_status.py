"""Which encryption keys each running process holds, and how many values each key encrypts.

manage.py keys_status               processes (from their heartbeats), problems, values per key
manage.py keys_status --no-values   without counting the stored values
manage.py keys_status --check       exit 1 when any problem is found (for scripts)
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from redis.exceptions import RedisError

from core.keyring import (
    CLEAR,
    UNKNOWN,
    ProcessKeys,
    local_fingerprints,
    processes_live,
    values_per_key,
)


def _keys_text(keys: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f"{k} (primary)" if i == 0 else k for i, k in enumerate(keys))


def _counts_text(counts: Counter[str]) -> str:
    """Counts in keyring order (primary first), then values no key opens, then clear ones."""
    order = [*local_fingerprints(), UNKNOWN, CLEAR]
    return " ".join(f"{k}={counts[k]}" for k in order if k in counts) or "none"


def _problems(processes: list[ProcessKeys], totals: Counter[str] | None) -> list[str]:
    problems = []
    for writer in processes:
        for reader in processes:
            if reader is not writer and writer.primary not in reader.keys:
                problems.append(
                    f"{reader.id} ({reader.role}) cannot read what {writer.id} ({writer.role}) "
                    f"writes: it lacks {writer.primary}"
                )
    for key, count in (totals or Counter()).items():
        if key in (UNKNOWN, CLEAR) or not count:
            continue
        for process in processes:
            if key not in process.keys:
                problems.append(
                    f"{process.id} ({process.role}) cannot read the {count} value(s) under {key}"
                )
    if totals and totals[UNKNOWN]:
        problems.append(
            f"{totals[UNKNOWN]} value(s) are under a key that this process's ENCRYPTION_KEYS lacks"
        )
    if totals and totals[CLEAR]:
        problems.append(
            f"{totals[CLEAR]} secret setting(s) are stored in clear: rotate_encryption_keys "
            "seals them"
        )
    return problems


class Command(BaseCommand):
    help = "Show the encryption keys of every running process and the values under each key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-values", action="store_true", help="do not count values")
        parser.add_argument("--check", action="store_true", help="exit 1 on any problem")

    def handle(self, *args: Any, no_values: bool, check: bool, **options: Any) -> None:
        out = self.stdout.write
        out(f"this process (ENCRYPTION_KEYS): {_keys_text(local_fingerprints())}")
        try:
            found = processes_live()
        except RedisError as exc:
            found = None
            out(f"running processes: unknown (Redis unreachable: {type(exc).__name__})")
        else:
            if found is None:
                out("running processes: unknown (no Redis: heartbeats need REDIS_URL)")
        processes = found or []
        if found is not None:
            out(f"running processes: {len(processes)}")
            for p in processes:
                since = datetime.fromtimestamp(p.started, UTC).isoformat(timespec="seconds")
                out(f"  {p.id}  {p.role}  since {since}  keys {_keys_text(p.keys)}")
        totals: Counter[str] | None = None
        if not no_values:
            totals = Counter()
            out("values per key (fingerprints of this process's keys):")
            for label, counts in values_per_key().items():
                totals.update(counts)
                out(f"  {label}: {_counts_text(counts)}")
            for key in local_fingerprints():
                totals.setdefault(key, 0)
            out(f"  total: {_counts_text(totals)}")
        problems = _problems(processes, totals)
        if not problems:
            out("no problems: every process reads what every other writes and every value")
            return
        out(f"problems: {len(problems)}")
        for problem in problems:
            out(f"  - {problem}")
        if check:
            raise CommandError(f"{len(problems)} keyring problem(s)")
