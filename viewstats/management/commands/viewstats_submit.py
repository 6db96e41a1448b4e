"""Queue view collection for links read from a file (or stdin), on behalf of a user."""

import sys

from django.core.management.base import BaseCommand, CommandError

from core.errors import InvalidArgument
from secrets_app.models import User
from viewstats.services.task_lifecycle import tasks_submit


class Command(BaseCommand):
    help = "Queue view collection for links (one per line) from FILE or stdin."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username who owns the tasks")
        parser.add_argument("--platform", choices=["vk", "telegram"], default="vk")
        parser.add_argument("--every", type=int, default=None, help="re-collect every N seconds")
        parser.add_argument("file", nargs="?", default="-")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        if options["file"] == "-":
            text = sys.stdin.read()
        else:
            with open(options["file"], encoding="utf-8") as stream:
                text = stream.read()
        links = [line.strip() for line in text.splitlines() if line.strip()]
        try:
            rows = tasks_submit(
                user=user,
                platform=options["platform"],
                links=links,
                recollect_interval=options["every"],
            )
        except InvalidArgument as exc:
            for error in exc.errors:
                self.stderr.write(f"{error['loc']}: {error['msg']}")
            raise CommandError("Nothing was queued.") from None
        self.stdout.write(self.style.SUCCESS(f"{len(rows)} task(s) queued."))
