"""Write an encrypted bundle of the secrets store (for backup or migration), read in one
snapshot: secrets being written meanwhile are in it entirely or not at all."""

import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from core.errors import InvalidArgument
from secrets_app.services.bundle import secrets_export


def passphrase_from(options) -> str:
    if options.get("passphrase_env"):
        value = os.environ.get(options["passphrase_env"])
        if not value:
            raise CommandError(f"environment variable {options['passphrase_env']} is empty")
        return value
    if options.get("passphrase_file"):
        with open(options["passphrase_file"]) as handle:
            return handle.read().strip()
    return getpass.getpass("Bundle passphrase: ")


class Command(BaseCommand):
    help = (
        "Export every secret (all kept versions, ids, authors) and policy into a "
        "passphrase-encrypted bundle, read in one consistent snapshot (safe under write load)."
    )

    def add_arguments(self, parser):
        parser.add_argument("output", help="file to write the bundle to")
        parser.add_argument("--prefix", default="", help="only secrets under this path prefix")
        parser.add_argument("--passphrase-env", help="read the passphrase from this env variable")
        parser.add_argument("--passphrase-file", help="read the passphrase from this file")

    def handle(self, *args, **options):
        try:
            bundle = secrets_export(passphrase=passphrase_from(options), prefix=options["prefix"])
        except InvalidArgument as exc:
            raise CommandError(exc.message) from None
        fd = os.open(options["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(bundle)
        self.stdout.write(self.style.SUCCESS(f"bundle written to {options['output']}"))
