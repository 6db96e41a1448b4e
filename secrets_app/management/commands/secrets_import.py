"""Restore a bundle written by `secrets_export`."""

from django.core.management.base import BaseCommand, CommandError

from core.errors import InvalidArgument
from secrets_app.services.bundle import secrets_import
from secrets_app.services.bundle_checks import repaired_message

from .secrets_export import passphrase_from


class Command(BaseCommand):
    help = (
        "Import secrets and policies from a passphrase-encrypted bundle (all or nothing; ids, "
        "timestamps and authors kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument("input", help="the bundle file")
        parser.add_argument(
            "--overwrite",
            action="store_true",
            help="replace secrets whose path already exists (default: skip them)",
        )
        parser.add_argument(
            "--repair",
            action="store_true",
            help="import secrets whose versions run past current_version (from an export "
            "taken without a snapshot) with their newest kept version made current, instead "
            "of refusing the bundle",
        )
        parser.add_argument("--passphrase-env", help="read the passphrase from this env variable")
        parser.add_argument("--passphrase-file", help="read the passphrase from this file")

    def handle(self, *args, **options):
        with open(options["input"], "rb") as handle:
            bundle = handle.read()
        try:
            result = secrets_import(
                bundle=bundle,
                passphrase=passphrase_from(options),
                overwrite=options["overwrite"],
                repair=options["repair"],
            )
        except InvalidArgument as exc:
            raise CommandError(exc.message) from None
        if result["repaired"]:
            self.stdout.write(self.style.WARNING(repaired_message(result["repaired"])))
        if result["remapped"]:
            self.stdout.write(
                self.style.WARNING(
                    "ids already taken here by other paths, given new ids: "
                    + ", ".join(result["remapped"])
                )
            )
        if result["authors_missing"]:
            self.stdout.write(
                self.style.WARNING(
                    "authors without a user here (left empty): "
                    + ", ".join(result["authors_missing"])
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                "imported: {created} created, {replaced} replaced, {skipped} skipped, "
                "{policies} policies".format(**result)
            )
        )
