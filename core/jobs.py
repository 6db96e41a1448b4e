"""Periodic jobs: a lock that dies with its holder, a JobRun record per run, and the sweep
that fails runs whose worker was lost.

Locks and heartbeats live in core/locks.py: a lock expires within `JOB_LOCK_TTL` of its
holder's death.

Fencing. A process that stalls (SIGSTOP, a stalled VM, a frozen Redis) longer than the TTL loses
its lock without knowing it, and the next run takes over. A job that applies results it computed
earlier calls `recorder.fence()` in the transaction that applies them: it locks the run's row
and raises RunLost if the run was declared lost meanwhile, so a resumed holder never applies a
stale result over the newer run's. Declaring a run lost is a conditional UPDATE of that row, so
it waits for a fenced transaction to commit. A run's end is recorded only while it is still
"running": a lost run stays failed.

Lost runs. A JobRun stays "running" when its process dies. A run is lost when its job's lock
is no longer held: the lock is taken before the row is written and released after the row is
finished, and it outlives a dead holder by at most `JOB_LOCK_TTL`. The next run of the job
(which holds the lock, so nothing else of that job can be running) and the periodic sweep
`jobs_recover` (also sent when a worker starts) mark such runs failed ("worker lost"), send
`job_run_lost` (the proxy shop fails its SyncRun there) and, for the sweep, queue the job's
task again so the lost work is redone within a minute or two.

Periodic jobs are declared once, on their Celery task: `@periodic_task(name=..., job=...)`
where `job` is the name their JobRun rows (and lock) use. `periodic_jobs()` reads them back for
`jobs_status`, the sweep and the worker start.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import django.dispatch
from celery import Task, shared_task
from celery.signals import worker_ready
from django.apps import apps as django_apps
from django.utils import timezone

from core.locks import job_lock, lock_ttl
from core.models import JobRun

logger = logging.getLogger("core.jobs")
_P = ParamSpec("_P")
_R = TypeVar("_R")

LOST_ERROR = (
    "worker lost: its lock expired while the run was in progress (the process running it died "
    "or was stopped); marked failed by {by}"
)

# Sent with name=<job name>, run=<the JobRun marked failed> when a run is found lost.
job_run_lost = django.dispatch.Signal()


# --- periodic jobs declared on their tasks -------------------------------------------------


@dataclass(frozen=True)
class PeriodicJob:
    task: str  # the Celery task name (what beat rows send)
    job: str  # the JobRun name (and lock name) the task records its runs under
    on_worker_start: bool = False  # also queued when a worker starts


_PERIODIC: dict[str, PeriodicJob] = {}


def periodic_task(
    *, name: str, job: str, on_worker_start: bool = False
) -> Callable[[Callable[_P, _R]], Task[_P, _R]]:
    """`shared_task(name=name, ignore_result=True)` that declares a periodic job: its runs are
    recorded (and locked) as `job`; with `on_worker_start`, every starting worker queues it."""

    def declare(fun: Callable[_P, _R]) -> Task[_P, _R]:
        _PERIODIC[name] = PeriodicJob(task=name, job=job, on_worker_start=on_worker_start)
        return shared_task(name=name, ignore_result=True)(fun)

    return declare


def periodic_jobs() -> list[PeriodicJob]:
    """Every task declared with `periodic_task`, by task name (imports the apps' task modules,
    as a worker's autodiscovery does, so a management command sees them all)."""
    for config in django_apps.get_app_configs():
        if importlib.util.find_spec(f"{config.name}.tasks") is not None:
            importlib.import_module(f"{config.name}.tasks")
    return sorted(_PERIODIC.values(), key=lambda job: job.task)


# --- JobRun records ------------------------------------------------------------------------


class RunLost(Exception):
    """This run was declared lost (its lock lapsed while its process stalled) and a newer run may
    have taken over: it must not apply its results."""


class JobRecorder:
    def __init__(self, run: JobRun) -> None:
        self.run = run
        self.result: dict[str, Any] = {}

    def fence(self) -> None:
        """Call inside the transaction that applies the job's results: holds this run's row lock
        until it commits, and raises RunLost when the run is no longer running (declared lost;
        see the module docstring)."""
        status = (
            JobRun.objects.select_for_update()
            .filter(pk=self.run.pk)
            .values_list("status", flat=True)
            .first()
        )
        if status != JobRun.Status.RUNNING:
            raise RunLost(
                f"run {self.run.pk} of {self.run.name} was declared lost while its process "
                "stalled; another run took over"
            )


def _fail_lost(runs: Iterable[JobRun], *, by: str) -> list[JobRun]:
    failed = []
    now = timezone.now()
    for run in runs:
        updated = JobRun.objects.filter(pk=run.pk, status=JobRun.Status.RUNNING).update(
            status=JobRun.Status.FAILED, finished_at=now, error=LOST_ERROR.format(by=by)
        )
        if updated:
            run.refresh_from_db()
            logger.error("job %s run %s: worker lost, marked failed (%s)", run.name, run.pk, by)
            job_run_lost.send(sender=JobRun, name=run.name, run=run)
            failed.append(run)
    return failed


def jobs_recover() -> dict[str, Any]:
    """Fail the runs whose worker was lost and queue each lost periodic job's task again.

    A job's runs are judged while holding its lock: whoever holds it knows that no run of the
    job is alive, so every run still "running" was lost. A job whose lock is held (a live run)
    or cannot be asked about is left for the next sweep."""
    names = sorted(
        set(JobRun.objects.filter(status=JobRun.Status.RUNNING).values_list("name", flat=True))
    )
    failed: list[JobRun] = []
    for name in names:
        try:
            with job_lock(name) as held:
                if held:
                    failed += _fail_lost(
                        JobRun.objects.filter(name=name, status=JobRun.Status.RUNNING),
                        by="the lost-run sweep",
                    )
        except Exception as exc:
            logger.warning("lost runs of %s not checked (%s)", name, type(exc).__name__)
    lost_names = {run.name for run in failed if not _lost_before(run)}
    requeued = []
    if lost_names:
        from config.celery import app

        for job in periodic_jobs():
            if job.job in lost_names:
                app.send_task(job.task)
                requeued.append(job.task)
    return {"lost": len(failed), "requeued": requeued}


def _lost_before(run: JobRun) -> bool:
    """Whether the run of the same job before `run` was lost too: a job that takes its worker
    down (out of memory, say) is not queued again at once, or it would do so every minute; its
    beat schedule runs it next."""
    previous = (
        JobRun.objects.filter(name=run.name, started_at__lt=run.started_at)
        .exclude(status=JobRun.Status.SKIPPED)
        .order_by("-started_at")
        .values_list("error", flat=True)
        .first()
    )
    if previous is not None and previous.startswith("worker lost"):
        logger.error("job %s lost its worker twice in a row: left to its schedule", run.name)
        return True
    return False


@contextlib.contextmanager
def tracked_job(name: str) -> Iterator[JobRecorder | None]:
    """Record a run of `name` in JobRun under the job's lock; a run that finds the lock held is
    recorded as skipped and gets None. Runs of `name` left "running" by a lost worker are
    marked failed first (holding the lock, this run knows none of them is alive).

    Yields a recorder (set `.result`) or None when the run was skipped.
    """
    with job_lock(name) as acquired:
        if not acquired:
            JobRun.objects.create(
                name=name,
                status=JobRun.Status.SKIPPED,
                finished_at=timezone.now(),
                error="another run holds the lock",
            )
            yield None
            return
        _fail_lost(
            JobRun.objects.filter(name=name, status=JobRun.Status.RUNNING),
            by="the next run",
        )
        with _recorded(name) as recorder:
            yield recorder


@contextlib.contextmanager
def _recorded(name: str) -> Iterator[JobRecorder]:
    recorder = JobRecorder(JobRun.objects.create(name=name))
    try:
        yield recorder
    except RunLost:
        _end(recorder, JobRun.Status.FAILED, error=None, note="did not apply its results")
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
        _end(recorder, JobRun.Status.FAILED, error=error)
        raise
    _end(recorder, JobRun.Status.SUCCESS, error="")


def _end(recorder: JobRecorder, status: str, *, error: str | None, note: str = "") -> None:
    """Record the run's end, only while it is still running: a run declared lost meanwhile
    keeps its verdict, with a note that it resumed (see the module docstring)."""
    run = recorder.run
    run.status, run.finished_at, run.result = status, timezone.now(), recorder.result
    fields: dict[str, Any] = {
        "status": status,
        "finished_at": run.finished_at,
        "result": run.result,
    }
    if error is not None:
        run.error = fields["error"] = error
    if JobRun.objects.filter(pk=run.pk, status=JobRun.Status.RUNNING).update(**fields):
        return
    lost = JobRun.objects.filter(pk=run.pk).values_list("error", flat=True).first() or ""
    resumed = f"; it resumed later and {note or f'ended ({status}) all the same'}"
    JobRun.objects.filter(pk=run.pk).update(error=lost + resumed)
    logger.error(
        "job %s run %s ended (%s) after it was declared lost: it stalled past its lock; "
        "the run stays failed",
        run.name,
        run.pk,
        status,
    )


RECOVER_JOB = "core.jobs_recover"


@periodic_task(name="core.jobs_recover", job=RECOVER_JOB, on_worker_start=True)
def jobs_recover_task() -> dict[str, Any] | None:
    """Every minute (beat row from core migration 0006) and when a worker starts."""
    with tracked_job(RECOVER_JOB) as job:
        if job is None:
            return None
        job.result = jobs_recover()
        return job.result


@worker_ready.connect(dispatch_uid="core.jobs.on_worker_start")
def _queue_on_worker_start(sender: Any = None, **kwargs: Any) -> None:
    """A worker that starts (often: replaces one that died) queues the recovery jobs declared
    with `on_worker_start` at once, and again once a dead worker's locks and heartbeats have
    surely expired (`JOB_LOCK_TTL` + 1 s: a replacement often starts sooner), instead of
    leaving them to their next beat."""
    app = getattr(sender, "app", None)
    if app is None:
        return
    for job in periodic_jobs():
        if job.on_worker_start:
            try:
                app.send_task(job.task)
                app.send_task(job.task, countdown=lock_ttl() + 1)
            except Exception as exc:  # the broker is down: beat sends them later
                logger.warning("%s not queued at worker start: %s", job.task, type(exc).__name__)
