"""Restore a bundle written by `secrets_export`."""

from django.core.management.base import BaseCommand, CommandError

from core.errors import InvalidArgument
from secrets_app.services.bundle import secrets_import

from .secrets_export import passphrase_from


class Command(BaseCommand):
    help = "Import secrets and policies from a passphrase-encrypted bundle."

    def add_arguments(self, parser):
        parser.add_argument("input", help="the bundle file")
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="replace secrets whose path already exists (default: skip them)",
        )
        parser.add_argument("--passphrase-env", help="read the passphrase from this env variable")
        parser.add_argument("--passphrase-file", help="read the passphrase from this file")

    def handle(self, *args, **options):
        with open(options["input"], "rb") as handle:
            bundle = handle.read()
        try:
            result = secrets_import(
                bundle=bundle, passphrase=passphrase_from(options), overwrite=options["overwrite"]
            )
        except InvalidArgument as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            self.style.SUCCESS(
                "imported: {created} created, {replaced} replaced, {skipped} skipped, "
                "{policies} policies".format(**result)
            )
        )
