"""Purge expired secrets and wraps now (the beat job does it every minute)."""

from django.core.management.base import BaseCommand

from secrets_app.tasks import purge_expired


class Command(BaseCommand):
    help = "Delete secrets past their TTL and erase expired shared secrets."

    def handle(self, *args, **options):
        result = purge_expired()
        if result is None:
            self.stdout.write("skipped: another purge is running")
            return
        self.stdout.write(
            self.style.SUCCESS(
                "purged {secrets} secrets; erased {wraps_erased} and deleted {wraps_deleted} "
                "wraps".format(**result)
            )
        )
