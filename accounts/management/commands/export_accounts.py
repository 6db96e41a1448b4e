"""manage.py export_accounts [--format csv|json] [--output FILE] [--with-credentials] [filters]"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from accounts.selectors import account_list
from accounts.services.transfer import accounts_export


class Command(BaseCommand):
    help = (
        "Export accounts as CSV or JSON. Credentials (password, phone, additional data) are "
        "included only with --with-credentials; every export is recorded in the audit log."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "json"], default="json")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument(
            "--with-credentials",
            action="store_true",
            help="include decrypted passwords, phones and additional data (audited)",
        )
        parser.add_argument("--platform", default="")
        parser.add_argument("--status", default="")
        parser.add_argument("--tag", default="")

    def handle(self, *args, **opts):
        filters = {key: opts[key] for key in ("platform", "status", "tag")}
        queryset = account_list(filters=filters).select_related("proxy")
        chunks = accounts_export(
            queryset=queryset,
            fmt=opts["format"],
            with_credentials=opts["with_credentials"],
            actor="export_accounts",
        )
        if opts["output"]:
            with open(opts["output"], "w", encoding="utf-8", newline="") as out:
                for chunk in chunks:
                    out.write(chunk)
        else:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
