"""Each periodic job (django-celery-beat) with its schedule, last run and last result."""

from django.core.management.base import BaseCommand
from django.db.models import Q
from django_celery_beat.models import PeriodicTask

from core.models import JobRun


class Command(BaseCommand):
    help = "Show every periodic job, its schedule, and its last recorded run and result."

    def handle(self, *args, **options):
        tasks = PeriodicTask.objects.select_related(
            "interval", "crontab", "solar", "clocked"
        ).order_by("name")
        if not tasks:
            self.stdout.write("no periodic jobs are scheduled")
        for task in tasks:
            last = JobRun.objects.filter(Q(name=task.task) | Q(name=task.name)).first()
            state = "enabled" if task.enabled else "disabled"
            schedule = task.interval or task.crontab or task.solar or task.clocked
            self.stdout.write(f"{task.name} [{task.task}] {state}, {schedule}")
            self.stdout.write(
                f"  beat last sent: {task.last_run_at or 'never'}, "
                f"total runs sent: {task.total_run_count}"
            )
            if last is None:
                self.stdout.write("  last run: none recorded")
            else:
                detail = last.error.splitlines()[0] if last.error else last.result
                self.stdout.write(
                    f"  last run: {last.started_at:%Y-%m-%d %H:%M:%S} {last.status} {detail}"
                )
