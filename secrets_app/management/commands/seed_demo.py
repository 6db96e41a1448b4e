"""Create the demo data `make run` shows: an admin and a few objects per domain. Idempotent.

`seed_demo --start` (bin/run-all, once the demo fakes listen and the worker runs) calls each
domain's `start(stdout)` instead: the first provider sync, the first proxy health check and
the first warming actions, so every domain shows its work within the demo's first minute."""

import importlib
import importlib.util
import os
import secrets

from django.core.management.base import BaseCommand

from secrets_app.models import Role, User

# Each domain may ship a `demo.py` with `seed(stdout)` and `start(stdout)`; in this order.
DEMO_MODULES = [
    "secrets_app.demo",
    "proxyshop.demo",
    "viewstats.demo",
    "accounts.demo",
    "accounts.warming.demo",  # after accounts.demo: it warms demo accounts
]


class Command(BaseCommand):
    help = "Create demo data (admin user, sample objects). Safe to run repeatedly."

    def add_arguments(self, parser):
        parser.add_argument(
            "--start",
            action="store_true",
            help="run each domain's first jobs against the running demo fakes (bin/run-all)",
        )

    def handle(self, *args, **options):
        from core.context import acting

        with acting(channel="command"):
            if options["start"]:
                self._start()
            else:
                self._seed()

    def _start(self) -> None:
        for module_name in DEMO_MODULES:
            if importlib.util.find_spec(module_name) is None:
                continue
            start = getattr(importlib.import_module(module_name), "start", None)
            if start is not None:
                start(self.stdout)

    def _seed(self) -> None:
        username = os.environ.get("DEMO_ADMIN_USERNAME", "admin")
        password = os.environ.get("DEMO_ADMIN_PASSWORD")
        admin = User.objects.filter(username=username).first()
        if admin is None:
            generated = password is None
            password = password or secrets.token_urlsafe(12)
            admin = User.objects.create_user(
                username=username, password=password, role=Role.ADMIN, email="admin@example.test"
            )
            shown = password if generated else "(from DEMO_ADMIN_PASSWORD)"
            self.stdout.write(self.style.SUCCESS(f"admin user: {username} / password: {shown}"))
        else:
            if password:
                admin.set_password(password)
                admin.save()
            self.stdout.write(f"admin user {username!r} exists (set DEMO_ADMIN_PASSWORD to reset)")
        for module_name in DEMO_MODULES:
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            module.seed(self.stdout)
