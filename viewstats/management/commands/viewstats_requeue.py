"""Return stalled tasks to the queue now (what the beat job does every minute)."""

from django.core.management.base import BaseCommand

from viewstats.services.task_lifecycle import tasks_requeue_stale


class Command(BaseCommand):
    help = "Return tasks stuck 'in progress' (or queued too long) to the queue."

    def handle(self, *args, **options):
        result = tasks_requeue_stale()
        self.stdout.write(
            f"returned {result['returned']}, re-sent {result['resent']}, failed {result['failed']}"
        )
