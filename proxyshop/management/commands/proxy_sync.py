"""`manage.py proxy_sync [--country US]`: run one inventory sync now (same service as beat)."""

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from proxyshop.services import proxies_sync


class Command(BaseCommand):
    help = "Sync the proxy inventory from the provider now."

    def add_arguments(self, parser):
        parser.add_argument("--country", default=None)
        parser.add_argument("--page-size", type=int, default=None)

    def handle(self, *args, **options):
        try:
            run = proxies_sync(
                trigger="command", country_code=options["country"], page_size=options["page_size"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"fetched {run.total_fetched} (provider total {run.total_available_external}), "
            f"added {run.added}, updated {run.updated}, skipped {run.skipped}, "
            f"removed {run.removed} in {run.duration:.2f}s"
        )
