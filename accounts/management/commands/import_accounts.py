"""manage.py import_accounts FILE [--format csv|json] [--atomic]"""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.services.transfer import accounts_import, parse_rows


class Command(BaseCommand):
    help = (
        "Import accounts from CSV (header: platform,login,password,phone,additional,tags,status) "
        "or JSON (a list of objects). Credentials are encrypted at rest. Errors are reported per "
        "row; --atomic imports all rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="file to read, or - for standard input")
        parser.add_argument("--format", choices=["csv", "json"], help="default: by extension")
        parser.add_argument("--atomic", action="store_true", help="all rows or none")

    def handle(self, *args, path: str, format: str | None, atomic: bool, **options):
        if path == "-":
            text = sys.stdin.read()
        else:
            file = Path(path)
            if not file.is_file():
                raise CommandError(f"No such file: {path}")
            text = file.read_text(encoding="utf-8-sig")
        fmt = format or ("json" if path.lower().endswith(".json") else "csv")
        try:
            rows = parse_rows(text, fmt)
        except ValueError as exc:
            raise CommandError(f"Cannot read {path} as {fmt}: {exc}") from None
        report = accounts_import(rows=rows, atomic=atomic, actor="import_accounts")
        for error in report["errors"]:
            self.stderr.write(f"row {error['row']}: {error['error']}")
        summary = f"{report['created']} account(s) imported, {len(report['errors'])} row(s) failed"
        if atomic and report["errors"]:
            raise CommandError(f"{summary}; --atomic: nothing was imported.")
        self.stdout.write(self.style.SUCCESS(summary) if not report["errors"] else summary)
