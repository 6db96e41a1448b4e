"""Helpers for periodic jobs: a Redis lock so two runs never overlap, and a JobRun record."""

from __future__ import annotations

import contextlib
import traceback
import uuid
from collections.abc import Iterator
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from core.models import JobRun


@contextlib.contextmanager
def job_lock(name: str, ttl_seconds: int) -> Iterator[bool]:
    """Yields True if this process holds the lock; the lock expires by itself after ttl."""
    key = f"joblock:{name}"
    token = uuid.uuid4().hex
    acquired = cache.add(key, token, timeout=ttl_seconds)
    try:
        yield acquired
    finally:
        if acquired and cache.get(key) == token:
            cache.delete(key)


def job_is_locked(name: str) -> bool:
    return cache.get(f"joblock:{name}") is not None


class JobRecorder:
    def __init__(self, run: JobRun) -> None:
        self.run = run
        self.result: dict[str, Any] = {}


@contextlib.contextmanager
def tracked_job(name: str, *, lock_ttl: int | None = None) -> Iterator[JobRecorder | None]:
    """Record a run of `name` in JobRun; with `lock_ttl`, skip (and say so) if one is running.

    Yields a recorder (set `.result`) or None when the run was skipped.
    """
    if lock_ttl is not None:
        with job_lock(name, lock_ttl) as acquired:
            if not acquired:
                JobRun.objects.create(
                    name=name,
                    status=JobRun.Status.SKIPPED,
                    finished_at=timezone.now(),
                    error="another run holds the lock",
                )
                yield None
                return
            with _recorded(name) as recorder:
                yield recorder
    else:
        with _recorded(name) as recorder:
            yield recorder


@contextlib.contextmanager
def _recorded(name: str) -> Iterator[JobRecorder]:
    recorder = JobRecorder(JobRun.objects.create(name=name))
    try:
        yield recorder
    except Exception as exc:
        recorder.run.status = JobRun.Status.FAILED
        recorder.run.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
        recorder.run.finished_at = timezone.now()
        recorder.run.result = recorder.result
        recorder.run.save()
        raise
    recorder.run.status = JobRun.Status.SUCCESS
    recorder.run.finished_at = timezone.now()
    recorder.run.result = recorder.result
    recorder.run.save()
