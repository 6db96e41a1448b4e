"""Walk the audit log's hash chain and name the first row altered, removed or reordered."""

from django.core.management.base import BaseCommand, CommandError

from core.audit import audit_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exits non-zero naming the first bad row."

    def add_arguments(self, parser):
        parser.add_argument(
            "--tail",
            type=int,
            default=None,
            help="check only the newest N rows (and the chain head); default: the whole chain",
        )

    def handle(self, *args, **options):
        report = audit_verify(tail=options["tail"])
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"audit log OK: {report.checked} rows verified"))
            return
        raise CommandError(
            f"audit log chain broken at row #{report.first_bad_id}: {report.problem} "
            f"({report.checked} rows before it verified)"
        )
