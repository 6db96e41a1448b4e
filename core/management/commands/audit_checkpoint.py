"""Print or write the audit chain's head as JSON, to keep outside the database."""

import json

from django.core.management.base import BaseCommand

from core.audit_verify import audit_checkpoint


class Command(BaseCommand):
    help = (
        "Write the audit chain's newest row (id, hash, number of rows, key id, time) as JSON; "
        "keep it elsewhere and later run `verify_audit_log --checkpoint FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", default="-", help="file, or - for stdout")

    def handle(self, *args, **options):
        text = json.dumps(audit_checkpoint(), indent=2) + "\n"
        if options["output"] == "-":
            self.stdout.write(text, ending="")
            return
        with open(options["output"], "w") as out:
            out.write(text)
        self.stderr.write(f"checkpoint written to {options['output']}")
