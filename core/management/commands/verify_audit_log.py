"""Walk the audit log's keyed hash chain and name the first row altered, removed or reordered."""

import json

from django.core.management.base import BaseCommand, CommandError

from core.audit_verify import audit_verify, checkpoint_parse


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exits non-zero naming the first bad row."

    def add_arguments(self, parser):
        parser.add_argument(
            "--tail",
            type=int,
            default=None,
            help="check only the newest N rows (and the chain head); default: the whole chain",
        )
        parser.add_argument(
            "--checkpoint",
            default=None,
            metavar="FILE",
            help="a file of `manage.py audit_checkpoint`: also prove the log still extends it "
            "(walks the whole chain)",
        )

    def handle(self, *args, **options):
        checkpoint = None
        if options["checkpoint"]:
            if options["tail"] is not None:
                raise CommandError("--checkpoint walks the whole chain: leave out --tail.")
            try:
                with open(options["checkpoint"]) as handle:
                    checkpoint = checkpoint_parse(json.load(handle))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read the checkpoint: {exc}") from None
        report = audit_verify(tail=options["tail"], checkpoint=checkpoint)
        if report.ok:
            extends = (
                f"; it extends the checkpoint of row #{checkpoint['id']} ({checkpoint['rows']} "
                f"rows, taken {checkpoint.get('at', '?')})"
                if checkpoint
                else ""
            )
            self.stdout.write(
                self.style.SUCCESS(f"audit log OK: {report.checked} rows verified{extends}")
            )
            return
        raise CommandError(
            f"audit log chain broken at row #{report.first_bad_id}: {report.problem} "
            f"({report.checked} rows before it verified)"
        )
