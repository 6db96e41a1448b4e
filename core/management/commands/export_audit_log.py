"""Export the audit log as JSON lines (oldest first), with each row's chain hashes."""

import sys

from django.core.management.base import BaseCommand

from core.audit_verify import audit_export
from core.models import AuditEvent


class Command(BaseCommand):
    help = "Write the audit log as JSON lines to a file or stdout."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", default="-", help="file, or - for stdout")
        parser.add_argument("--since-id", type=int, default=0, help="only rows after this id")

    def handle(self, *args, **options):
        rows = audit_export(AuditEvent.objects.filter(id__gt=options["since_id"]))
        out = sys.stdout if options["output"] == "-" else open(options["output"], "w")  # noqa: SIM115
        count = 0
        try:
            for line in rows:
                out.write(line + "\n")
                count += 1
        finally:
            if out is not sys.stdout:
                out.close()
        if options["output"] != "-":
            self.stdout.write(self.style.SUCCESS(f"{count} rows written to {options['output']}"))
