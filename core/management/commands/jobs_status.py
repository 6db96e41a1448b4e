"""Every periodic job with its schedule, last run and last result.

The jobs are the tasks declared with `job_name=` (core/jobs.py), joined to their beat rows
(django-celery-beat) by task name; their runs are the JobRun rows under `job_name`. A beat row
whose task declares no job is listed too, and a declared job without a beat row is named as
not scheduled.
"""

from django.core.management.base import BaseCommand
from django_celery_beat.models import PeriodicTask

from core.jobs import periodic_jobs
from core.locks import job_is_locked
from core.models import JobRun


class Command(BaseCommand):
    help = "Show every periodic job, its schedule, and its last recorded run and result."

    def handle(self, *args, **options):
        jobs = {job.task: job.job for job in periodic_jobs()}
        rows: dict[str, list[PeriodicTask]] = {}
        for row in PeriodicTask.objects.select_related(
            "interval", "crontab", "solar", "clocked"
        ).order_by("name"):
            rows.setdefault(row.task, []).append(row)
        if not jobs and not rows:
            self.stdout.write("no periodic jobs are declared or scheduled")
        for task in sorted(set(jobs) | set(rows)):
            job = jobs.get(task, task)
            for row in rows.get(task, []):
                state = "enabled" if row.enabled else "disabled"
                schedule = row.interval or row.crontab or row.solar or row.clocked
                self.stdout.write(f"{row.name} [{task}] {state}, {schedule}")
                self.stdout.write(
                    f"  beat last sent: {row.last_run_at or 'never'}, "
                    f"total runs sent: {row.total_run_count}"
                )
            if task not in rows:
                self.stdout.write(f"{job} [{task}] not scheduled (no beat row)")
            self._runs(job)

    def _runs(self, job: str) -> None:
        runs = JobRun.objects.filter(name=job)
        last = runs.first()
        if last is None:
            self.stdout.write(f"  job {job}: no run recorded")
            return
        detail = last.error.splitlines()[0] if last.error else last.result
        self.stdout.write(
            f"  job {job}: last run {last.started_at:%Y-%m-%d %H:%M:%S} {last.status} {detail}"
        )
        running = runs.filter(status=JobRun.Status.RUNNING).count()
        if running:
            try:
                held = "held" if job_is_locked(job) else "NOT held: worker lost, the sweep fails it"
            except Exception as exc:
                held = f"unknown ({type(exc).__name__})"
            self.stdout.write(f"  running now: {running} run(s), lock {held}")
